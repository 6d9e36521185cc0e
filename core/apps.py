from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: infrastructure every app may use (the admin base classes, the audit
    trail, rate limits, the edge checks on requests, the client's address behind a proxy,
    the spreadsheet writer, plain-text rendering, lock-out relief, the health check and
    queueing tasks by name). Nothing here imports the project's other apps or cme_site
    (tests/test_architecture.py)."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import lockouts

        lockouts.connect_password_reset_signals()
