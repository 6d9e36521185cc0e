"""One way of writing dates and scores for people (core.formats), used by every template."""

import datetime
import re
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from core.formats import format_day, format_moment, format_percent
from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from tests.factories import answers_for, post_test_with_questions

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (Decimal("62.50"), "62.5%"),
        (Decimal("100.00"), "100%"),
        (Decimal("0.00"), "0%"),
        (0, "0%"),
        (Decimal("66.6667"), "66.67%"),
        (Decimal("70"), "70%"),
        (87.5, "87.5%"),
    ],
)
def test_a_score_has_at_most_two_decimals_and_no_trailing_zeros(score, shown):
    assert format_percent(score) == shown


def test_an_ungraded_score_is_shown_as_nothing():
    assert format_percent(None) == ""


def test_a_score_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="'sixty' is not a number"):
        format_percent("sixty")


@pytest.mark.parametrize(
    "value",
    [datetime.date(2026, 11, 30), "2026-11-30"],
    ids=["date", "iso-string-from-a-certificate-snapshot"],
)
def test_a_date_is_day_month_in_full_and_year(value):
    assert format_day(value) == "30 November 2026"


def test_a_single_digit_day_has_no_leading_zero():
    assert format_day(datetime.date(2026, 7, 1)) == "1 July 2026"


def test_a_moment_is_shown_in_the_current_time_zone():
    moment = datetime.datetime(2026, 12, 1, 6, 38, tzinfo=datetime.UTC)

    with timezone.override(zoneinfo.ZoneInfo("America/Los_Angeles")):
        assert format_moment(moment) == "30 November 2026, 22:38"
        assert format_day(moment) == "30 November 2026"  # the learner's day, not UTC's


def test_the_template_filters_give_the_same_text():
    template = engines["django"].from_string(
        "{% load formats %}{{ day|long_date }} | {{ at|long_datetime }} | {{ score|percent }}"
        ' | {{ nothing|long_date|default:"—" }}'
    )
    with timezone.override(datetime.UTC):
        html = template.render(
            {
                "day": datetime.date(2026, 11, 30),
                "at": datetime.datetime(2026, 11, 30, 14, 5, tzinfo=datetime.UTC),
                "score": Decimal("62.50"),
                "nothing": None,
            }
        )

    assert html == "30 November 2026 | 30 November 2026, 14:05 | 62.5% | —"


def page_templates():
    """Every template people read (the PDF templates and allauth's e-mail bodies are
    another engineer's; machine files are not templates)."""
    for path in sorted(TEMPLATES.rglob("*")):
        relative = path.relative_to(TEMPLATES).as_posix()
        if path.is_file() and not relative.startswith(("certificates/pdf/", "account/email/")):
            yield relative, path.read_text()


def test_no_template_writes_a_date_or_a_score_its_own_way():
    """Dates go through |long_date or |long_datetime, scores through |percent. The only
    |date left writes ISO dates into links (the transcript's download query string)."""
    own_way = []
    for name, text in page_templates():
        for found in re.finditer(r"\|date:(\"[^\"]*\"|'[^']*')", text):
            if found.group(1).strip("\"'") != "Y-m-d":
                own_way.append(f"{name}: {found.group(0)}")
        own_way += [f"{name}: {found}" for found in re.findall(r"floatformat[^}]*\}\}%", text)]

    assert own_way == []


@pytest.mark.django_db
def test_the_result_page_writes_the_score_with_one_decimal(client, learner):
    """5 of 8 correct is 62.5%, written "62.5%" (it was "62.50%")."""
    post_test = post_test_with_questions(8, passing_score=Decimal("60"))
    record_disclosures_shown(learner, module=post_test.module)
    attempt = start_attempt(learner, post_test=post_test)
    submit_attempt(attempt, answers=answers_for(attempt, correct=5))
    client.force_login(learner)

    html = client.get(reverse("quizzes:result", kwargs={"pk": attempt.pk})).content.decode()

    assert "Score: <strong>62.5%</strong> (5 of 8 correct). Passing score: 60%." in html
