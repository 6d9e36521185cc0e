"""Plain text is plain: no e-mail carries HTML escaping."""

import datetime

import pytest
from django.core import mail

from core.plaintext import render_subject
from courses.lifecycle import send_review_reminders
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db

NAME = "Siobhán O'Brien & Søn <MD>"


def test_the_plain_text_engine_does_not_escape_and_the_page_engine_does():
    from django.template import engines

    context = {"name": NAME}

    assert engines["plaintext"].from_string("{{ name }}").render(context) == NAME
    assert engines["django"].from_string("{{ name }}").render(context) == (
        "Siobhán O&#x27;Brien &amp; Søn &lt;MD&gt;"
    )


def test_a_subject_is_one_line():
    assert render_subject("courses/email/review_reminder.txt", {"due": []}).count("\n") == 0


def test_the_review_reminder_prints_a_title_with_an_ampersand_as_written(
    course_author, cme_administrator
):
    ModuleFactory(
        title="Itch & scratch: O'Brien's <guide>",
        release_date=datetime.date(2025, 1, 1),
        last_reviewed_date=datetime.date(2025, 1, 1),
        expiration_date=datetime.date(2026, 7, 15),
    )

    send_review_reminders(today=datetime.date(2026, 6, 1))

    assert "Itch & scratch: O'Brien's <guide> (edition 1)" in mail.outbox[0].body
    assert "&amp;" not in mail.outbox[0].body and "&#x27;" not in mail.outbox[0].body
