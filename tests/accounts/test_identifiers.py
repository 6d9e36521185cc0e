"""The learner's identifiers for every credit channel: each checked for shape at entry, the
boards that report through PARS, what a claim still lacks (missing_identifiers), and the
identifiers in the personal-data download and at the account's closure."""

import json
from importlib import import_module

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.forms import ProfileForm
from accounts.identifiers import (
    PROFILE_FIELD_GROUPS,
    LearnerIdentifier,
    missing_identifier_codes,
    missing_identifiers,
    profile_url_for,
)
from accounts.models import BoardIdentifier, CertifyingBoard, Profile, StateLicense
from accounts.personal_data import close_account
from accounts.profiles import update_profile
from accounts.validators import (
    validate_birth_month_and_day,
    validate_license_number,
    validate_nabp_epid,
    validate_nccpa_id,
)
from core.audit import recorded_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EPID_DIGITS_ONLY = "An NABP e-Profile ID has digits only: 1 to 7 digits, e.g. 1234567."
EPID_TOO_LONG = "An NABP e-Profile ID has at most 7 digits, e.g. 1234567."
NCCPA_DIGITS_ONLY = "An NCCPA ID has digits only: 6 to 10 digits, e.g. 1234567."
NCCPA_LENGTH = "An NCCPA ID has 6 to 10 digits, e.g. 1234567."
LICENSE_FORMULA = (
    "A license number cannot start with =, +, - or @; give it as your state prints it, "
    "e.g. MD-123456."
)
LICENSE_CHARACTERS = "A license number has letters, digits and hyphens only, e.g. MD-123456."


def messages_of(validator, value) -> list[str]:
    with pytest.raises(ValidationError) as refusal:
        validator(value)
    return refusal.value.messages


# --- Shapes -------------------------------------------------------------------------------


@pytest.mark.parametrize("epid", ["1", "123456", "1234567", "0012345"])
def test_an_epid_of_one_to_seven_digits_is_accepted(epid):
    validate_nabp_epid(epid)


@pytest.mark.parametrize(
    ("epid", "message"),
    [
        ("12345678", EPID_TOO_LONG),
        ("12a4567", EPID_DIGITS_ONLY),
        ("123 456", EPID_DIGITS_ONLY),
        ("-123456", EPID_DIGITS_ONLY),
        ("\uff11\uff12\uff13\uff14", EPID_DIGITS_ONLY),  # full-width digits are not ASCII digits
        ("", EPID_DIGITS_ONLY),
    ],
)
def test_an_epid_of_another_shape_is_refused_with_the_expected_shape(epid, message):
    assert messages_of(validate_nabp_epid, epid) == [message]


@pytest.mark.parametrize("nccpa_id", ["123456", "1234567", "1234567890"])
def test_an_nccpa_id_of_six_to_ten_digits_is_accepted(nccpa_id):
    validate_nccpa_id(nccpa_id)


@pytest.mark.parametrize(
    ("nccpa_id", "message"),
    [
        ("12345", NCCPA_LENGTH),
        ("12345678901", NCCPA_LENGTH),
        ("12-34567", NCCPA_DIGITS_ONLY),
        ("PA123456", NCCPA_DIGITS_ONLY),
    ],
)
def test_an_nccpa_id_of_another_shape_is_refused_with_the_expected_shape(nccpa_id, message):
    assert messages_of(validate_nccpa_id, nccpa_id) == [message]


@pytest.mark.parametrize("number", ["MD-123456", "036123456", "RN9", "A"])
def test_a_license_number_of_letters_digits_and_hyphens_is_accepted(number):
    validate_license_number(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("=1+1", LICENSE_FORMULA),
        ("+123456", LICENSE_FORMULA),
        ("-123456", LICENSE_FORMULA),
        ("@SUM(A1)", LICENSE_FORMULA),
        ("MD 123456", LICENSE_CHARACTERS),
        ("MD/123456", LICENSE_CHARACTERS),
        ("MD.123", LICENSE_CHARACTERS),
    ],
)
def test_a_license_number_of_another_shape_is_refused_with_the_reason(number, message):
    assert messages_of(validate_license_number, number) == [message]


