"""accounts.records: the apps above accounts add their sections to the learner's
personal-data download and to the administrators' learner record, in a fixed order."""

import pytest

from accounts import records
from accounts.personal_data import personal_data
from accounts.queries import learner_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_download_lists_each_apps_sections_after_the_account_and_profile():
    assert list(personal_data(UserFactory())) == [
        "exported_at",
        "account",
        "profile",
        "disclosures_shown",
        "post_tests",
        "evaluations",
        "certificates",
    ]


def test_the_learner_record_lists_each_apps_sections_after_the_profile():
    assert list(learner_record(UserFactory())) == [
        "learner",
        "profile",
        "board_ids",
        "participations",
        "evaluations",
        "certificates",
    ]


def test_registering_a_section_again_replaces_it_in_its_place(monkeypatch):
    monkeypatch.setattr(records, "_personal_data_sections", dict(records._personal_data_sections))
    records.register_personal_data_section("post_tests", lambda user: ["replaced"])

    data = personal_data(UserFactory())

    assert list(data)[4] == "post_tests"
    assert data["post_tests"] == ["replaced"]
