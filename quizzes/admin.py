from django.contrib import admin

from quizzes.models import Choice, PostTest, Question, QuestionVersion


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "objective", "current_version", "is_active"]
    readonly_fields = ["current_version"]
    show_change_link = True


@admin.register(PostTest)
class PostTestAdmin(admin.ModelAdmin):
    list_display = ["module", "passing_score", "max_attempts", "review_policy"]
    inlines = [QuestionInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(QuestionVersion)
class QuestionVersionAdmin(admin.ModelAdmin):
    list_display = ["stem", "question", "number", "kind"]
    inlines = [ChoiceInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "post_test", "position", "is_active"]
    list_filter = ["post_test"]
