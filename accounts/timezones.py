"""The learner's time zone: the day on which their dates fall (docs/decisions/0005) and the
zone every time shown to them is given in."""

import datetime
import zoneinfo

from django.utils import timezone

from accounts.models import User

SESSION_KEY = "learner_time_zone"
ZONE_ATTRIBUTE = "learner_time_zone_name"


def learner_time_zone(user: User) -> zoneinfo.ZoneInfo:
    """The zone of the learner's profile; UTC for an anonymous visitor or an unknown name."""
    from accounts.registration import profile_of

    if not user.is_authenticated:
        return zoneinfo.ZoneInfo("UTC")
    known = getattr(user, ZONE_ATTRIBUTE, None)  # set by the middleware from the session
    return _zone(known or profile_of(user).time_zone)


def learner_today(user: User, *, now: datetime.datetime | None = None) -> datetime.date | None:
    """Today's date for the learner, in their profile's time zone; None for an anonymous
    visitor (callers then use the anywhere-on-earth rule of courses.deadlines)."""
    if not user.is_authenticated:
        return None
    return (now or timezone.now()).astimezone(learner_time_zone(user)).date()


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def forget_time_zone(request) -> None:
    """Call after the learner's profile changes: the next request reads the zone again."""
    request.session.pop(SESSION_KEY, None)


class LearnerTimeZoneMiddleware:
    """Show every time in the logged-in learner's zone. The zone's name is kept in the
    session, so the profile is read once per session (and after `forget_time_zone`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = request.session.get(SESSION_KEY)
            if name is None:
                name = learner_time_zone(user).key
                request.session[SESSION_KEY] = name
            setattr(user, ZONE_ATTRIBUTE, name)  # so that learner_today reads no profile
            timezone.activate(_zone(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
