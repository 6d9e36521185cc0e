"""The audit trail: django-auditlog records who changed what, when, and the values before and
after; the domain functions that need a reason (grants, revocations, re-issues, regrades,
publication) run inside `recorded_as` so each entry also says who and why."""

import contextlib

from auditlog.context import auditlog_value, set_extra_data


@contextlib.contextmanager
def recorded_as(actor, *, reason: str = ""):
    """Attribute the audit entries written inside the block to `actor`, with `reason`.

    django-auditlog keeps one context per request; the one there before (the request's,
    set by its middleware, or none outside a request) is put back afterwards, so that later
    changes keep their actor and nothing of this block is left behind (django-auditlog's
    own `set_extra_data` leaves its context set when it ends).
    """
    previous = auditlog_value.get(None)
    try:
        with set_extra_data({"actor": actor, "additional_data": {"reason": reason}}):
            yield
    finally:
        auditlog_value.set(previous)


def register_audited_model(model, *, include_fields: list[str] | None = None) -> None:
    """Keep django-auditlog's trail of `model`: every create, change and delete, with the
    values before and after of `include_fields` (all fields when None).

    Each app calls this for its own models in its `AppConfig.ready()`, so that the ground
    floor never imports the apps above it. Registering a model again replaces its fields.
    """
    from auditlog.registry import auditlog

    auditlog.register(model, include_fields=include_fields)