def test_a_license_number_has_at_most_twenty_characters(learner):
    license = StateLicense(profile=learner.profile, state="IL", profession="MD", number="A" * 21)

    with pytest.raises(ValidationError) as refusal:
        license.full_clean()

    assert refusal.value.message_dict == {
        "number": ["Ensure this value has at most 20 characters (it has 21)."]
    }


def test_30_february_is_not_a_birthday_but_29_february_is():
    validate_birth_month_and_day(month=2, day=29)

    with pytest.raises(ValidationError) as refusal:
        validate_birth_month_and_day(month=2, day=30)

    assert refusal.value.message_dict == {"birth_day": ["February has no day 30."]}


def test_the_profile_refuses_an_identifier_of_the_wrong_shape_field_by_field(learner):
    profile = learner.profile
    profile.nabp_epid, profile.nccpa_id = "12345678", "12345"

    with pytest.raises(ValidationError) as refusal:
        profile.full_clean()

    assert refusal.value.message_dict == {"nabp_epid": [EPID_TOO_LONG], "nccpa_id": [NCCPA_LENGTH]}


def test_one_license_per_state_and_profession(learner):
    StateLicense.objects.create(profile=learner.profile, state="IL", profession="MD", number="1")
    second = StateLicense(profile=learner.profile, state="IL", profession="MD", number="2")

    with pytest.raises(ValidationError) as refusal:
        second.full_clean()

    assert refusal.value.messages == [
        "You already have a license for this state and profession; change that one instead."
    ]


# --- The boards that report through PARS ----------------------------------------------------


def test_only_the_boards_that_report_through_pars_are_offered():
    assert CertifyingBoard.values == [
        "ABA", "ABIM", "ABOHNS", "ABOS", "ABPath", "ABP", "ABPMR", "ABS", "ABTS",
    ]  # fmt: skip
    board_fields = {name for name in ProfileForm().fields if name.startswith("board_")}
    assert board_fields == {
        "board_aba", "board_abim", "board_abohns", "board_abos", "board_abpath", "board_abp",
        "board_abpmr", "board_abs", "board_abts",
    }  # fmt: skip


def test_the_migration_files_otolaryngology_ids_under_abohns_and_keeps_the_others(learner):
    migration = import_module("accounts.migrations.0010_otolaryngology_board_is_abohns")
    profile = learner.profile
    for board, identifier in [("ABOto", "OTO123"), ("ABD", "DERM42"), ("ABIM", "998877")]:
        BoardIdentifier.objects.create(profile=profile, board=board, identifier=identifier)

    migration.file_otolaryngology_ids_under_abohns(apps, None)

    assert sorted(profile.board_ids.values_list("board", "identifier")) == [
        ("ABD", "DERM42"),
        ("ABIM", "998877"),
        ("ABOHNS", "OTO123"),
    ]
    migration.file_otolaryngology_ids_under_aboto(apps, None)
    assert profile.board_ids.get(identifier="OTO123").board == "ABOto"


def test_ids_for_boards_that_do_not_report_through_pars_are_kept_shown_and_never_count(
    client, learner
):
    profile = learner.profile
    BoardIdentifier.objects.create(profile=profile, board="ABFM", identifier="FM1234")
    update_profile(profile, changes={}, board_ids={"ABIM": "998877", "ABP": ""})

    assert sorted(profile.board_ids.values_list("board", flat=True)) == ["ABFM", "ABIM"]
    assert list(profile.board_ids.reported_through_pars().values_list("board", flat=True)) == [
        "ABIM"
    ]
    assert missing_identifiers(profile, ["board_id"], board="ABIM") == []
    BoardIdentifier.objects.filter(board="ABIM").delete()
    assert missing_identifiers(profile, ["board_id"]) == ["your board ID"]
    client.force_login(learner)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "ABFM (American Board of Family Medicine): FM1234 — not reported through PARS" in page
    assert 'name="board_abfm"' not in page


# --- What a claim still lacks ---------------------------------------------------------------


