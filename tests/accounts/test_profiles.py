import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.identifiers import profile_url_for
from accounts.models import BoardIdentifier, Profile, StateLicense, User
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


# --- Consent per channel, names and state licenses (issue 13) -------------------------------

CONSENTS = ["reports_to_boards", "reports_to_cpe_monitor", "reports_to_state_boards"]


@pytest.mark.parametrize("consent", CONSENTS)
def test_each_channels_consent_is_dated_when_given_and_when_withdrawn(consent):
    profile = new_learner().profile

    update_profile(profile, changes={consent: True}, board_ids={})
    given = Profile.objects.get(pk=profile.pk)
    update_profile(profile, changes={consent: False}, board_ids={})
    withdrawn = Profile.objects.get(pk=profile.pk)

    changed_at = f"{consent}_changed_at"
    assert getattr(given, consent) is True
    assert getattr(given, changed_at) is not None
    assert getattr(withdrawn, consent) is False
    assert getattr(withdrawn, changed_at) > getattr(given, changed_at)
    others = [c for c in CONSENTS if c != consent]
    assert all(getattr(withdrawn, f"{other}_changed_at") is None for other in others)


@pytest.mark.parametrize("consent", CONSENTS)
def test_each_consent_changes_only_through_update_profile(consent):
    assert consent in Profile.STATE_FIELDS
    assert f"{consent}_changed_at" in Profile.STATE_FIELDS


def test_the_names_boards_match_on_are_changed_with_the_profile():
    profile = new_learner().profile

    update_profile(profile, changes={"first_name": " Ana María ", "last_name": "Lee"}, board_ids={})

    user = User.objects.get(pk=profile.user_id)
    assert (user.first_name, user.last_name) == ("Ana María", "Lee")


def test_a_blank_name_is_refused_and_nothing_is_saved():
    profile = new_learner().profile

    with pytest.raises(ValidationError) as refusal:
        update_profile(
            profile, changes={"region": "IL", "last_name": "  "}, board_ids={"ABIM": "998877"}
        )

    assert refusal.value.message_dict == {
        "last_name": ["Give your last name: boards match your completions on it."]
    }
    assert User.objects.get(pk=profile.user_id).last_name == "Lee"
    assert Profile.objects.get(pk=profile.pk).region == ""
    assert not BoardIdentifier.objects.exists()


def licenses_of(profile) -> list[tuple[str, str, str]]:
    return list(profile.state_licenses.values_list("state", "profession", "number"))


def test_state_licenses_are_the_learners_whole_set():
    profile = new_learner().profile
    illinois = {"state": "IL", "number": "041-123456", "profession": "RN"}
    texas = {"state": "TX", "number": "RN-998877", "profession": "RN"}

    update_profile(profile, changes={}, board_ids={}, licenses=[illinois, texas])
    kept = StateLicense.objects.get(state="IL")
    update_profile(
        profile,
        changes={},
        board_ids={},
        licenses=[{**illinois, "number": " 041-654321 "}, {**texas, "profession": "NP"}],
    )

    assert licenses_of(profile) == [("IL", "RN", "041-654321"), ("TX", "NP", "RN-998877")]
    assert StateLicense.objects.get(state="IL").pk == kept.pk  # corrected, not replaced
    update_profile(profile, changes={"region": "IL"}, board_ids={})  # licenses untouched
    assert len(licenses_of(profile)) == 2
    update_profile(profile, changes={}, board_ids={}, licenses=[])
    assert licenses_of(profile) == []


def test_a_license_number_that_starts_like_a_formula_is_refused_and_nothing_is_saved():
    profile = new_learner().profile
    update_profile(
        profile,
        changes={},
        board_ids={},
        licenses=[{"state": "IL", "number": "041-123456", "profession": "RN"}],
    )

    with pytest.raises(ValidationError) as refusal:
        update_profile(
            profile,
            changes={"nabp_epid": "1234567"},
            board_ids={},
            licenses=[{"state": "NY", "number": "=HYPERLINK(1)", "profession": "RN"}],
        )

    assert refusal.value.message_dict == {
        "licenses": [
            "New York RN (registered nurse): A license number cannot start with =, +, - or @; "
            "give it as your state prints it, e.g. MD-123456."
        ]
    }
    assert licenses_of(profile) == [("IL", "RN", "041-123456")]
    assert Profile.objects.get(pk=profile.pk).nabp_epid == ""


def test_two_licenses_for_the_same_state_and_profession_are_refused():
    profile = new_learner().profile
    license = {"state": "IL", "number": "041-123456", "profession": "RN"}

    with pytest.raises(ValidationError) as refusal:
        update_profile(profile, changes={}, board_ids={}, licenses=[license, license])

    assert refusal.value.message_dict == {
        "licenses": ["You gave two RN (registered nurse) licenses for Illinois; keep one."]
    }
    assert licenses_of(profile) == []


def test_update_profile_documents_the_correction_path_for_deliveries():
    assert "deliveries not yet accepted re-take the learner's data" in " ".join(
        update_profile.__doc__.split()
    )


# --- The profile page -----------------------------------------------------------------------


