from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and learner profiles"

    def ready(self):
        from accounts.models import Profile
        from core.audit import register_audited_model

        register_audited_model(
            Profile,
            include_fields=["certificate_name", "designation", "npi", "reports_to_boards"],
        )
