"""A stated date falls on the learner's day (docs/decisions/0005): a module expiring on
29 November is open until the end of 29 November in the learner's own time zone, and the
page says so, with the zone."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.timezones import learner_today
from courses.deadlines import earliest_today, latest_today
from tests.factories import ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db

# 06:38 UTC on 30 November: 22:38 on 29 November in Los Angeles, 15:38 on 30 November in Tokyo.
INSTANT = datetime.datetime(2026, 11, 30, 6, 38, tzinfo=datetime.UTC)
EXPIRY = datetime.date(2026, 11, 29)


def learner_in(zone: str):
    return UserFactory(profile__time_zone=zone)


def page_text(client, module) -> str:
    return " ".join(client.get(module.get_absolute_url()).content.decode().split())


@time_machine.travel(INSTANT, tick=False)
def test_on_the_last_evening_in_los_angeles_the_module_is_still_open(client):
    module = ModuleFactory(
        release_date=datetime.date(2026, 1, 1), expiration_date=EXPIRY, title="Last day"
    )
    client.force_login(learner_in("America/Los_Angeles"))

    text = page_text(client, module)

    assert "This activity expired" not in text
    assert (
        'Credit available until</dt><dd class="col-sm-9" id="credit-until">the end of '
        "29 November 2026, in your time zone (America/Los Angeles)</dd>"
    ) in text
    assert "Last day" in [
        m.title for m in client.get(reverse("courses:catalog")).context["modules"]
    ]


@time_machine.travel(INSTANT, tick=False)
def test_the_same_instant_is_past_the_expiry_for_a_learner_in_tokyo(client):
    module = ModuleFactory(
        release_date=datetime.date(2026, 1, 1), expiration_date=EXPIRY, title="Last day"
    )
    client.force_login(learner_in("Asia/Tokyo"))

    text = page_text(client, module)

    assert (
        "This activity expired at the end of 29 November 2026 in your time zone (Asia/Tokyo)."
    ) in text
    assert "Last day" not in [
        m.title for m in client.get(reverse("courses:catalog")).context["modules"]
    ]


@time_machine.travel(datetime.datetime(2026, 8, 31, 20, 0, tzinfo=datetime.UTC), tick=False)
def test_a_release_date_comes_on_the_learners_own_day(client):
    """20:00 UTC on 31 August is already 1 September in Auckland, not yet in London."""
    module = ModuleFactory(release_date=datetime.date(2026, 9, 1), title="New")

    assert module.is_released(learner_today(learner_in("Pacific/Auckland")))
    assert not module.is_released(learner_today(learner_in("Europe/London")))


@time_machine.travel(INSTANT, tick=False)
def test_without_a_learner_a_date_holds_while_it_is_that_date_somewhere_on_earth():
    ending = ModuleFactory(release_date=datetime.date(2026, 1, 1), expiration_date=EXPIRY)
    starting = ModuleFactory(release_date=datetime.date(2026, 12, 1))

    assert earliest_today() == datetime.date(2026, 11, 29)
    assert latest_today() == datetime.date(2026, 11, 30)
    assert not ending.is_expired()
    assert not starting.is_released()


@time_machine.travel(INSTANT, tick=False)
def test_times_are_shown_in_the_learners_time_zone(client):
    """The middleware activates the learner's zone: a page rendering `now` shows their
    local time, not UTC."""
    from django.template import engines
    from django.test import RequestFactory

    from accounts.timezones import LearnerTimeZoneMiddleware

    user = learner_in("America/Los_Angeles")
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    template = engines["django"].from_string('{% now "j F Y H:i e" %}')

    response = LearnerTimeZoneMiddleware(lambda r: template.render())(request)

    assert response == "29 November 2026 22:38 PST"
    assert request.session == {"learner_time_zone": "America/Los_Angeles"}
