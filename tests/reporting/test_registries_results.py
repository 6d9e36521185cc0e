"""Importing a registry's results file (reporting.registries.results): every line applied
through reporting.deliveries.record_result, or none at all."""

import pytest
from django.utils import timezone

from core.formats import format_moment
from reporting.models import Delivery, DeliveryStatus, Registry, ResultsImport
from reporting.registries.exceptions import ResultsFileRefused
from reporting.registries.results import import_results
from tests.factories import post_test_with_questions
from tests.reporting.registry_records import make_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(db):
    return post_test_with_questions(3).module


@pytest.fixture
def administrator(cme_administrator):
    return cme_administrator


def imported(registry, text, by, *, name="results.csv"):
    content = text.encode() if isinstance(text, str) else text
    return import_results(registry, content=content, file_name=name, by=by)


def refusal(registry, text, by) -> list[str]:
    with pytest.raises(ResultsFileRefused) as refused:
        imported(registry, text, by)
    return refused.value.problems


def statuses(*deliveries):
    return [Delivery.objects.get(pk=d.pk).status for d in deliveries]


def test_a_pars_results_file_accepts_and_rejects_with_the_registrys_reason(module, administrator):
    accepted = make_delivery(module, Registry.PARS)
    rejected = make_delivery(module, Registry.PARS)

    results = imported(
        Registry.PARS,
        "Record ID,Status,Reason\r\n"
        f"{accepted.pk},Accepted,\r\n"
        f'{rejected.pk},rejected,"Birth date does not match"\r\n',
        administrator,
    )

    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, accepted.reason) == (DeliveryStatus.ACCEPTED, "")
    assert (rejected.status, rejected.reason) == (
        DeliveryStatus.REJECTED,
        "Birth date does not match",
    )
    assert rejected.events.last().note == "Rejected by ACCME PARS: Birth date does not match"
    assert results.summary == {
        "lines": 2,
        "accepted": 1,
        "rejected": 1,
        "file_name": "results.csv",
    }
    assert results.uploaded_by == administrator
    with results.file.open("rb") as kept:
        assert kept.read().startswith(b"Record ID,Status,Reason")


def test_a_cpe_monitor_results_file_names_records_by_epid_uan_and_date(module, administrator):
    delivery = make_delivery(module, Registry.CPE_MONITOR, epid="7654321")
    other = make_delivery(module, Registry.CPE_MONITOR, epid="1111111")

    imported(
        Registry.CPE_MONITOR,
        "UAN\tePID\tCompletion Date\tStatus\tReason\r\n"
        "JA4008162-0000-26-123-H01-P\t7654321\t12/03/2026\trejected\t"
        "birth date does not match\r\n",
        administrator,
    )

    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (
        DeliveryStatus.REJECTED,
        "birth date does not match",
    )
    assert statuses(other) == [DeliveryStatus.SENT]


def test_a_file_naming_a_record_that_does_not_exist_changes_nothing(module, administrator):
    delivery = make_delivery(module, Registry.PARS)

    problems = refusal(
        Registry.PARS,
        f"Record ID,Status,Reason\n{delivery.pk},accepted,\n999999,accepted,\n",
        administrator,
    )

    assert problems == [
        "Line 3: no ACCME PARS record has Record ID 999999; check that the file belongs "
        "to this registry and this site.",
        "Nothing in this file was applied.",
    ]
    assert statuses(delivery) == [DeliveryStatus.SENT]
    assert not ResultsImport.objects.exists()


def test_a_record_of_the_other_registry_is_not_found(module, administrator):
    cpe = make_delivery(module, Registry.CPE_MONITOR)

    problems = refusal(
        Registry.PARS, f"Record ID,Status,Reason\n{cpe.pk},accepted,\n", administrator
    )

    assert problems[0].startswith(f"Line 2: no ACCME PARS record has Record ID {cpe.pk};")
    assert statuses(cpe) == [DeliveryStatus.SENT]


def test_the_same_file_uploaded_twice_changes_nothing_the_second_time(module, administrator):
    delivery = make_delivery(module, Registry.PARS)
    text = f"Record ID,Status,Reason\n{delivery.pk},accepted,\n"
    first = imported(Registry.PARS, text, administrator)

    problems = refusal(Registry.PARS, text, administrator)

    assert problems == [
        f"This results file was already imported on {format_moment(first.uploaded_at)}; "
        "nothing changed."
    ]
    assert ResultsImport.objects.count() == 1
    assert delivery.events.filter(status=DeliveryStatus.ACCEPTED).count() == 1


