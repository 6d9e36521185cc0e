from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ModelAdmin, ReadOnlyAdmin, TabularInline
from quizzes.models import (
    AttemptGrant,
    Choice,
    Participation,
    PostTest,
    Question,
    QuestionVersion,
)


class QuestionInline(TabularInline):
    model = Question
    extra = 0
    fields = ["position", "objective", "current_version", "is_active"]
    readonly_fields = ["current_version"]
    show_change_link = True


@admin.register(PostTest)
class PostTestAdmin(ModelAdmin):
    list_display = ["module", "passing_score", "max_attempts", "review_policy"]
    inlines = [QuestionInline]


class ChoiceInline(TabularInline):
    model = Choice
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuestionVersion)
class QuestionVersionAdmin(ReadOnlyAdmin):
    """Versions are written by the question editor (quizzes.authoring), which makes a new
    version once a version was answered, and keys are corrected by a regrade; here they are
    only read."""

    list_display = ["stem", "question", "number", "kind"]
    inlines = [ChoiceInline]


@admin.register(Question)
class QuestionAdmin(ModelAdmin):
    list_display = ["__str__", "post_test", "position", "is_active"]
    list_filter = ["post_test"]


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    """Learner support: find a learner's post-test and open the grant page."""

    list_display = ["learner", "post_test", "extra_attempts", "grant_link"]
    search_fields = ["learner__email", "learner__last_name", "post_test__module__title"]
    list_select_related = ["learner", "post_test__module"]
    readonly_fields = ["learner", "post_test", "extra_attempts", "created_at"]

    @admin.display(description="Attempts")
    def grant_link(self, obj):
        return format_html(
            '<a href="{}">Grant attempts…</a>', reverse("quizzes:grant", args=[obj.pk])
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AttemptGrant)
class AttemptGrantAdmin(ReadOnlyAdmin):
    list_display = ["participation", "kind", "attempts_added", "granted_by", "granted_at", "reason"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in AttemptGrant._meta.fields]
