"""The CME administrators' registry-files page: batches to download, results files to
upload (reporting.registries.views)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from reporting.models import DeliveryStatus, Registry, ResultsImport
from reporting.registries.transport import send
from tests.factories import post_test_with_questions
from tests.reporting.registry_records import make_delivery

pytestmark = pytest.mark.django_db

PAGE = reverse("reporting:registries:batches")
UPLOAD = reverse("reporting:registries:results_upload")


@pytest.fixture
def module(db):
    return post_test_with_questions(3).module


@pytest.fixture
def administrator_client(client, cme_administrator):
    client.force_login(cme_administrator)
    return client


def upload(client, registry, text, name="results.csv"):
    return client.post(
        UPLOAD, {"registry": registry, "file": SimpleUploadedFile(name, text.encode())}
    )


@override_settings(CME_REGISTRY_TRANSPORT="file")
def test_an_administrator_downloads_a_batchs_text_and_excel_files(
    administrator_client, module, cme_administrator
):
    delivery = make_delivery(module, Registry.CPE_MONITOR, status=DeliveryStatus.READY)
    batch = send(Registry.CPE_MONITOR, [delivery], by=cme_administrator)

    page = administrator_client.get(PAGE)
    text = administrator_client.get(
        reverse("reporting:registries:batch_download", kwargs={"pk": batch.pk, "extension": "txt"})
    )
    excel = administrator_client.get(
        reverse("reporting:registries:batch_download", kwargs={"pk": batch.pk, "extension": "xlsx"})
    )

    assert page.status_code == 200
    assert f"#{batch.pk}" in page.text and "NABP CPE Monitor" in page.text
    assert text["Content-Disposition"] == (f'attachment; filename="cpe-monitor-{batch.pk}.txt"')
    assert b"".join(text.streaming_content).startswith(b"ePID\tBirth MMDD\tUAN\t")
    assert b"".join(excel.streaming_content).startswith(b"PK")  # a zip: the workbook


def test_an_uploaded_results_file_moves_each_delivery_to_its_status(administrator_client, module):
    delivery = make_delivery(module, Registry.PARS)

    response = upload(
        administrator_client,
        Registry.PARS,
        f"Record ID,Status,Reason\n{delivery.pk},rejected,birth date does not match\n",
    )

    assert response.status_code == 302 and response.url == PAGE
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (
        DeliveryStatus.REJECTED,
        "birth date does not match",
    )
    page = administrator_client.get(PAGE)
    assert "Results imported: 0 accepted, 1 rejected." in page.text
    assert "results.csv" in page.text


def test_a_refused_results_file_shows_every_problem_and_changes_nothing(
    administrator_client, module
):
    delivery = make_delivery(module, Registry.PARS)

    response = upload(
        administrator_client,
        Registry.PARS,
        f"Record ID,Status,Reason\n{delivery.pk},maybe,\n424242,accepted,\n",
    )

    assert response.status_code == 400
    assert "The results file was not imported; nothing changed." in response.text
    assert "Line 2: unknown status &quot;maybe&quot;; use accepted or rejected." in response.text
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert not ResultsImport.objects.exists()


def test_the_same_results_file_uploaded_twice_says_so(administrator_client, module):
    delivery = make_delivery(module, Registry.PARS)
    text = f"Record ID,Status,Reason\n{delivery.pk},accepted,\n"
    upload(administrator_client, Registry.PARS, text)

    response = upload(administrator_client, Registry.PARS, text, name="again.csv")

    assert response.status_code == 400
    assert "This results file was already imported on " in response.text
    assert "; nothing changed." in response.text
    assert ResultsImport.objects.count() == 1


def test_learners_cannot_see_or_upload_registry_files(client, learner):
    client.force_login(learner)

    assert client.get(PAGE).status_code == 403
    assert (
        upload(client, Registry.PARS, "Record ID,Status,Reason\n1,accepted,\n").status_code == 403
    )
