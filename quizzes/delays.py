"""The delay between post-test attempts: when a learner may start again after an attempt
that did not pass (a post-test setting, `PostTest.attempt_delay`).

The delay runs from the moment the previous attempt was submitted and graded. "Until the
next day" ends at midnight in the learner's time zone, the day on which their dates fall
(docs/decisions/0005): a learner in Los Angeles who fails at 23:50 may try again ten
minutes later, at 00:00 local time.
"""

import datetime
import zoneinfo

from quizzes.models import AttemptDelay

FIXED_DELAYS = {
    AttemptDelay.ONE_HOUR: datetime.timedelta(hours=1),
    AttemptDelay.ONE_DAY: datetime.timedelta(hours=24),
}


def next_attempt_allowed_at(
    delay: str, *, last_graded_at: datetime.datetime, time_zone: zoneinfo.ZoneInfo
) -> datetime.datetime | None:
    """The earliest moment (an aware datetime, in `time_zone`) at which a learner whose last
    attempt was graded at `last_graded_at` may start another, under `delay` (an
    AttemptDelay value); None when the post-test has no delay."""
    if delay == AttemptDelay.NEXT_DAY:
        local_day = last_graded_at.astimezone(time_zone).date()
        next_day = local_day + datetime.timedelta(days=1)
        return datetime.datetime.combine(next_day, datetime.time.min, tzinfo=time_zone)
    if delay in FIXED_DELAYS:
        return (last_graded_at + FIXED_DELAYS[delay]).astimezone(time_zone)
    return None


def waiting_until(
    post_test, *, attempts, time_zone: zoneinfo.ZoneInfo, now: datetime.datetime
) -> datetime.datetime | None:
    """When the learner with these `attempts` (their Attempt rows at `post_test`) may start
    the next one, if that moment is still to come at `now`; None when they may start now
    (no delay, no graded attempt yet, or the delay has passed). Whether they may start at
    all (attempts left, passed) is not decided here."""
    graded = [attempt.graded_at for attempt in attempts if attempt.graded_at is not None]
    if not graded:
        return None
    allowed_at = next_attempt_allowed_at(
        post_test.attempt_delay, last_graded_at=max(graded), time_zone=time_zone
    )
    if allowed_at is None or allowed_at <= now:
        return None
    return allowed_at
