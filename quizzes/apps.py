from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Post-tests"

    def ready(self):
        from core.audit import register_audited_model
        from quizzes.models import Attempt, Choice, Participation

        register_audited_model(Choice, include_fields=["is_correct", "text"])
        register_audited_model(Participation, include_fields=["extra_attempts"])
        register_audited_model(Attempt, include_fields=["score", "passed", "correct_count"])
