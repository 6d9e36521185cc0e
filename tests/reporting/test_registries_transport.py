"""Sending deliveries (reporting.registries.transport.send): as files for an administrator
to upload, or to the registries' web services, which are played here by the local server
in tests/reporting/fake_registry.py (no registry can be reached from here)."""

import io

import openpyxl
import pytest
from django.test import override_settings

from reporting.models import DeliveryBatch, DeliveryStatus, Registry
from reporting.registries.columns import Refusal
from reporting.registries.exceptions import RegistryUnavailable
from reporting.registries.transport import NothingToSend, send
from tests.factories import post_test_with_questions
from tests.reporting.fake_registry import API_KEY, FakeRegistry, address_when_down
from tests.reporting.registry_records import make_delivery

pytestmark = pytest.mark.django_db

AFTER = "Nothing was marked sent; the next run sends these records again."


@pytest.fixture
def module(db):
    return post_test_with_questions(3).module


@pytest.fixture
def registry_service():
    with (
        FakeRegistry() as fake,
        override_settings(
            CME_REGISTRY_TRANSPORT="service",
            CME_PARS_SERVICE_URL=fake.pars_url,
            CME_PARS_API_KEY=API_KEY,
            CME_CPE_MONITOR_SERVICE_URL=fake.cpe_monitor_url,
            CME_CPE_MONITOR_API_KEY=API_KEY,
            CME_REGISTRY_TIMEOUT=0.5,
        ),
    ):
        yield fake


def ready(module, registry, **record):
    return make_delivery(module, registry, status=DeliveryStatus.READY, **record)


def fresh(*deliveries):
    for delivery in deliveries:
        delivery.refresh_from_db()
    return deliveries


# By file ------------------------------------------------------------------------------


@override_settings(CME_REGISTRY_TRANSPORT="file")
def test_the_file_transport_writes_the_batch_files_and_marks_the_records_sent(
    module, cme_administrator
):
    first = ready(module, Registry.PARS)
    second = ready(module, Registry.PARS, first_name="Wei")

    batch = send(Registry.PARS, [first, second], by=cme_administrator)

    fresh(first, second)
    assert (batch.registry, batch.transport, batch.record_count) == ("pars", "file", 2)
    assert batch.created_by == cme_administrator
    assert [first.status, second.status] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert first.batch == second.batch == batch
    with batch.file.open("rb") as text:
        lines = text.read().decode().split("\r\n")
    assert lines[0].startswith("Provider ID\tActivity ID\t")
    assert [line.split("\t")[-1] for line in lines[1:3]] == [str(first.pk), str(second.pk)]
    with batch.xlsx_file.open("rb") as excel:
        sheet = openpyxl.load_workbook(io.BytesIO(excel.read())).active
    assert sheet.max_row == 3
    assert batch.sending.refused == []


@override_settings(CME_REGISTRY_TRANSPORT="file")
def test_a_record_the_registry_would_not_take_stays_ready_with_the_reason(
    module, cme_administrator
):
    good = ready(module, Registry.PARS)
    bad = ready(module, Registry.PARS, activity_id="demo-module")

    batch = send(Registry.PARS, [good, bad], by=cme_administrator)

    fresh(good, bad)
    assert (good.status, bad.status) == (DeliveryStatus.SENT, DeliveryStatus.READY)
    assert batch.record_count == 1
    assert batch.sending.refused == [
        Refusal(
            bad.pk,
            "Activity ID: the PARS activity ID must be 9 digits, not 'demo-module'.",
        )
    ]


@override_settings(CME_REGISTRY_TRANSPORT="file")
def test_nothing_to_send_makes_no_batch(module, cme_administrator):
    sent = make_delivery(module, Registry.CPE_MONITOR)

    with pytest.raises(NothingToSend) as nothing:
        send(Registry.CPE_MONITOR, [sent], by=cme_administrator)

    assert str(nothing.value) == "No delivery could be sent to NABP CPE Monitor."
    assert nothing.value.refused == [
        Refusal(
            sent.pk,
            f"Delivery #{sent.pk} is sent: only ready or corrected deliveries are sent.",
        )
    ]
    assert not DeliveryBatch.objects.exists()


# By web service -----------------------------------------------------------------------


def test_the_pars_service_accepts_every_record(module, cme_administrator, registry_service):
    first = ready(module, Registry.PARS)
    second = ready(module, Registry.PARS)

    batch = send(Registry.PARS, [first, second], by=cme_administrator)

    fresh(first, second)
    assert (batch.transport, batch.record_count) == ("service", 2)
    assert [first.status, second.status] == [DeliveryStatus.ACCEPTED, DeliveryStatus.ACCEPTED]
    assert first.batch == batch and first.answered_at is not None
    ((path, headers, body),) = registry_service.requests
    assert path == "/pars/learner-reports"
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Content-Type"] == "application/json"
    assert body["learner_reports"][0] == {
        "record_id": str(first.pk),
        "action": "add",
        "provider_id": "1234567",
        "activity_id": "202612345",
        "learner": {
            "given_name": "María José",
            "family_name": "O'Neil-Núñez",
            "birth_month": 3,
            "birth_day": 14,
        },
        "status": "Completed",
        "completed_on": "2026-12-03",
        "credits": [
            {
                "unique_id": {"domain": "ABIM", "value": "123456"},
                "kind": "moc-points",
                "moc_category": "MK",
                "unit": "Point",
                "amount": "1.25",
            }
        ],
    }
    assert batch.sending.unanswered == []


