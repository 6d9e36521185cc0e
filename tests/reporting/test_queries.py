"""What the learner's transcript says about each credit line's delivery."""

import pytest
from django.utils import timezone

from accounts.identifiers import profile_url_for
from certificates.queries import line_statuses
from reporting.deliveries import delete_delivery, mark_missed, mark_sent, record_result
from reporting.models import Delivery, DeliveryBatch, Registry
from tests.factories import UserFactory
from tests.reporting.claims import UAN, complete, pharmacist, physician, team_module

pytestmark = pytest.mark.django_db


def status_of(delivery):
    return line_statuses([delivery.line])[delivery.line_id]


def only(claim, registry):
    return Delivery.objects.get(line__claim=claim, registry=registry)


def test_a_waiting_line_names_what_is_missing_and_links_to_the_profile_field():
    cpe = only(complete(pharmacist(epid=""), team_module()), Registry.CPE_MONITOR)

    status = status_of(cpe)

    assert status == "Waiting for your NABP e-Profile ID — add it to your profile"
    assert status.url == profile_url_for("nabp_epid")


def test_an_accepted_moc_line_says_which_board_and_when():
    claim = complete(physician(consent=True, boards=["ABIM"]), team_module())
    abim = Delivery.objects.get(line__claim=claim, record__moc_board="ABIM")
    mark_sent([abim], DeliveryBatch.objects.create(registry=Registry.PARS, transport="file"))
    record_result(abim, accepted=True)

    today = timezone.localdate()
    assert status_of(abim) == f"Reported to ABIM on {today.day} {today:%B %Y}"


def test_a_rejected_line_gives_the_registrys_reason_and_asks_for_a_profile_update():
    cpe = only(complete(pharmacist(), team_module()), Registry.CPE_MONITOR)
    mark_sent([cpe], DeliveryBatch.objects.create(registry=Registry.CPE_MONITOR, transport="file"))
    record_result(cpe, accepted=False, reason="birth date does not match")

    status = status_of(cpe)
    assert status == "Rejected by CPE Monitor: birth date does not match — update your profile"
    assert status.url == "/accounts/profile/"


def test_a_missed_line_gives_the_deadline_and_a_ready_one_the_date_it_is_due_by():
    cpe = only(complete(pharmacist(epid=""), team_module()), Registry.CPE_MONITOR)
    ama = only(complete(physician(boards=[]), team_module()), Registry.PARS)
    mark_missed(today=cpe.deadline.replace(year=cpe.deadline.year + 1))
    cpe.refresh_from_db()

    d = cpe.deadline
    assert status_of(cpe) == f"Not reported: deadline passed on {d.day} {d:%B %Y}"
    d = ama.deadline
    assert status_of(ama) == f"To be reported to ACCME PARS by {d.day} {d:%B %Y}"


def test_a_withdrawn_line_says_the_credit_was_revoked():
    ama = only(complete(physician(boards=[]), team_module()), Registry.PARS)
    delete_delivery(ama, by=UserFactory(), reason="Revoked")

    assert status_of(ama) == "Withdrawn from ACCME PARS (the credit was revoked)"


def test_lines_without_a_delivery_are_left_out():
    claim = complete(physician(consent=False, boards=[]), team_module())

    assert line_statuses(claim.lines.all()) == {}


def test_the_transcript_names_each_lines_moc_board_and_category_and_the_acpe_uan():
    from certificates.queries import line_detail, transcript

    module = team_module()
    learner = physician(consent=True, boards=["ABIM"])
    complete(learner, module)

    [year] = transcript(learner).years
    details = {line.detail for c in year.certificates for line in c.lines_shown}
    assert "ABIM, Medical Knowledge" in details
    druggist = pharmacist()
    complete(druggist, module)
    [year] = transcript(druggist).years
    assert [line.detail for line in year.certificates[0].lines_shown] == [f"UAN {UAN}"]
    assert line_detail({"moc_board": "ABIM", "moc_category": ""}) == "ABIM"
