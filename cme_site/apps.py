from django.apps import AppConfig


class CmeSiteConfig(AppConfig):
    """The project itself: wiring that spans the apps."""

    name = "cme_site"
    verbose_name = "CME site"

    def ready(self):
        from cme_site.audit import register_audited_models

        register_audited_models()
