from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses (enduring-material modules)"

    def ready(self):
        from accounts.records import register_personal_data_section
        from core.audit import register_audited_model
        from courses.disclosures import disclosures_shown_as_data
        from courses.models import Module

        register_audited_model(
            Module,
            include_fields=[
                "status",
                "title",
                "release_date",
                "expiration_date",
                "last_reviewed_date",
            ],
        )
        register_personal_data_section("disclosures_shown", disclosures_shown_as_data)
