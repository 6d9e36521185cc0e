from django.contrib import admin
from django.db import models

from cme_site.admin import ReadOnlyAdmin
from courses.models import (
    CreditType,
    DisclosureAcknowledgement,
    FacultyMember,
    FinancialRelationship,
    LearningObjective,
    Module,
    ModuleCredit,
    Reference,
    Topic,
)


class LearningObjectiveInline(admin.TabularInline):
    model = LearningObjective
    extra = 0
    ordering = ["position"]


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    ordering = ["position"]
    # A URL typed without a scheme is taken as https:// (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class FacultyMemberInline(admin.StackedInline):
    model = FacultyMember
    extra = 0
    ordering = ["position"]
    show_change_link = True


class ModuleCreditInline(admin.TabularInline):
    model = ModuleCredit
    extra = 0


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "edition", "status", "release_date", "expiration_date"]
    list_filter = ["status", "topics"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["published_at", "created_at", "updated_at"]
    filter_horizontal = ["topics"]
    inlines = [ModuleCreditInline, LearningObjectiveInline, FacultyMemberInline, ReferenceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "edition", "summary", "topics", "status", "is_demo"]}),
        ("Learners", {"fields": ["target_audience", "estimated_minutes"]}),
        ("Article", {"fields": ["body"]}),
        ("Accreditation", {"fields": ["accreditation_statement", "commercial_support_statement"]}),
        ("Dates", {"fields": ["release_date", "expiration_date", "last_reviewed_date"]}),
        ("Record", {"fields": ["published_at", "created_at", "updated_at"]}),
    ]
    view_on_site = True


class FinancialRelationshipInline(admin.TabularInline):
    model = FinancialRelationship
    extra = 0


@admin.register(FacultyMember)
class FacultyMemberAdmin(admin.ModelAdmin):
    list_display = ["display_name", "module", "role", "disclosure_status"]
    list_filter = ["disclosure_status", "role"]
    inlines = [FinancialRelationshipInline]


@admin.register(CreditType)
class CreditTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DisclosureAcknowledgement)
class DisclosureAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["learner", "module", "shown_at"]
    list_filter = ["module"]
    date_hierarchy = "shown_at"
