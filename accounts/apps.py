from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and learner profiles"

    def ready(self):
        from accounts.models import Profile, StateLicense
        from core.audit import register_audited_model

        # The learner's identifiers and consents (closing the account redacts the
        # identifiers from these entries: accounts.personal_data.close_account).
        register_audited_model(
            Profile,
            include_fields=[
                "certificate_name",
                "designation",
                "npi",
                "nabp_epid",
                "nccpa_id",
                "reports_to_boards",
                "reports_to_cpe_monitor",
                "reports_to_state_boards",
            ],
        )
        register_audited_model(StateLicense, include_fields=["state", "number", "profession"])
