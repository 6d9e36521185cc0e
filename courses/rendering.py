"""Turning authored Markdown into HTML that is safe to put in a learner's page."""

from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
    "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> SafeString:
    """Keep structural and text markup; drop scripts, styles, event handlers and any URL
    whose scheme is not http(s) or mailto. Links get rel="noopener noreferrer"."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just sanitised it


# The article sits under the page's h1 and its "Article" h2, so an author's top-level
# heading (`# Results`) becomes an h3 and the page's heading order stays intact.
ARTICLE_HEADING_BASE_LEVEL = 3


@lru_cache(maxsize=32)
def render_markdown(text: str) -> SafeString:
    """Authored Markdown (which may contain raw HTML) to sanitised HTML.

    Kept per process for the last 32 texts: the result depends on the text alone, so it
    cannot go stale, and the module page no longer renders its article on every view."""
    html = markdown.markdown(
        text,
        extensions=["extra", "sane_lists", "toc"],
        extension_configs={"toc": {"baselevel": ARTICLE_HEADING_BASE_LEVEL}},
        output_format="html",
    )
    return sanitize_html(html)
