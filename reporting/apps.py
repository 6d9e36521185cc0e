from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Deliveries of credit to the registries (ACCME PARS, NABP CPE Monitor): above
    certificates, which it hooks into (docs/decisions/0006)."""

    name = "reporting"
    verbose_name = "Registry reporting"
