import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Designation
from certificates.claims import claim_credit
from certificates.exceptions import AlreadyDone, InvalidAmount, NotEligible
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    CreditClaim,
)
from tests.certificates.conftest import (
    claim,
    evaluate,
    offer_second_credit_type,
    pass_post_test,
)
from tests.conftest import SentTask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_claim_needs_a_completed_evaluation(passed_learner, module):
    with pytest.raises(NotEligible) as excinfo:
        claim(passed_learner, module)

    assert str(excinfo.value) == "Please evaluate the activity before you claim credit."
    assert not CreditClaim.objects.exists()


def test_a_claim_needs_a_passed_post_test(learner, module):
    with pytest.raises(NotEligible, match="Pass the post-test before you claim credit"):
        claim(learner, module)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0.3", "Credit is claimed in steps of 0.25 (0.25, 0.5, 0.75, 1 …)."),
        ("0.10", "Credit is claimed in steps of 0.25 (0.25, 0.5, 0.75, 1 …)."),
        ("0.50", "This activity is designated for at most 0.25 hours of credit."),
        ("0", "Claim more than zero hours."),
        ("-0.25", "Claim more than zero hours."),
        ("abc", "Enter the time as a number of hours, e.g. 0.25 or 0.5."),
    ],
)
def test_amounts_off_the_grid_or_over_the_maximum_are_refused(
    evaluated_learner, module, amount, message
):
    with pytest.raises(InvalidAmount) as excinfo:
        claim(evaluated_learner, module, amount=amount)

    assert str(excinfo.value) == message
    assert not CreditClaim.objects.exists()


def test_any_quarter_step_up_to_the_maximum_is_accepted(evaluated_learner, module):
    offering = module.credits.get()
    offering.max_credits = Decimal("1.50")
    offering.save()

    new_claim = claim(evaluated_learner, module, amount="1.25")

    assert new_claim.amount == Decimal("1.25")


def test_a_second_claim_for_the_same_credit_type_is_refused(evaluated_learner, module):
    claim(evaluated_learner, module)

    with pytest.raises(AlreadyDone) as refusal:
        claim(evaluated_learner, module)

    assert str(refusal.value) == "You have already claimed credit for this activity."
    assert CreditClaim.objects.count() == 1
    assert Certificate.objects.count() == 1


def test_a_second_claim_with_other_lines_for_the_same_activity_is_refused(
    evaluated_learner, module
):
    """Two claims for one activity would print its credit twice (2 credits for a 1-credit
    activity), whatever lines they hold."""
    moc = offer_second_credit_type(module)
    first = claim(evaluated_learner, module, chosen_optional={moc.pk})

    with pytest.raises(AlreadyDone) as refusal:
        claim(evaluated_learner, module, chosen_optional=set())

    assert str(refusal.value) == "You have already claimed credit for this activity."
    assert list(CreditClaim.objects.all()) == [first]
    assert Certificate.objects.get().claim == first


def test_the_database_holds_one_claim_per_learner_and_activity(evaluated_learner, module):
    """The rule stands even for code that skips claim_credit: it is a constraint."""
    first = claim(evaluated_learner, module)
    moc = offer_second_credit_type(module)

    with (
        pytest.raises(IntegrityError, match="one_claim_per_learner_and_module"),
        transaction.atomic(),
    ):
        CreditClaim.objects.create(
            learner=evaluated_learner,
            module=module,
            credit_type=moc.credit_type,
            kind=first.kind,
            amount=first.amount,
            attempt=first.attempt,
            completed_on=first.completed_on,
            attested_at=first.attested_at,
            snapshot=first.snapshot,
        )

    assert CreditClaim.objects.count() == 1


def test_the_attestation_is_required(evaluated_learner, module):
    with pytest.raises(NotEligible, match="Tick the attestation"):
        claim_credit(evaluated_learner, module=module, hours="0.25", attested=False)


def test_a_claim_copies_what_the_certificate_prints_at_that_moment(evaluated_learner, module):
    profile = evaluated_learner.profile
    profile.certificate_name = "Maria L. Gómez"
    profile.designation = Designation.DO
    profile.save()

    new_claim = claim(evaluated_learner, module)
    module.title = "Renamed later"
    module.save()

    certificate = new_claim.certificates.get()
    assert new_claim.kind == CertificateKind.CREDIT
    assert new_claim.snapshot["activity_title"] != "Renamed later"
    assert certificate.printed["learner_name"] == "Maria L. Gómez"
    assert certificate.printed["learner_designation"] == "DO"
    assert certificate.printed["amount"] == "0.25"
    assert certificate.printed["credit_type_name"] == "AMA PRA Category 1 Credit™"
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.number.startswith(f"CME-{timezone.localdate():%Y}-")


def test_the_completion_date_is_the_day_the_learner_passed_in_their_time_zone(learner, module):
    learner.profile.time_zone = "Pacific/Auckland"
    learner.profile.save()
    attempt = pass_post_test(learner, module.post_test)
    # 23:30 UTC on 1 March is already 2 March in Auckland.
    attempt.graded_at = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    attempt.save()
    evaluate(learner, module)

    assert claim(learner, module).completed_on == datetime.date(2026, 3, 2)


def test_a_nurse_practitioner_gets_a_certificate_of_participation(module):
    nurse = UserFactory(profile__designation=Designation.NP)
    pass_post_test(nurse, module.post_test)
    evaluate(nurse, module)

    new_claim = claim(nurse, module)

    assert new_claim.kind == CertificateKind.PARTICIPATION
    assert new_claim.certificates.get().printed["kind"] == "participation"


def test_a_learner_without_a_designation_is_asked_to_complete_the_profile(module):
    learner = UserFactory(profile__designation="")
    pass_post_test(learner, module.post_test)
    evaluate(learner, module)

    with pytest.raises(NotEligible, match="Add your professional designation"):
        claim(learner, module)


def test_credit_cannot_be_claimed_after_the_module_expired(evaluated_learner, module):
    module.release_date = timezone.localdate() - datetime.timedelta(days=400)
    module.expiration_date = timezone.localdate() - datetime.timedelta(days=1)
    module.save()

    with pytest.raises(NotEligible, match="credit can no longer be claimed"):
        claim(evaluated_learner, module)


def test_a_module_without_designations_offers_nothing_to_claim(evaluated_learner, module):
    module.credits.all().delete()

    with pytest.raises(NotEligible, match=r"This activity offers no credit to claim\."):
        claim(evaluated_learner, module)


def test_the_certificate_task_is_queued_only_after_commit_with_the_id_only(
    evaluated_learner, module, django_capture_on_commit_callbacks, sent_tasks
):
    with django_capture_on_commit_callbacks() as callbacks:
        new_claim = claim(evaluated_learner, module)
        assert sent_tasks == []

    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    certificate = new_claim.certificates.get()
    assert sent_tasks == [SentTask("certificates.tasks.issue_certificate", (certificate.pk,), {})]
    certificate.refresh_from_db()
    assert certificate.last_queued_at is not None


def test_a_claim_stands_when_the_broker_is_down(
    evaluated_learner, module, django_capture_on_commit_callbacks, dead_broker
):
    with django_capture_on_commit_callbacks(execute=True):
        new_claim = claim(evaluated_learner, module)

    certificate = new_claim.certificates.get()
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.last_queued_at is None
