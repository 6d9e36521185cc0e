from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Deliveries of credit to the registries (ACCME PARS, NABP CPE Monitor): above
    certificates, which it hooks into (docs/decisions/0006)."""

    name = "reporting"
    verbose_name = "Registry reporting"

    def ready(self):
        from accounts.profiles import register_profile_listener
        from certificates.claims import register_claim_listener
        from certificates.issuance import register_revocation_listener
        from certificates.queries import register_line_status
        from reporting import deliveries, queries

        register_claim_listener(deliveries.create_deliveries)
        register_revocation_listener(deliveries.delete_certificate_deliveries)
        register_line_status(queries.line_statuses)
        register_profile_listener(deliveries.refresh_learner_deliveries)
