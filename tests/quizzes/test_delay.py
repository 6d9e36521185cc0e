"""The delay between attempts: after an attempt that did not pass, a learner waits an hour,
24 hours, or until the next day in their own time zone before the next one, and is told
when they can try again."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.exceptions import AlreadyPassed, AttemptTooSoon
from quizzes.models import Attempt, AttemptDelay
from tests.factories import ProfileFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def learner_in(zone: str):
    return ProfileFactory(time_zone=zone).user


def set_up(delay: str, *, zone: str = "UTC"):
    """A learner in `zone`, shown the disclosures of a post-test with `delay`."""
    post_test = post_test_with_questions(5, attempt_delay=delay)
    learner = learner_in(zone)
    record_disclosures_shown(learner, module=post_test.module)
    return learner, post_test


def fail(learner, post_test):
    attempt = start_attempt(learner, post_test=post_test)
    return submit_attempt(attempt, answers=answers_for(attempt, correct=0))


class TestTheDelayIsEnforced:
    def test_after_one_hour_the_next_attempt_starts_and_not_a_minute_before(self, time_machine):
        time_machine.move_to(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=UTC), tick=False)
        learner, post_test = set_up(AttemptDelay.ONE_HOUR)
        fail(learner, post_test)

        time_machine.move_to(datetime.datetime(2026, 11, 30, 10, 59, tzinfo=UTC), tick=False)
        with pytest.raises(AttemptTooSoon) as refusal:
            start_attempt(learner, post_test=post_test)
        assert str(refusal.value) == (
            "Please wait before your next attempt: you can start it from "
            "30 November 2026, 11:00 (your time zone, UTC)."
        )
        assert refusal.value.allowed_at == datetime.datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
        assert Attempt.objects.filter(learner=learner).count() == 1

        time_machine.move_to(datetime.datetime(2026, 11, 30, 11, 0, tzinfo=UTC), tick=False)
        second = start_attempt(learner, post_test=post_test)
        assert second.number == 2

    def test_24_hours_are_counted_from_the_submission_in_the_learners_time_zone(self, time_machine):
        time_machine.move_to(datetime.datetime(2026, 11, 30, 18, 30, tzinfo=UTC), tick=False)
        learner, post_test = set_up(AttemptDelay.ONE_DAY, zone="America/Los_Angeles")
        fail(learner, post_test)

        time_machine.move_to(datetime.datetime(2026, 12, 1, 18, 0, tzinfo=UTC), tick=False)
        with pytest.raises(AttemptTooSoon) as refusal:
            start_attempt(learner, post_test=post_test)
        assert str(refusal.value) == (
            "Please wait before your next attempt: you can start it from "
            "1 December 2026, 10:30 (your time zone, America/Los_Angeles)."
        )

        time_machine.move_to(datetime.datetime(2026, 12, 1, 18, 30, tzinfo=UTC), tick=False)
        assert start_attempt(learner, post_test=post_test).number == 2

    def test_until_the_next_day_ends_at_midnight_where_the_learner_lives(self, time_machine):
        """Failed at 23:50 on 30 November in Los Angeles (07:50 UTC on 1 December): the next
        attempt opens ten minutes later, at midnight there, not at midnight UTC."""
        failed_at = datetime.datetime(2026, 11, 30, 23, 50, tzinfo=LOS_ANGELES)
        time_machine.move_to(failed_at, tick=False)
        learner, post_test = set_up(AttemptDelay.NEXT_DAY, zone="America/Los_Angeles")
        fail(learner, post_test)

        time_machine.move_to(failed_at + datetime.timedelta(minutes=9), tick=False)
        with pytest.raises(AttemptTooSoon) as refusal:
            start_attempt(learner, post_test=post_test)
        assert str(refusal.value) == (
            "Please wait before your next attempt: you can start it from "
            "1 December 2026, 00:00 (your time zone, America/Los_Angeles)."
        )

        time_machine.move_to(failed_at + datetime.timedelta(minutes=10), tick=False)
        assert start_attempt(learner, post_test=post_test).number == 2

    def test_until_the_next_day_in_tokyo_waits_for_midnight_in_tokyo(self, time_machine):
        failed_at = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=TOKYO)
        time_machine.move_to(failed_at, tick=False)
        learner, post_test = set_up(AttemptDelay.NEXT_DAY, zone="Asia/Tokyo")
        fail(learner, post_test)

        time_machine.move_to(datetime.datetime(2026, 11, 30, 23, 59, tzinfo=TOKYO), tick=False)
        with pytest.raises(AttemptTooSoon) as refusal:
            start_attempt(learner, post_test=post_test)
        assert refusal.value.allowed_at == datetime.datetime(2026, 12, 1, 0, 0, tzinfo=TOKYO)

    def test_without_a_delay_the_next_attempt_starts_at_once(self):
        learner, post_test = set_up(AttemptDelay.NONE)
        fail(learner, post_test)

        assert start_attempt(learner, post_test=post_test).number == 2

    def test_the_attempt_in_progress_is_resumed_whatever_the_delay(self, time_machine):
        time_machine.move_to(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=UTC), tick=False)
        learner, post_test = set_up(AttemptDelay.ONE_DAY)
        fail(learner, post_test)
        time_machine.move_to(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=UTC), tick=False)
        second = start_attempt(learner, post_test=post_test)

        time_machine.move_to(datetime.datetime(2026, 12, 1, 10, 5, tzinfo=UTC), tick=False)
        assert start_attempt(learner, post_test=post_test).pk == second.pk

    def test_a_learner_who_passed_is_told_so_rather_than_to_wait(self):
        learner, post_test = set_up(AttemptDelay.ONE_DAY)
        attempt = start_attempt(learner, post_test=post_test)
        submit_attempt(attempt, answers=answers_for(attempt))

        with pytest.raises(AlreadyPassed):
            start_attempt(learner, post_test=post_test)


class TestTheLearnerIsToldWhenToTryAgain:
    NEXT = (
        "You can start your next attempt from 1 December 2026, 00:00 "
        "(your time zone, America/Los_Angeles)."
    )

    @pytest.fixture
    def failed(self, time_machine, client):
        time_machine.move_to(datetime.datetime(2026, 11, 30, 20, 0, tzinfo=LOS_ANGELES), tick=False)
        learner, post_test = set_up(AttemptDelay.NEXT_DAY, zone="America/Los_Angeles")
        attempt = fail(learner, post_test)
        client.force_login(learner)
        return attempt

    def test_the_result_page_says_when_and_offers_no_try_again_button(self, client, failed):
        page = client.get(reverse("quizzes:result", kwargs={"pk": failed.pk})).content.decode()

        assert self.NEXT in page
        assert "Try again" not in page

    def test_the_module_page_says_when_and_offers_no_start_button(self, client, failed):
        page = client.get(failed.post_test.module.get_absolute_url()).content.decode()

        assert self.NEXT in page
        assert "Start the post-test" not in page

    def test_a_start_posted_anyway_is_refused_with_the_time(self, client, failed):
        module = failed.post_test.module
        response = client.post(reverse("quizzes:start", kwargs={"slug": module.slug}), follow=True)

        assert [str(m) for m in response.context["messages"]] == [
            "Please wait before your next attempt: you can start it from "
            "1 December 2026, 00:00 (your time zone, America/Los_Angeles)."
        ]
        assert Attempt.objects.filter(learner=failed.learner).count() == 1

    def test_once_the_delay_has_passed_the_module_page_offers_the_start_again(
        self, client, failed, time_machine
    ):
        time_machine.move_to(datetime.datetime(2026, 12, 1, 0, 0, tzinfo=LOS_ANGELES), tick=False)

        page = client.get(failed.post_test.module.get_absolute_url()).content.decode()

        assert "Start the post-test" in page
        assert "You can start your next attempt" not in page
