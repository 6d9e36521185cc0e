import pytest
from django.core.exceptions import ValidationError

from accounts.models import BoardIdentifier, Profile
from accounts.profiles import update_profile
from accounts.registration import register_learner

pytestmark = pytest.mark.django_db


def new_learner():
    return register_learner(
        "rn@example.com", password="correct-horse-battery", first_name="Ana", last_name="Lee"
    )


def test_a_new_learner_has_a_profile_that_does_not_report_to_boards():
    user = new_learner()

    assert user.profile.reports_to_boards is False
    assert user.profile.reports_to_boards_changed_at is None
    assert user.check_password("correct-horse-battery")


def test_giving_consent_to_board_reporting_records_when():
    profile = new_learner().profile

    update_profile(profile, changes={"reports_to_boards": True}, board_ids={})

    profile.refresh_from_db()
    assert profile.reports_to_boards is True
    assert profile.reports_to_boards_changed_at is not None


def test_withdrawing_consent_records_the_new_date():
    profile = new_learner().profile
    update_profile(profile, changes={"reports_to_boards": True}, board_ids={})
    first = Profile.objects.get(pk=profile.pk).reports_to_boards_changed_at

    update_profile(profile, changes={"reports_to_boards": False}, board_ids={})

    profile.refresh_from_db()
    assert profile.reports_to_boards is False
    assert profile.reports_to_boards_changed_at > first


def test_saving_other_fields_keeps_the_consent_date():
    profile = new_learner().profile
    update_profile(profile, changes={"reports_to_boards": True}, board_ids={})
    consent_date = Profile.objects.get(pk=profile.pk).reports_to_boards_changed_at

    update_profile(profile, changes={"reports_to_boards": True, "region": "IL"}, board_ids={})

    assert Profile.objects.get(pk=profile.pk).reports_to_boards_changed_at == consent_date


def test_board_ids_are_stored_per_board_and_removed_when_cleared():
    profile = new_learner().profile

    update_profile(profile, changes={}, board_ids={"ABIM": " 123456 ", "ABP": ""})
    assert list(BoardIdentifier.objects.values_list("board", "identifier")) == [("ABIM", "123456")]

    update_profile(profile, changes={}, board_ids={"ABIM": ""})
    assert not BoardIdentifier.objects.exists()


def test_a_day_that_the_birth_month_does_not_have_is_refused_and_nothing_is_saved():
    profile = new_learner().profile

    with pytest.raises(ValidationError) as excinfo:
        update_profile(profile, changes={"birth_month": 2, "birth_day": 30}, board_ids={})

    assert excinfo.value.message_dict == {"birth_day": ["February has no day 30."]}
    profile.refresh_from_db()
    assert profile.birth_month is None


def test_february_29_is_a_valid_birthday():
    profile = new_learner().profile

    update_profile(profile, changes={"birth_month": 2, "birth_day": 29}, board_ids={})

    profile.refresh_from_db()
    assert (profile.birth_month, profile.birth_day) == (2, 29)


def test_the_certificate_prints_the_legal_name_when_given_else_the_account_name():
    profile = new_learner().profile
    assert profile.printed_name() == "Ana Lee"

    update_profile(profile, changes={"certificate_name": "Ana María Lee"}, board_ids={})
    assert Profile.objects.get(pk=profile.pk).printed_name() == "Ana María Lee"
