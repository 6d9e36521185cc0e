"""The site's one way of writing dates, times and scores in pages and e-mails
(core.formats): {% load formats %}, then

    {{ claim.completed_on|long_date }}    30 November 2026
    {{ event.at|long_datetime }}          30 November 2026, 14:05
    {{ attempt.score|percent }}           62.5%
"""

from django import template

from core.formats import format_day, format_moment, format_percent

register = template.Library()


@register.filter
def long_date(value) -> str:
    """A date, an aware datetime (its day here) or an ISO date string: "30 November 2026".
    A value that is not a date is shown as it is."""
    try:
        return format_day(value)
    except (TypeError, ValueError, AttributeError):
        return value


@register.filter
def long_datetime(value) -> str:
    """A moment in the current time zone: "30 November 2026, 14:05"."""
    try:
        return format_moment(value)
    except (TypeError, ValueError, AttributeError):
        return value


@register.filter
def percent(value) -> str:
    """A score or percentage: "62.5%", "100%", "0%"."""
    try:
        return format_percent(value)
    except ValueError:
        return value
