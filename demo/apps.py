from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demonstration content (`manage.py load_demo_content`): a published module with its
    post-test, built through the domain functions of courses and quizzes. The top floor:
    no app imports it."""

    name = "demo"
    verbose_name = "Demonstration content"
