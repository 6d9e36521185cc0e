import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["services"]["database"] == {"ok": True, "detail": "postgresql"}
    assert body["services"]["broker"]["ok"] is True


def test_healthz_answers_503_naming_the_broker_when_it_is_down(client, dead_broker):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["broker"]
    assert body["services"]["database"]["ok"] is True


def test_healthz_answers_503_naming_the_database_when_it_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