def test_a_record_already_answered_refuses_the_whole_file(module, administrator):
    answered = make_delivery(module, Registry.PARS, status=DeliveryStatus.ACCEPTED)
    Delivery.objects.filter(pk=answered.pk).update(answered_at=timezone.now())
    waiting = make_delivery(module, Registry.PARS)

    problems = refusal(
        Registry.PARS,
        f"Record ID,Status,Reason\n{waiting.pk},accepted,\n{answered.pk},rejected,late\n",
        administrator,
    )

    today = timezone.localdate().strftime("%-d %B %Y")
    assert problems == [
        f"Line 3: Record ID {answered.pk} was already answered (accepted on {today}).",
        "Nothing in this file was applied.",
    ]
    assert statuses(waiting, answered) == [DeliveryStatus.SENT, DeliveryStatus.ACCEPTED]


def test_a_record_not_sent_yet_cannot_be_answered(module, administrator):
    ready = make_delivery(module, Registry.PARS, status=DeliveryStatus.READY)

    problems = refusal(
        Registry.PARS, f"Record ID,Status,Reason\n{ready.pk},accepted,\n", administrator
    )

    assert problems[0] == f"Line 2: Record ID {ready.pk} has not been sent (it is ready to send)."


def test_the_same_record_twice_in_one_file_is_refused(module, administrator):
    delivery = make_delivery(module, Registry.PARS)

    problems = refusal(
        Registry.PARS,
        f"Record ID,Status,Reason\n{delivery.pk},accepted,\n{delivery.pk},rejected,no\n",
        administrator,
    )

    assert problems[0] == (
        f"Line 3: Record ID {delivery.pk} was already answered on line 2 of this file."
    )
    assert statuses(delivery) == [DeliveryStatus.SENT]


def test_an_unknown_status_and_a_rejection_without_reason_are_listed_by_line(module, administrator):
    delivery = make_delivery(module, Registry.PARS)

    problems = refusal(
        Registry.PARS,
        "Record ID,Status,Reason\n"
        f"{delivery.pk},pending,\n{delivery.pk},rejected,\nabc,accepted,\n",
        administrator,
    )

    assert problems == [
        'Line 2: unknown status "pending"; use accepted or rejected.',
        "Line 3: a rejection needs the registry's reason.",
        "Line 4: the Record ID must be a number, not 'abc'.",
        "Nothing in this file was applied.",
    ]
    assert statuses(delivery) == [DeliveryStatus.SENT]


def test_a_file_that_is_not_utf8_is_refused(administrator):
    problems = refusal(
        Registry.PARS,
        "Record ID,Status,Reason\n1,rejected,Geburtsdatum stimmt nicht überein\n".encode("latin-1"),
        administrator,
    )

    assert problems == [
        "The file is not UTF-8 text (byte 62 cannot be read); save it as UTF-8 "
        "(in Excel: CSV UTF-8) and upload it again."
    ]


def test_an_empty_file_is_refused(administrator):
    assert refusal(Registry.PARS, b"", administrator) == ["The file is empty."]
    assert refusal(Registry.PARS, b"\r\n \r\n", administrator) == ["The file is empty."]
    assert refusal(Registry.PARS, "Record ID,Status,Reason\r\n", administrator) == [
        "The file has a header but no results under it."
    ]
    assert not ResultsImport.objects.exists()


def test_a_header_without_the_columns_is_refused(administrator):
    assert refusal(Registry.CPE_MONITOR, "ePID,Status\n1,accepted\n", administrator) == [
        "Line 1: the header must name the columns ePID, UAN, Completion Date, Status, "
        "Reason; it lacks UAN, Completion Date, Reason."
    ]


def test_a_byte_order_mark_and_any_case_in_the_header_are_fine(module, administrator):
    delivery = make_delivery(module, Registry.PARS)

    imported(
        Registry.PARS,
        f"\ufeffrecord id,STATUS,reason,comment\n{delivery.pk},Accepted,,fine\n",
        administrator,
    )

    assert statuses(delivery) == [DeliveryStatus.ACCEPTED]


def test_credit_withdrawn_while_a_record_awaits_its_answer_does_not_block_the_results_import(
    module, administrator
):
    from reporting.deliveries import delete_delivery

    accepted = make_delivery(module, Registry.PARS)
    rejected = make_delivery(module, Registry.PARS)
    for delivery in (accepted, rejected):
        delete_delivery(delivery, by=administrator, reason="Certificate revoked")

    imported(
        Registry.PARS,
        "Record ID,Status,Reason\r\n"
        f"{accepted.pk},Accepted,\r\n"
        f'{rejected.pk},rejected,"Unknown NPI"\r\n',
        administrator,
    )

    accepted.refresh_from_db()
    rejected.refresh_from_db()
    # PARS holds the accepted record: a delete record goes in the next batch.
    assert (accepted.status, accepted.record["action"]) == (DeliveryStatus.READY, "delete")
    assert accepted.events.last().note == (
        "Accepted by ACCME PARS. The credit was withdrawn meanwhile: a delete record will be sent."
    )
    # PARS never took the rejected one: nothing to delete.
    assert rejected.status == DeliveryStatus.DELETED
    assert rejected.record["action"] == "add"
