from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Post-tests"

    def ready(self):
        from accounts.records import (
            register_learner_record_section,
            register_personal_data_section,
        )
        from core.audit import register_audited_model
        from courses.learner_status import register_catalog_status, register_module_page_context
        from courses.publishing import register_edition_copier, register_publication_check
        from quizzes import learner_data, publication, queries
        from quizzes.models import Attempt, Choice, Participation, PostTest

        register_audited_model(Choice, include_fields=["is_correct", "text"])
        # The settings learners are told before they start (quizzes.authoring).
        register_audited_model(
            PostTest,
            include_fields=[
                "passing_score",
                "max_attempts",
                "review_policy",
                "shuffle_questions",
                "shuffle_choices",
                "draw_per_objective",
                "draw_total",
                "attempt_delay",
            ],
        )
        register_audited_model(Participation, include_fields=["extra_attempts"])
        register_audited_model(Attempt, include_fields=["score", "passed", "correct_count"])
        register_personal_data_section("post_tests", learner_data.post_tests_as_data)
        register_learner_record_section("participations", learner_data.participations_for_record)
        register_publication_check(publication.post_test_problems)
        register_edition_copier(publication.copy_post_test_to_edition)
        register_catalog_status(queries.catalog_standings)
        register_module_page_context(queries.module_page_standing)
        # An attempt deleted with its learner leaves the tallies exact (quizzes.tallies).
        from django.db.models.signals import pre_delete

        from quizzes.tallies import withdraw_deleted_attempt

        pre_delete.connect(withdraw_deleted_attempt, sender=Attempt, dispatch_uid="quizzes.tallies")
