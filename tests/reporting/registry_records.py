"""Deliveries for the registries' tests: a real claim's credit line (made through the
domain functions, as a learner makes it), with a Delivery carrying the record the registry
writers read. The records follow reporting.deliveries.delivery_record's keys."""

import datetime

from django.utils import timezone

from certificates.models import CreditLine
from reporting.models import Delivery, DeliveryStatus, Registry
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.factories import UserFactory


def pars_record(**overrides) -> dict:
    return {
        "provider_id": "1234567",
        "activity_id": "202612345",
        "first_name": "María José",
        "last_name": "O'Neil-Núñez",
        "birth_month": 3,
        "birth_day": 14,
        "completed_on": "2026-12-03",
        "credit_id_domain": "ABIM",
        "credit_id_value": "123456",
        "credit_kind": "moc-points",
        "moc_board": "ABIM",
        "moc_category": "MK",
        "amount": "1.25",
        "action": "add",
        **overrides,
    }


def cpe_monitor_record(**overrides) -> dict:
    return {
        "epid": "1234567",
        "birth_mmdd": "0314",
        "uan": "JA4008162-0000-26-123-H01-P",
        "completed_on": "2026-12-03",
        "contact_hours": "1.50",
        "action": "add",
        **overrides,
    }


def claimed_line(module) -> CreditLine:
    """A new learner passes, evaluates and claims the module: their first credit line."""
    learner = UserFactory()
    pass_post_test(learner, module.post_test)
    evaluate(learner, module)
    return claim(learner, module).lines.first()


def make_delivery(
    module, registry: str, *, status: str = DeliveryStatus.SENT, **record
) -> Delivery:
    """A delivery of a fresh credit line to `registry`, in `status`, with a record built
    from the defaults above and `record`'s overrides."""
    base = pars_record(**record) if registry == Registry.PARS else cpe_monitor_record(**record)
    line = claimed_line(module)
    Delivery.objects.filter(line=line).delete()  # any the claim made; this test sets its own
    delivery = Delivery.objects.create(
        line=line,
        registry=registry,
        status=status,
        record=base,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        sent_at=timezone.now() if status == DeliveryStatus.SENT else None,
    )
    delivery.record["delivery_id"] = delivery.pk
    delivery.save(update_fields=["record"])
    return delivery