def test_the_pars_service_rejects_one_record_with_its_reason(
    module, cme_administrator, registry_service
):
    accepted = ready(module, Registry.PARS)
    rejected = ready(module, Registry.PARS)
    registry_service.reject[str(rejected.pk)] = "ABIM ID not found"

    send(Registry.PARS, [accepted, rejected], by=cme_administrator)

    fresh(accepted, rejected)
    assert accepted.status == DeliveryStatus.ACCEPTED
    assert (rejected.status, rejected.reason) == (DeliveryStatus.REJECTED, "ABIM ID not found")


def test_the_cpe_monitor_service_rejects_a_birth_date_that_does_not_match(
    module, cme_administrator, registry_service
):
    accepted = ready(module, Registry.CPE_MONITOR, epid="1111111")
    rejected = ready(module, Registry.CPE_MONITOR, epid="2222222", birth_mmdd="0101")
    registry_service.reject["2222222"] = "birth date does not match"

    batch = send(Registry.CPE_MONITOR, [accepted, rejected], by=None)

    fresh(accepted, rejected)
    assert accepted.status == DeliveryStatus.ACCEPTED
    assert (rejected.status, rejected.reason) == (
        DeliveryStatus.REJECTED,
        "birth date does not match",
    )
    ((path, _, body),) = registry_service.requests
    assert path == "/cpe-monitor/records"
    assert body["records"][1] == {
        "epid": "2222222",
        "birth_mmdd": "0101",
        "uan": "JA4008162-0000-26-123-H01-P",
        "completed_on": "2026-12-03",
        "contact_hours": "1.50",
        "action": "add",
    }
    assert batch.record_count == 2


def assert_nothing_sent(*deliveries):
    fresh(*deliveries)
    assert [d.status for d in deliveries] == [DeliveryStatus.READY] * len(deliveries)
    assert [d.batch for d in deliveries] == [None] * len(deliveries)
    assert not DeliveryBatch.objects.exists()


def test_a_registry_that_refuses_connections_leaves_everything_to_send_again(
    module, registry_service
):
    delivery = ready(module, Registry.PARS)

    with (
        override_settings(CME_PARS_SERVICE_URL=address_when_down()),
        pytest.raises(RegistryUnavailable) as down,
    ):
        send(Registry.PARS, [delivery], by=None)

    assert str(down.value) == f"ACCME PARS could not be reached (Connection refused). {AFTER}"
    assert_nothing_sent(delivery)


def test_a_registry_answering_with_a_server_error_leaves_everything_to_send_again(
    module, registry_service
):
    delivery = ready(module, Registry.CPE_MONITOR)
    registry_service.mode = "error"

    with pytest.raises(RegistryUnavailable) as down:
        send(Registry.CPE_MONITOR, [delivery], by=None)

    assert str(down.value) == f"NABP CPE Monitor answered with a server error (503). {AFTER}"
    assert_nothing_sent(delivery)


def test_a_registry_that_does_not_answer_in_time_leaves_everything_to_send_again(
    module, registry_service
):
    delivery = ready(module, Registry.PARS)
    registry_service.mode = "slow"
    registry_service.slow_seconds = 1.5

    with pytest.raises(RegistryUnavailable) as down:
        send(Registry.PARS, [delivery], by=None)

    assert str(down.value) == f"ACCME PARS did not answer within 0.5 seconds. {AFTER}"
    assert_nothing_sent(delivery)


def test_a_wrong_api_key_is_a_refusal_of_the_whole_request(module, registry_service):
    delivery = ready(module, Registry.PARS)

    with (
        override_settings(CME_PARS_API_KEY="wrong"),
        pytest.raises(RegistryUnavailable) as refused,
    ):
        send(Registry.PARS, [delivery], by=None)

    assert str(refused.value) == (
        "ACCME PARS refused the request (401 Unauthorized); check the API key and the "
        f"service address. {AFTER}"
    )
    assert_nothing_sent(delivery)


def test_the_next_run_after_an_outage_sends_the_same_records(module, registry_service):
    delivery = ready(module, Registry.PARS)
    registry_service.mode = "error"
    with pytest.raises(RegistryUnavailable):
        send(Registry.PARS, [delivery], by=None)

    registry_service.mode = "normal"
    batch = send(Registry.PARS, [delivery], by=None)

    fresh(delivery)
    assert (delivery.status, delivery.batch) == (DeliveryStatus.ACCEPTED, batch)
    assert len(registry_service.requests) == 2
