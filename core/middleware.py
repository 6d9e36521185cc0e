"""Checks on every request before any app sees it."""

import auditlog.middleware
from auditlog import get_logentry_model
from auditlog.cid import set_cid
from auditlog.context import _set_extra_data, auditlog_value
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import pre_save
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.client_ip import client_ip

# C0 control characters (U+0000 to U+001F). None has a place in a URL, a field name, a file
# name or a header; in a field's value only tab, line feed and carriage return do (a
# textarea sends CR LF). NUL in particular cannot be stored by PostgreSQL: left through, it
# turns a search or a form into a database error and a 500.
_CONTROL = frozenset(chr(code) for code in range(0x20))
_CONTROL_IN_VALUES = _CONTROL - {"\t", "\n", "\r"}


def has_control_characters(text: str, *, allow_line_breaks: bool = False) -> bool:
    """Whether `text` holds a C0 control character (tab, LF and CR are allowed when
    `allow_line_breaks`, as in a form field's value)."""
    forbidden = _CONTROL_IN_VALUES if allow_line_breaks else _CONTROL
    return not forbidden.isdisjoint(text)


def find_control_characters(request: HttpRequest) -> str | None:
    """Where the request carries a control character it must not ("path", "query
    parameter", "form field", "file name" or "header"), or None if it is clean.

    Reads the query string and, for form posts (urlencoded and multipart), the body, as
    Django's CSRF check would anyway.
    """
    if has_control_characters(request.path) or has_control_characters(request.path_info):
        return "path"
    for name, value in request.META.items():
        if name.startswith("HTTP_") and has_control_characters(str(value), allow_line_breaks=True):
            return "header"
    if _in_pairs(request.GET):
        return "query parameter"
    if request.method == "POST":
        if _in_pairs(request.POST):
            return "form field"
        for name, uploads in request.FILES.lists():
            if has_control_characters(name) or any(
                has_control_characters(upload.name or "") for upload in uploads
            ):
                return "file name"
    return None


def _in_pairs(query_dict) -> bool:
    return any(
        has_control_characters(key)
        or any(has_control_characters(value, allow_line_breaks=True) for value in values)
        for key, values in query_dict.lists()
    )


class RejectControlCharactersMiddleware:
    """Answer 400 with the site's "Bad request" page when a URL, query parameter, form field,
    uploaded file's name or header holds a control character such as NUL; drop cookies
    that hold one (browsers never send such cookies; a forged one is treated as absent).

    Goes early in MIDDLEWARE, before sessions and authentication read anything.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [
            name
            for name, value in request.COOKIES.items()
            if has_control_characters(name) or has_control_characters(value)
        ]:
            del request.COOKIES[name]
        if find_control_characters(request) is not None:
            return render_bad_request(request)
        return self.get_response(request)


def render_bad_request(request: HttpRequest) -> HttpResponse:
    """The site's 400 page, for a visitor nobody has identified yet (the page must not read
    the session: the request that caused it may carry anything)."""
    request.user = AnonymousUser()
    return render(request, "400.html", status=400)


# The `signal_duid` of the audit context a request's AuditlogMiddleware sets: what tells
# `attribute_log_entry` that the current context is a request's.
REQUEST_AUDIT_CONTEXT = "cme-request"


def attribute_log_entry(sender, instance, **kwargs) -> None:
    """pre_save receiver of django-auditlog's LogEntry, connected once per process: fills in
    the actor and client address of the request being served (the context that
    AuditlogMiddleware put in `auditlog_value`). Does nothing outside a request, or inside
    a block that set a context of its own (`core.audit.recorded_as`, auditlog's
    `set_actor`): their own receivers fill the entry in."""
    context = auditlog_value.get(None)
    if context is None or context.get("signal_duid", (None,))[0] != REQUEST_AUDIT_CONTEXT:
        return
    _set_extra_data(sender, instance, signal_duid=context["signal_duid"])


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """django-auditlog's middleware (the request's user becomes the actor of the entries
    written during the request), recording the client's address as `core.client_ip` finds
    it. django-auditlog itself takes the left-most X-Forwarded-For entry, which any client
    can write (and which, not being an address, fails the entry's save).

    django-auditlog's own middleware connects a pre_save receiver at the start of every
    request and disconnects it at the end (each clears Django's receiver cache of every
    model's pre_save). This one connects `attribute_log_entry` once, when the middleware is
    loaded, and per request only sets the context it reads, putting back afterwards what
    was there before."""

    def __init__(self, get_response=None):
        super().__init__(get_response)
        pre_save.connect(
            attribute_log_entry,
            sender=get_logentry_model(),
            dispatch_uid="core.middleware.attribute_log_entry",
        )

    def __call__(self, request):
        set_cid(request)
        context = self.get_extra_data(request)
        context["signal_duid"] = (REQUEST_AUDIT_CONTEXT, id(request))
        token = auditlog_value.set(context)
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request) or None

    @staticmethod
    def _get_remote_port(request):
        return None  # X-Forwarded-Port is the client's to write, like the address
