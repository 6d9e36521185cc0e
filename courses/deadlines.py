"""Which day it is, for dates the site enforces (docs/decisions/0005): a learner's own day,
in their profile's time zone; without a learner, any day that is still (or already) that
date somewhere on earth."""

import datetime

from django.utils import timezone

# The first and last time zones on earth: the Line Islands (UTC+14) and Baker Island
# (UTC-12, "anywhere on earth").
FIRST_ON_EARTH = datetime.timezone(datetime.timedelta(hours=14))
ANYWHERE_ON_EARTH = datetime.timezone(datetime.timedelta(hours=-12), "AoE")


def earliest_today(now: datetime.datetime | None = None) -> datetime.date:
    """The date where the day is oldest (UTC-12): a date is over everywhere once this has
    passed it."""
    return (now or timezone.now()).astimezone(ANYWHERE_ON_EARTH).date()


def latest_today(now: datetime.datetime | None = None) -> datetime.date:
    """The date where the day is newest (UTC+14): a date has begun somewhere once this has
    reached it."""
    return (now or timezone.now()).astimezone(FIRST_ON_EARTH).date()
