from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Credit claims and certificates"

    def ready(self):
        from allauth.account.signals import email_confirmed

        from accounts.records import (
            register_learner_record_section,
            register_personal_data_section,
        )
        from certificates import learner_data, queries
        from certificates.models import Certificate, CreditClaim
        from certificates.receivers import send_held_certificates_on_confirmation
        from core.audit import register_audited_model
        from courses.learner_status import register_catalog_status, register_module_page_context
        from quizzes.regrading import register_certificates_to_review

        register_audited_model(CreditClaim)
        register_audited_model(Certificate, include_fields=["status", "number", "superseded_by"])
        email_confirmed.connect(
            send_held_certificates_on_confirmation, dispatch_uid="certificates.held_email"
        )
        register_personal_data_section("evaluations", learner_data.evaluations_as_data)
        register_personal_data_section("certificates", learner_data.certificates_as_data)
        register_learner_record_section("evaluations", learner_data.evaluations_for_record)
        register_learner_record_section("certificates", learner_data.certificates_for_record)
        register_catalog_status(queries.catalog_credit_badges)
        register_module_page_context(queries.module_page_credit)
        register_certificates_to_review(queries.certificates_to_review)
