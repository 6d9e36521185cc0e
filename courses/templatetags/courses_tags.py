import datetime

from django import template

from courses.models import format_credits
from courses.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    """Render authored Markdown through the sanitiser."""
    return render_markdown(text or "")


@register.filter
def credits(amount) -> str:
    """Format a credit amount as statements print it: 0.25, 1, 1.5."""
    return format_credits(amount)


@register.filter
def as_date(value):
    """An ISO date string (as stored in certificate snapshots) as a date, for |date."""
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


@register.filter
def time_zone_name(name: str) -> str:
    """An IANA zone name as people read it: "America/Los_Angeles" → "America/Los Angeles"."""
    return (name or "").replace("_", " ")
