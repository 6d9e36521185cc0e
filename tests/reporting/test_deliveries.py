"""The life of a delivery: created with the claim, re-taken from the profile, sent,
answered, withdrawn, missed (reporting.deliveries)."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.profiles import update_profile
from certificates.issuance import revoke_certificate
from certificates.models import Certificate, CertificateStatus
from reporting.deliveries import (
    delete_delivery,
    mark_missed,
    mark_sent,
    record_result,
    refresh_delivery,
)
from reporting.exceptions import DeliveryRefused
from reporting.models import Delivery, DeliveryBatch, DeliveryStatus, Registry
from tests.factories import UserFactory
from tests.reporting.claims import UAN, complete, pharmacist, physician, team_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def module():
    return team_module()


def deliveries_of(claim):
    return {
        (d.record.get("moc_board") or d.record.get("credit_kind") or d.registry): d
        for d in Delivery.objects.filter(line__claim=claim)
    }


def batch(registry=Registry.PARS):
    return DeliveryBatch.objects.create(registry=registry, transport="file")


def test_a_consenting_internist_gets_a_pars_delivery_for_ama_credit_and_abim_points(module):
    learner = physician(boards=["ABIM"])
    claim = complete(learner, module, hours="0.75", chosen_optional=None)

    found = deliveries_of(claim)
    ama, abim = found["ama-pra-category-1"], found["ABIM"]
    assert ama.status == abim.status == DeliveryStatus.READY
    assert ama.deadline == claim.completed_on + datetime.timedelta(days=30)
    assert ama.record == {
        "provider_id": "1234567",
        "activity_id": module.pars_activity_id,
        "first_name": "Ana",
        "last_name": "Lima",
        "birth_month": 3,
        "birth_day": 14,
        "completed_on": claim.completed_on.isoformat(),
        "credit_id_domain": "NPI",
        "credit_id_value": "1234567893",
        "credit_kind": "ama-pra-category-1",
        "moc_board": "",
        "moc_category": "",
        "amount": "0.75",
        "action": "add",
        "delivery_id": ama.pk,
    }
    assert (abim.record["credit_id_domain"], abim.record["credit_id_value"]) == ("ABIM", "ABIM123")
    assert (abim.record["moc_category"], abim.record["amount"]) == ("MK", "0.75")
    assert list(ama.events.values_list("status", "note")) == [("ready", "Created from the claim.")]


def test_ama_credit_without_pars_consent_gets_no_delivery_but_moc_points_wait_for_it(module):
    learner = physician(consent=False, boards=["ABIM"])
    claim = complete(learner, module)

    found = deliveries_of(claim)
    assert "ama-pra-category-1" not in found
    assert found["ABIM"].status == DeliveryStatus.WAITING
    assert found["ABIM"].missing == ["your consent to report to your boards through ACCME PARS"]


def test_pars_consent_given_after_the_claim_creates_the_ama_delivery_once(module):
    learner = physician(consent=False, boards=["ABIM"])
    claim = complete(learner, module)
    assert "ama-pra-category-1" not in deliveries_of(claim)

    update_profile(learner.profile, changes={"reports_to_boards": True}, board_ids={})
    update_profile(learner.profile, changes={"reports_to_boards": True}, board_ids={})

    found = deliveries_of(claim)
    assert found["ama-pra-category-1"].status == DeliveryStatus.READY
    assert found["ABIM"].status == DeliveryStatus.READY
    assert Delivery.objects.filter(line__claim=claim).count() == 2


def test_consent_given_after_revocation_creates_no_delivery(module):
    learner = physician(consent=False, boards=[])
    claim = complete(learner, module)
    certificate = Certificate.objects.get(claim=claim)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.ISSUED, pdf="certificates/x.pdf", issued_at=timezone.now()
    )
    revoke_certificate(certificate, by=UserFactory(), reason="Attempt was not the learner's own")

    update_profile(learner.profile, changes={"reports_to_boards": True}, board_ids={})

    assert "ama-pra-category-1" not in deliveries_of(claim)


def test_moc_points_are_due_30_days_after_the_evaluation(module):
    learner = physician(boards=["ABIM"])
    claim = complete(learner, module, passed_days_ago=10, evaluated_days_ago=2)

    abim = deliveries_of(claim)["ABIM"]
    evaluated_on = timezone.localdate() - datetime.timedelta(days=2)
    assert abs((abim.deadline - (evaluated_on + datetime.timedelta(days=30))).days) <= 1
    assert abim.deadline > claim.completed_on + datetime.timedelta(days=30)
    assert abim.earliest is None


def test_abp_points_are_reported_once_after_the_evaluation_for_the_full_amount(module):
    learner = physician(boards=["ABP"])
    claim = complete(learner, module, hours="0.25", chosen_optional=None)

    abp = deliveries_of(claim)["ABP"]
    assert abp.record["amount"] == "1.00"  # the designation's maximum, not the 0.25 claimed
    assert abp.earliest is not None
    assert abp.deadline == abp.earliest + datetime.timedelta(days=30)
    with pytest.raises(IntegrityError):  # one delivery per line and registry: never twice
        Delivery.objects.create(line=abp.line, registry=Registry.PARS, deadline=abp.deadline)


def test_a_pharmacist_gets_a_cpe_monitor_delivery_due_60_days_after_completion(module):
    claim = complete(pharmacist(), module, hours="0.5")

    cpe = deliveries_of(claim)["cpe_monitor"]
    assert cpe.status == DeliveryStatus.READY
    assert cpe.deadline == claim.completed_on + datetime.timedelta(days=60)
    assert cpe.record == {
        "epid": "1234567",
        "birth_mmdd": "0314",
        "uan": UAN,
        "completed_on": claim.completed_on.isoformat(),
        "contact_hours": "0.50",
        "action": "add",
        "delivery_id": cpe.pk,
    }


def test_a_claim_after_cpe_monitors_deadline_is_created_missed_with_the_reason(module):
    claim = complete(pharmacist(), module, passed_days_ago=70)

    cpe = deliveries_of(claim)["cpe_monitor"]
    assert cpe.status == DeliveryStatus.MISSED
    note = cpe.events.get().note
    assert note.startswith("Claimed on ")
    assert note.endswith(
        "(60 days): CPE Monitor no longer accepts this record, so it cannot be sent."
    )


def test_a_late_pars_claim_is_still_ready_and_says_to_send_it_at_once(module):
    claim = complete(physician(boards=[]), module, passed_days_ago=40)

    ama = deliveries_of(claim)["ama-pra-category-1"]
    assert ama.status == DeliveryStatus.READY
    assert ama.events.get().note.endswith(": send it as soon as possible.")


def test_waiting_becomes_ready_when_the_learner_adds_the_epid(module):
    learner = pharmacist(epid="")
    cpe = deliveries_of(complete(learner, module))["cpe_monitor"]
    assert (cpe.status, cpe.missing) == (DeliveryStatus.WAITING, ["your NABP e-Profile ID"])

    update_profile(learner.profile, changes={"nabp_epid": "7654321"}, board_ids={})

    cpe.refresh_from_db()
    assert (cpe.status, cpe.missing) == (DeliveryStatus.READY, [])
    assert cpe.record["epid"] == "7654321"
    assert cpe.events.last().note == "Record re-taken from the profile."


def test_rejected_becomes_corrected_after_the_learner_fixes_the_birth_date(module):
    learner = pharmacist()
    cpe = deliveries_of(complete(learner, module))["cpe_monitor"]
    mark_sent([cpe], batch(Registry.CPE_MONITOR))
    record_result(cpe, accepted=False, reason="birth date does not match")
    cpe.refresh_from_db()
    assert (cpe.status, cpe.reason) == (DeliveryStatus.REJECTED, "birth date does not match")

    update_profile(learner.profile, changes={"birth_month": 4, "birth_day": 13}, board_ids={})

    cpe.refresh_from_db()
    assert cpe.status == DeliveryStatus.CORRECTED
    assert cpe.record["birth_mmdd"] == "0413"


def test_a_rejected_record_the_profile_did_not_change_stays_rejected(module):
    learner = pharmacist()
    cpe = deliveries_of(complete(learner, module))["cpe_monitor"]
    mark_sent([cpe], batch(Registry.CPE_MONITOR))
    record_result(cpe, accepted=False, reason="birth date does not match")

    update_profile(learner.profile, changes={"time_zone": "Europe/Paris"}, board_ids={})

    cpe.refresh_from_db()
    assert cpe.status == DeliveryStatus.REJECTED


def test_a_profile_change_after_the_claim_leaves_the_certificate_and_sent_records_alone(module):
    learner = physician(boards=["ABIM"])
    claim = complete(learner, module)
    certificate = Certificate.objects.get(claim=claim)
    printed = dict(certificate.printed)
    ama = deliveries_of(claim)["ama-pra-category-1"]
    mark_sent([ama], batch())
    sent_record = dict(Delivery.objects.get(pk=ama.pk).record)

    update_profile(learner.profile, changes={"last_name": "Lima-Souza"}, board_ids={})

    certificate.refresh_from_db()
    assert certificate.printed == printed
    assert Delivery.objects.get(pk=ama.pk).record == sent_record
    with pytest.raises(DeliveryRefused) as refused:
        refresh_delivery(ama)
    assert str(refused.value) == (
        f"Delivery #{ama.pk} is sent: its record is no longer taken from the profile."
    )
    assert deliveries_of(claim)["ABIM"].record["last_name"] == "Lima-Souza"  # not yet sent


def test_mark_sent_is_all_or_nothing_and_says_why(module):
    learner = pharmacist(epid="")
    waiting = deliveries_of(complete(learner, module))["cpe_monitor"]
    ready = deliveries_of(complete(pharmacist(), team_module()))["cpe_monitor"]

    with pytest.raises(DeliveryRefused) as refused:
        mark_sent([ready, waiting], batch(Registry.CPE_MONITOR))

    assert str(refused.value) == (
        f"Delivery #{waiting.pk} is waiting for the learner's data: only ready or corrected "
        "deliveries are sent."
    )
    ready.refresh_from_db()
    assert ready.status == DeliveryStatus.READY


def test_a_result_needs_a_sent_record_and_a_rejection_needs_a_reason(module):
    cpe = deliveries_of(complete(pharmacist(), module))["cpe_monitor"]
    with pytest.raises(DeliveryRefused, match="is ready to send, not sent"):
        record_result(cpe, accepted=True)
    mark_sent([cpe], batch(Registry.CPE_MONITOR))
    with pytest.raises(DeliveryRefused) as refused:
        record_result(cpe, accepted=False, reason="  ")
    assert str(refused.value) == (
        f"Give the registry's reason for rejecting delivery #{cpe.pk}: the learner is shown it."
    )

    record_result(cpe, accepted=True)

    cpe.refresh_from_db()
    assert cpe.status == DeliveryStatus.ACCEPTED
    assert cpe.answered_at is not None


def test_revoking_deletes_unsent_deliveries_and_queues_a_delete_record_for_accepted_ones(
    module,
):
    learner = physician(boards=["ABIM"])
    claim = complete(learner, module)
    ama, abim = deliveries_of(claim)["ama-pra-category-1"], deliveries_of(claim)["ABIM"]
    mark_sent([ama], batch())
    record_result(ama, accepted=True)
    certificate = Certificate.objects.get(claim=claim)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.ISSUED, pdf="certificates/x.pdf", issued_at=timezone.now()
    )
    admin = UserFactory()

    revoke_certificate(certificate, by=admin, reason="Attempt was not the learner's own")

    ama.refresh_from_db()
    abim.refresh_from_db()
    assert abim.status == DeliveryStatus.DELETED
    assert (ama.status, ama.record["action"]) == (DeliveryStatus.READY, "delete")
    assert ama.events.last().actor == admin
    mark_sent([ama], batch())
    record_result(ama, accepted=True)
    ama.refresh_from_db()
    assert ama.status == DeliveryStatus.DELETED


def test_a_deletion_needs_a_reason_and_happens_once(module):
    cpe = deliveries_of(complete(pharmacist(), module))["cpe_monitor"]
    admin = UserFactory()
    with pytest.raises(DeliveryRefused) as refused:
        delete_delivery(cpe, by=admin, reason="")
    assert str(refused.value) == "Give a reason: it is kept with the deletion."
    delete_delivery(cpe, by=admin, reason="Duplicate")
    with pytest.raises(DeliveryRefused, match=f"^Delivery #{cpe.pk} is already deleted.$"):
        delete_delivery(cpe, by=admin, reason="Again")


def test_cpe_monitor_records_unsent_after_60_days_are_missed_once(module):
    learner = pharmacist(epid="")
    claim = complete(learner, module)
    cpe = deliveries_of(claim)["cpe_monitor"]
    ama_module = team_module()
    pars = deliveries_of(complete(physician(boards=[]), ama_module))["ama-pra-category-1"]

    assert mark_missed(today=cpe.deadline) == 0
    assert mark_missed(today=cpe.deadline + datetime.timedelta(days=1)) == 1
    assert mark_missed(today=cpe.deadline + datetime.timedelta(days=1)) == 0

    cpe.refresh_from_db()
    pars.refresh_from_db()
    assert cpe.status == DeliveryStatus.MISSED
    assert pars.status == DeliveryStatus.READY  # PARS takes late records
    with pytest.raises(DeliveryRefused, match="missed its deadline"):
        refresh_delivery(cpe)