def test_a_new_learner_lacks_every_identifier_but_the_name():
    profile = UserFactory().profile

    assert missing_identifiers(profile, LearnerIdentifier.values) == [
        "your month and day of birth",
        "your NABP e-Profile ID",
        "your NCCPA ID",
        "your board ID",
        "your NPI or a board ID",
        "a state license (state and license number)",
        "your consent to report to your boards through ACCME PARS",
        "your consent to report to CPE Monitor",
        "your consent to report to your state licensing boards",
    ]


def complete_profile(profile: Profile) -> Profile:
    return update_profile(
        profile,
        changes={
            "npi": "1234567893",
            "birth_month": 3,
            "birth_day": 14,
            "nabp_epid": "1234567",
            "nccpa_id": "7654321",
            "reports_to_boards": True,
            "reports_to_cpe_monitor": True,
            "reports_to_state_boards": True,
        },
        board_ids={"ABIM": "998877"},
        licenses=[{"state": "IL", "number": "036-123456", "profession": "MD"}],
    )


def test_a_complete_profile_lacks_nothing():
    profile = complete_profile(UserFactory().profile)

    assert missing_identifiers(profile, LearnerIdentifier.values, board="ABIM") == []


@pytest.mark.parametrize(
    ("code", "take_away", "label"),
    [
        ("name", lambda p: p.user.__class__.objects.filter(pk=p.user_id).update(last_name=""),
         "your first and last name"),
        ("birth_month_day", lambda p: Profile.objects.filter(pk=p.pk).update(
            birth_month=None, birth_day=None), "your month and day of birth"),
        ("nabp_epid", lambda p: Profile.objects.filter(pk=p.pk).update(nabp_epid=""),
         "your NABP e-Profile ID"),
        ("nccpa_id", lambda p: Profile.objects.filter(pk=p.pk).update(nccpa_id=""),
         "your NCCPA ID"),
        ("board_id", lambda p: p.board_ids.all().delete(), "your ABIM ID"),
        ("state_license", lambda p: p.state_licenses.all().delete(),
         "a state license (state and license number)"),
        ("consent_pars", lambda p: Profile.objects.filter(pk=p.pk).update(
            reports_to_boards=False), "your consent to report to your boards through ACCME PARS"),
        ("consent_cpe_monitor", lambda p: Profile.objects.filter(pk=p.pk).update(
            reports_to_cpe_monitor=False), "your consent to report to CPE Monitor"),
        ("consent_state_boards", lambda p: Profile.objects.filter(pk=p.pk).update(
            reports_to_state_boards=False),
         "your consent to report to your state licensing boards"),
    ],
)  # fmt: skip
def test_each_identifier_the_profile_lacks_is_named_in_the_learners_words(code, take_away, label):
    profile = UserFactory().profile
    complete_profile(profile)
    take_away(profile)

    profile = Profile.objects.select_related("user").get(pk=profile.pk)
    assert missing_identifiers(profile, LearnerIdentifier.values, board="ABIM") == [label]
    assert missing_identifier_codes(profile, LearnerIdentifier.values, board="ABIM") == [code]


def test_the_npi_or_a_board_id_will_do_where_the_board_takes_the_npi():
    profile = UserFactory().profile
    assert missing_identifiers(profile, ["npi_or_board_id"], board="ABIM") == [
        "your NPI or your ABIM ID"
    ]

    profile = update_profile(profile, changes={"npi": "1234567893"}, board_ids={})
    assert missing_identifiers(profile, ["npi_or_board_id"], board="ABIM") == []

    profile = update_profile(profile, changes={"npi": ""}, board_ids={"ABP": "P1"})
    assert missing_identifiers(profile, ["npi_or_board_id"]) == []
    assert missing_identifiers(profile, ["npi_or_board_id"], board="ABIM") == [
        "your NPI or your ABIM ID"
    ]


def test_an_id_for_another_board_does_not_stand_for_the_boards_own():
    profile = UserFactory().profile
    update_profile(profile, changes={}, board_ids={"ABP": "P1"})

    assert missing_identifiers(profile, ["board_id"], board="ABIM") == ["your ABIM ID"]
    assert missing_identifiers(profile, ["board_id"], board="ABP") == []


