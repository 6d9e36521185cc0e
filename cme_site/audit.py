"""The audit trail: django-auditlog records who changed what, when, and the values before and
after; the domain functions that need a reason (grants, revocations, re-issues, regrades,
publication) run inside `recorded_as` so each entry also says who and why."""

import contextlib

from auditlog.context import auditlog_value, set_extra_data


@contextlib.contextmanager
def recorded_as(actor, *, reason: str = ""):
    """Attribute the audit entries written inside the block to `actor`, with `reason`.

    django-auditlog keeps one context per request; the one set by its middleware is put
    back afterwards so that later changes in the same request keep their actor.
    """
    previous = auditlog_value.get(None)
    try:
        with set_extra_data({"actor": actor, "additional_data": {"reason": reason}}):
            yield
    finally:
        if previous is not None:
            auditlog_value.set(previous)


def register_audited_models():
    """Called once the apps are ready (cme_site.apps)."""
    from auditlog.registry import auditlog

    from accounts.models import Profile
    from certificates.models import Certificate, CreditClaim
    from courses.models import Module
    from quizzes.models import Attempt, Choice, Participation

    auditlog.register(Module, include_fields=["status", "title", "release_date",
                                              "expiration_date", "last_reviewed_date"])  # fmt: skip
    auditlog.register(Choice, include_fields=["is_correct", "text"])
    auditlog.register(Participation, include_fields=["extra_attempts"])
    auditlog.register(Attempt, include_fields=["score", "passed", "correct_count"])
    auditlog.register(CreditClaim)
    auditlog.register(Certificate, include_fields=["status", "number", "superseded_by"])
    auditlog.register(
        Profile,
        include_fields=["certificate_name", "designation", "npi", "reports_to_boards"],
    )
