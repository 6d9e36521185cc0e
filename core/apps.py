from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: infrastructure every app may use (the edge checks on requests, the
    client's address behind a proxy, the spreadsheet writer, lock-out relief). Nothing here
    imports the project's other apps."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import lockouts

        lockouts.connect_password_reset_signals()
