from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses (enduring-material modules)"

    def ready(self):
        from core.audit import register_audited_model
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
