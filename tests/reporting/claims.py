"""Building claims for the delivery tests through the same steps a learner takes: pass the
post-test, evaluate, claim (certificates.claims.claim_credit, whose listener creates the
deliveries)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from certificates.models import Evaluation
from courses.credit_kinds import ACPE_CONTACT_HOURS, AMA_PRA_CATEGORY_1, MOC_POINTS, standard_kind
from courses.models import ModuleCredit
from quizzes.models import Attempt
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.factories import UserFactory, post_test_with_questions

UAN = "JA4008162-0000-26-123-H01-P"


def team_module(*, pars_activity_id: str = "202612345"):
    """A module designated for AMA credit 1, ABIM MOC 1, ABP MOC 1 and ACPE 1 (UAN), with
    `pars_activity_id` (9 digits) as its PARS activity ID when given."""
    post_test = post_test_with_questions(3)
    module = post_test.module
    if pars_activity_id:
        module.pars_activity_id = pars_activity_id
        module.save(update_fields=["pars_activity_id"])
    for code, extra in (
        (AMA_PRA_CATEGORY_1, {}),
        (MOC_POINTS, {"moc_board": "ABIM", "moc_category": "MK"}),
        (MOC_POINTS, {"moc_board": "ABP", "moc_category": "LL"}),
        (ACPE_CONTACT_HOURS, {"uan": UAN}),
    ):
        ModuleCredit.objects.update_or_create(
            module=module,
            credit_type=standard_kind(code),
            moc_board=extra.get("moc_board", ""),
            defaults={"max_credits": Decimal("1"), **extra},
        )
    return module


def physician(*, consent=True, boards=("ABIM",), npi="1234567893", birth=(3, 14), **fields):
    user = UserFactory(
        first_name="Ana",
        last_name="Lima",
        profile__designation="MD",
        profile__npi=npi,
        profile__reports_to_boards=consent,
        profile__birth_month=birth[0] if birth else None,
        profile__birth_day=birth[1] if birth else None,
        **fields,
    )
    for board in boards:
        user.profile.board_ids.create(board=board, identifier=f"{board}123")
    return user


def pharmacist(*, epid="1234567", consent=True, birth=(3, 14)):
    return UserFactory(
        first_name="Pia",
        last_name="Farma",
        profile__designation="PharmD",
        profile__nabp_epid=epid,
        profile__reports_to_cpe_monitor=consent,
        profile__birth_month=birth[0] if birth else None,
        profile__birth_day=birth[1] if birth else None,
    )


def complete(learner, module, *, passed_days_ago=0, evaluated_days_ago=None, hours="0.5", **kw):
    """The learner passes (`passed_days_ago` days ago), evaluates (`evaluated_days_ago`
    days ago, default the same day) and claims `hours` today. Returns the claim."""
    post_test = module.post_test
    attempt = pass_post_test(learner, post_test)
    now = timezone.now()
    Attempt.objects.filter(pk=attempt.pk).update(
        graded_at=now - datetime.timedelta(days=passed_days_ago)
    )
    evaluate(learner, module)
    days = passed_days_ago if evaluated_days_ago is None else evaluated_days_ago
    Evaluation.objects.filter(learner=learner, module=module).update(
        submitted_at=now - datetime.timedelta(days=days)
    )
    return claim(learner, module, amount=hours, **kw)
