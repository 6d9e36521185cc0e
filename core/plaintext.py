"""Plain text is plain: e-mail subjects and bodies are rendered by a template engine that
does not escape HTML (a learner called Siobhán O'Brien & Søn reads her own name, not
``O&#x27;Brien &amp; Søn``), and in the recipient's time zone. Every e-mail the site sends
goes through `render_plain_text`; HTML pages keep Django's escaping."""

import zoneinfo

from django.template import engines
from django.utils import timezone

ENGINE = "plaintext"  # configured in settings.TEMPLATES with autoescape off


def render_plain_text(
    template_name: str, context: dict | None = None, *, time_zone: zoneinfo.ZoneInfo | None = None
) -> str:
    """Render `template_name` (a .txt template) without HTML escaping. Dates and times in it
    are shown in `time_zone` (the recipient's), or the active one. Raises
    TemplateDoesNotExist like Django's loader."""
    template = engines[ENGINE].get_template(template_name)
    if time_zone is None:
        return template.render(context or {})
    with timezone.override(time_zone):
        return template.render(context or {})


def render_subject(template_name: str, context: dict | None = None, **kwargs) -> str:
    """A one-line e-mail subject from a template: plain, on one line (mail headers cannot
    hold line breaks)."""
    return " ".join(render_plain_text(template_name, context, **kwargs).split())
