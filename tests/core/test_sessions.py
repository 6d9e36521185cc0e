"""core.sessions: Django's database sessions read with a precompiled statement. A session
ended on the server is gone from the next request on, as with Django's own store."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def signed_in(client) -> bool:
    return "Log out" in client.get(reverse("courses:catalog")).content.decode()


def test_it_is_the_sites_session_engine():
    assert settings.SESSION_ENGINE == "core.sessions"


def test_a_stored_session_reads_back_as_written(learner):
    store = SessionStore()
    store["answer"] = {"number": 42, "words": ["a", "b"]}
    store.create()

    assert SessionStore(store.session_key).load() == {"answer": {"number": 42, "words": ["a", "b"]}}


def test_a_signed_in_page_reads_the_session_in_one_statement(client, learner):
    client.force_login(learner)

    with CaptureQueriesContext(connection) as queries:
        assert signed_in(client)

    reads = [q["sql"] for q in queries if 'FROM "django_session"' in q["sql"]]
    assert len(reads) == 1
    assert reads[0].startswith('SELECT "session_data" FROM "django_session" WHERE "session_key"')


def test_log_out_ends_the_session_even_for_a_copied_cookie(client, learner):
    client.force_login(learner)
    copied = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("account_logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = copied

    assert not signed_in(client)
    assert not Session.objects.filter(session_key=copied).exists()


def test_an_expired_session_signs_nobody_in_and_its_key_is_not_reused(client, learner):
    client.force_login(learner)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert not signed_in(client)
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None


def test_tampered_session_data_signs_nobody_in(client, learner):
    client.force_login(learner)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    session = Session.objects.get(session_key=key)
    Session.objects.filter(session_key=key).update(session_data=session.session_data[:-3] + "abc")

    assert not signed_in(client)


def test_an_unknown_session_key_gets_a_new_key_not_the_forged_one(client):
    forged = "x" * 32
    client.cookies[settings.SESSION_COOKIE_NAME] = forged

    client.get(reverse("account_login"))

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != forged
    assert not Session.objects.filter(session_key=forged).exists()


def test_a_password_changed_elsewhere_ends_the_session(client, learner):
    client.force_login(learner)
    assert signed_in(client)

    learner.set_password("another-long-passphrase-2")
    learner.save()

    assert not signed_in(client)