def test_what_is_missing_keeps_the_order_of_the_needs():
    profile = UserFactory().profile

    assert missing_identifiers(profile, ["consent_cpe_monitor", "nabp_epid"]) == [
        "your consent to report to CPE Monitor",
        "your NABP e-Profile ID",
    ]


def test_an_unknown_need_or_a_board_outside_pars_is_a_mistake_in_the_credit_kind():
    profile = UserFactory().profile

    with pytest.raises(ValueError, match=r"^Unknown learner identifiers: epid\.$"):
        missing_identifiers(profile, ["epid"])
    with pytest.raises(ValueError, match=r"^ABFM is not a board that reports through PARS\.$"):
        missing_identifiers(profile, ["board_id"], board="ABFM")


def test_the_link_opens_the_profile_page_at_the_field():
    assert profile_url_for("nabp_epid") == "/accounts/profile/?focus=nabp_epid"
    assert profile_url_for("board_id", board="ABIM") == (
        "/accounts/profile/?focus=board_id&board=ABIM"
    )


def test_every_identifier_has_its_field_group_on_the_profile_page(client, learner):
    client.force_login(learner)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert set(PROFILE_FIELD_GROUPS) == set(LearnerIdentifier.values)
    for anchor, _ in PROFILE_FIELD_GROUPS.values():
        assert f'id="{anchor}"' in page


# --- The personal-data download and the closure ---------------------------------------------


def test_the_download_holds_the_identifiers_licenses_and_consents(client, learner):
    complete_profile(learner.profile)
    client.force_login(learner)

    data = json.loads(client.get(reverse("accounts:my_data"), {"format": "json"}).content)

    profile = data["profile"]
    assert (profile["nabp_epid"], profile["nccpa_id"]) == ("1234567", "7654321")
    assert profile["state_licenses"] == [
        {"state": "IL", "number": "036-123456", "profession": "MD"}
    ]
    assert profile["board_ids"] == {"ABIM": "998877"}
    for channel in ("reports_to_boards", "reports_to_cpe_monitor", "reports_to_state_boards"):
        assert profile[channel] is True
        assert profile[f"{channel}_changed_at"] is not None


def test_closing_the_account_clears_the_identifiers_and_withdraws_every_consent(learner):
    complete_profile(learner.profile)

    close_account(learner, password="correct-horse-battery")

    profile = Profile.objects.get(pk=learner.profile.pk)
    assert (profile.nabp_epid, profile.nccpa_id, profile.npi) == ("", "", "")
    assert not profile.state_licenses.exists()
    assert not profile.board_ids.exists()
    assert (
        profile.reports_to_boards,
        profile.reports_to_cpe_monitor,
        profile.reports_to_state_boards,
    ) == (False, False, False)
    assert profile.reports_to_cpe_monitor_changed_at is not None
    assert profile.reports_to_state_boards_changed_at is not None


def audit_log_mentions(text: str) -> bool:
    return any(
        text in json.dumps([e.changes, e.object_repr, e.changes_text])
        for e in LogEntry.objects.all()
    )


def test_closing_the_account_redacts_the_epid_nccpa_id_and_license_numbers_from_its_trail(
    learner,
):
    with recorded_as(learner, reason="The learner edited their profile"):
        complete_profile(learner.profile)
    other = UserFactory()
    with recorded_as(other, reason="Another learner's profile"):
        update_profile(
            other.profile,
            changes={"nabp_epid": "1234567"},  # the same digits, another learner's entry
            board_ids={},
            licenses=[{"state": "NY", "number": "036-123456", "profession": "RN"}],
        )
    for text in ("1234567", "7654321", "036-123456"):
        assert audit_log_mentions(text)

    close_account(learner, password="correct-horse-battery")

    mine = LogEntry.objects.filter(actor=learner)
    assert mine.exists()
    for entry in mine:
        held = json.dumps([entry.changes, entry.object_repr, entry.changes_text])
        for text in ("1234567", "7654321", "036-123456"):
            assert text not in held
    others = json.dumps([e.changes for e in LogEntry.objects.filter(actor=other)])
    assert "1234567" in others and "036-123456" in others
    assert (
        LogEntry.objects.get_for_object(learner.profile)
        .filter(changes__nabp_epid=["[redacted]", ""])
        .exists()
    )