def profile_post(**extra) -> dict:
    """A valid post of the profile page with its licenses section (none held yet)."""
    return {
        "first_name": "Ana",
        "last_name": "Lee",
        "certificate_name": "Ana Lee",
        "designation": "RN",
        "time_zone": "UTC",
        "licenses-TOTAL_FORMS": "1",
        "licenses-INITIAL_FORMS": "0",
        "licenses-MIN_NUM_FORMS": "0",
        "licenses-MAX_NUM_FORMS": "20",
        **extra,
    }


def test_the_profile_page_saves_the_channels_identifiers_and_a_license(client):
    user = new_learner()
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile"),
        profile_post(
            nabp_epid="1234567",
            nccpa_id="7654321",
            reports_to_cpe_monitor="on",
            reports_to_state_boards="on",
            **{
                "licenses-0-state": "IL",
                "licenses-0-number": "041-123456",
                "licenses-0-profession": "RN",
            },
        ),
        follow=True,
    )

    assert "Your profile has been saved." in response.content.decode()
    profile = Profile.objects.get(user=user)
    assert (profile.nabp_epid, profile.nccpa_id) == ("1234567", "7654321")
    assert profile.reports_to_cpe_monitor_changed_at is not None
    assert profile.reports_to_state_boards_changed_at is not None
    assert profile.reports_to_boards_changed_at is None
    assert licenses_of(profile) == [("IL", "RN", "041-123456")]


def test_the_profile_page_removes_a_license_and_adds_another(client):
    user = new_learner()
    update_profile(
        user.profile,
        changes={},
        board_ids={},
        licenses=[{"state": "IL", "number": "041-123456", "profession": "RN"}],
    )
    held = StateLicense.objects.get()
    client.force_login(user)

    client.post(
        reverse("accounts:profile"),
        profile_post(**{
            "licenses-TOTAL_FORMS": "2", "licenses-INITIAL_FORMS": "1",
            "licenses-0-id": str(held.pk), "licenses-0-profile": str(user.profile.pk),
            "licenses-0-state": "IL", "licenses-0-number": "041-123456",
            "licenses-0-profession": "RN", "licenses-0-DELETE": "on",
            "licenses-1-state": "WA", "licenses-1-number": "RN60123456",
            "licenses-1-profession": "RN",
        }),
    )  # fmt: skip

    assert licenses_of(user.profile) == [("WA", "RN", "RN60123456")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nabp_epid": "12345678"}, "An NABP e-Profile ID has at most 7 digits, e.g. 1234567."),
        ({"nccpa_id": "PA-1234"}, "An NCCPA ID has digits only: 6 to 10 digits, e.g. 1234567."),
        ({"birth_month": "2", "birth_day": "30"}, "February has no day 30."),
        (
            {"licenses-0-state": "IL", "licenses-0-number": "=1+1",
             "licenses-0-profession": "RN"},
            "A license number cannot start with =, +, - or @; give it as your state prints "
            "it, e.g. MD-123456.",
        ),
    ],
)  # fmt: skip
def test_the_profile_page_refuses_an_identifier_of_the_wrong_shape_and_saves_nothing(
    client, fields, message
):
    user = new_learner()
    client.force_login(user)

    response = client.post(reverse("accounts:profile"), profile_post(region="IL", **fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    profile = Profile.objects.get(user=user)
    assert (profile.region, profile.nabp_epid, profile.nccpa_id) == ("", "", "")
    assert licenses_of(profile) == []


def test_the_profile_page_refuses_two_rows_for_one_state_and_profession(client):
    user = new_learner()
    client.force_login(user)
    row = {"state": "IL", "number": "041-123456", "profession": "RN"}

    response = client.post(
        reverse("accounts:profile"),
        profile_post(
            **{"licenses-TOTAL_FORMS": "2"},
            **{f"licenses-0-{k}": v for k, v in row.items()},
            **{f"licenses-1-{k}": v for k, v in row.items()},
        ),
    )

    assert response.context["licenses"].non_form_errors() == [
        "You gave two licenses for the same state and profession; keep one."
    ]
    assert licenses_of(user.profile) == []


def test_a_link_from_the_claim_page_puts_the_cursor_in_the_missing_field(client):
    client.force_login(new_learner())

    response = client.get(profile_url_for("nabp_epid"))

    page = response.content.decode()
    assert "Your credit needs your NABP e-Profile ID" in page
    assert '<a class="alert-link" href="#identifier-nabp_epid">fill it in below</a>' in page
    assert re.search(r'<input[^>]*name="nabp_epid"[^>]*autofocus', page)
    assert len(re.findall(r"\bautofocus\b", page)) == 1


def test_a_link_for_a_boards_id_focuses_that_boards_field(client):
    client.force_login(new_learner())

    page = client.get(profile_url_for("board_id", board="ABIM")).content.decode()

    assert "Your credit needs your ABIM ID" in page
    assert re.search(r'<input[^>]*name="board_abim"[^>]*autofocus', page)


def test_a_link_for_a_state_license_focuses_the_empty_row(client):
    client.force_login(new_learner())

    page = client.get(profile_url_for("state_license")).content.decode()

    assert re.search(r'<select[^>]*name="licenses-0-state"[^>]*autofocus', page)


def test_an_unknown_focus_is_ignored(client):
    client.force_login(new_learner())

    page = client.get(reverse("accounts:profile"), {"focus": "<script>"}).content.decode()

    assert "Your credit needs" not in page
    assert "autofocus" not in page
