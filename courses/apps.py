from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses (enduring-material modules)"

    def ready(self):
        from accounts.records import register_personal_data_section
        from core.audit import register_audited_model
        from courses.disclosures import disclosures_shown_as_data
        from courses.models import (
            FacultyMember,
            LearningObjective,
            Module,
            ModuleCredit,
            Reference,
            Review,
            ReviewComment,
        )
        from courses.publishing import register_publication_check
        from courses.reviews import review_problems

        register_audited_model(
            Module,
            include_fields=[
                "status",
                "title",
                "slug",
                "summary",
                "target_audience",
                "estimated_minutes",
                "body",
                "release_date",
                "expiration_date",
                "last_reviewed_date",
                "pars_activity_id",
                "accreditation_statement",
                "commercial_support",
                "commercial_support_statement",
            ],
        )
        # What the module editor (courses.authoring) and the review workflow change
        for model in (
            LearningObjective,
            Reference,
            FacultyMember,
            ModuleCredit,
            Review,
            ReviewComment,
        ):
            register_audited_model(model)
        register_publication_check(review_problems, last=True)
        register_personal_data_section("disclosures_shown", disclosures_shown_as_data)
