"""The reconciliation page (/reporting/) and the PARS activity data page."""

import pytest
from django.contrib.messages import get_messages

from reporting.models import Delivery, DeliveryStatus, Registry
from tests.reporting.claims import complete, pharmacist, physician, team_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, cme_administrator):
    client.force_login(cme_administrator)
    return client


@pytest.fixture
def waiting_cpe():
    complete(pharmacist(epid=""), team_module())
    return Delivery.objects.get(registry=Registry.CPE_MONITOR)


@pytest.fixture
def ready_pars(settings):
    settings.CME_ACCME_PROVIDER_ID = "1234567"
    complete(physician(boards=[]), team_module(pars_activity_id="202612345"))
    return Delivery.objects.get(registry=Registry.PARS)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_learners_cannot_open_the_reconciliation_page(client, learner):
    client.force_login(learner)

    assert client.get("/reporting/").status_code == 403
    assert client.post("/reporting/actions/", {"action": "refresh"}).status_code == 403


def test_the_page_lists_what_waits_and_for_what(admin_client, waiting_cpe, ready_pars):
    response = admin_client.get("/reporting/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Waiting for your NABP e-Profile ID" in page
    assert response.context["page"].paginator.count == 2
    panels = {p.title: p.count for p in response.context["panels"]}
    assert panels["Waiting for the learner&#x27;s data".replace("&#x27;", "'")] == 1


def test_filters_by_registry_and_status(admin_client, waiting_cpe, ready_pars):
    by_registry = admin_client.get("/reporting/?registry=pars")
    by_status = admin_client.get("/reporting/?status=waiting")

    assert [d for d, _ in by_registry.context["rows"]] == [ready_pars]
    assert [d for d, _ in by_status.context["rows"]] == [waiting_cpe]


def test_send_selected_makes_a_batch_of_ready_records(admin_client, ready_pars, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    response = admin_client.post(
        "/reporting/actions/", {"action": "send", "deliveries": [ready_pars.pk], "back": ""}
    )

    ready_pars.refresh_from_db()
    assert response.status_code == 302
    assert ready_pars.status == DeliveryStatus.SENT
    assert texts(response) == [f"Sent 1 record to ACCME PARS (batch #{ready_pars.batch_id})."]


def test_the_sent_message_counts_only_the_records_that_went(admin_client, ready_pars):
    """A selected record that cannot go (still waiting for a birth date) is named in a
    warning and left out of the count; the batch holds the other one."""
    complete(physician(birth=None, boards=[]), ready_pars.line.claim.module)
    waiting = Delivery.objects.get(status=DeliveryStatus.WAITING)

    response = admin_client.post(
        "/reporting/actions/",
        {"action": "send", "deliveries": [ready_pars.pk, waiting.pk], "back": ""},
    )

    ready_pars.refresh_from_db()
    waiting.refresh_from_db()
    assert texts(response) == [
        f"Delivery #{waiting.pk} not sent: Delivery #{waiting.pk} is waiting for the "
        "learner's data: only ready or corrected deliveries are sent.",
        f"Sent 1 record to ACCME PARS (batch #{ready_pars.batch_id}).",
    ]
    assert (ready_pars.status, waiting.status) == (DeliveryStatus.SENT, DeliveryStatus.WAITING)
    assert ready_pars.batch.record_count == 1


def test_delete_selected_needs_a_reason_and_then_deletes(admin_client, waiting_cpe):
    refused = admin_client.post(
        "/reporting/actions/", {"action": "delete", "deliveries": [waiting_cpe.pk]}
    )
    waiting_cpe.refresh_from_db()
    assert waiting_cpe.status == DeliveryStatus.WAITING
    assert texts(refused) == ["Give a reason: it is kept with each deletion."]

    admin_client.post(
        "/reporting/actions/",
        {"action": "delete", "deliveries": [waiting_cpe.pk], "reason": "Claimed twice"},
    )
    waiting_cpe.refresh_from_db()
    assert waiting_cpe.status == DeliveryStatus.DELETED
    assert waiting_cpe.events.last().note == "Deleted before reaching the registry: Claimed twice"


def test_refresh_selected_retakes_the_record_from_the_profile(admin_client, waiting_cpe):
    profile = waiting_cpe.line.claim.learner.profile
    type(profile).objects.filter(pk=profile.pk).update(nabp_epid="7654321")

    response = admin_client.post(
        "/reporting/actions/", {"action": "refresh", "deliveries": [waiting_cpe.pk]}
    )

    waiting_cpe.refresh_from_db()
    assert waiting_cpe.status == DeliveryStatus.READY
    assert texts(response) == ["Refreshed from the profiles: 1 changed."]


def test_the_activity_data_page_offers_csv_and_excel(admin_client, ready_pars):
    year = ready_pars.line.claim.completed_on.year

    page = admin_client.get(f"/reporting/activity-data/?year={year}")
    csv = admin_client.get(f"/reporting/activity-data/?year={year}&format=csv")
    xlsx = admin_client.get(f"/reporting/activity-data/?year={year}&format=xlsx")
    wrong = admin_client.get("/reporting/activity-data/?year=twenty")

    assert page.status_code == 200
    assert csv["Content-Disposition"] == f'attachment; filename="pars-activity-data-{year}.csv"'
    assert (
        csv.content.decode("utf-8-sig")
        .splitlines()[0]
        .startswith(
            "Activity,Edition,Reporting year,Counted up to,Physician learners,Other learners"
        )
    )
    assert xlsx.content[:2] == b"PK"
    assert "Enter a year, e.g. 2026." in wrong.content.decode()
