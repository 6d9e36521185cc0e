from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models

from core.admin import ModelAdmin, ReadOnlyAdmin, StackedInline, TabularInline
from courses.credit_rules import accreditation_statement
from courses.exceptions import ModuleActionRefused, PublishRefused
from courses.models import (
    CreditType,
    DisclosedRelationship,
    DisclosureAcknowledgement,
    DisclosureInvitation,
    DisclosureRecord,
    FacultyMember,
    FinancialRelationship,
    LearningObjective,
    Module,
    ModuleCredit,
    Reference,
    RelationshipReview,
    Topic,
)
from courses.publishing import archive_module, create_new_edition, publish_module


class LearningObjectiveInline(TabularInline):
    model = LearningObjective
    extra = 0
    ordering = ["position"]


class ReferenceInline(TabularInline):
    model = Reference
    extra = 0
    ordering = ["position"]
    # A URL typed without a scheme is taken as https:// (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class FacultyMemberInline(StackedInline):
    model = FacultyMember
    extra = 0
    ordering = ["position"]
    show_change_link = True


class ModuleCreditInline(TabularInline):
    model = ModuleCredit
    extra = 0


def _run_module_action(modeladmin, request, queryset, action, done: str):
    """Apply one courses.publishing function to each selected module, reporting each
    refusal with its reasons; nothing is changed any other way."""
    if not request.user.has_perm("courses.publish_module"):
        raise PermissionDenied
    for module in queryset.order_by("title"):
        try:
            result = action(module, by=request.user)
        except PublishRefused as refusal:
            modeladmin.message_user(
                request,
                f"“{module.title}” was not published: " + " ".join(refusal.problems),
                messages.ERROR,
            )
        except ModuleActionRefused as refusal:
            modeladmin.message_user(request, f"“{module.title}”: {refusal}", messages.ERROR)
        else:
            modeladmin.message_user(
                request, done.format(title=result.title, edition=result.edition)
            )


@admin.register(Module)
class ModuleAdmin(ModelAdmin):
    list_display = ["title", "edition", "status", "release_date", "expiration_date"]
    list_filter = ["status", "topics"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    filter_horizontal = ["topics"]
    inlines = [ModuleCreditInline, LearningObjectiveInline, FacultyMemberInline, ReferenceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "edition", "summary", "topics", "status", "is_demo"]}),
        ("Learners", {"fields": ["target_audience", "estimated_minutes"]}),
        ("Article", {"fields": ["body"]}),
        (
            "Accreditation",
            {
                "fields": [
                    "accreditation_statement",
                    "pars_activity_id",
                    "commercial_support",
                    "commercial_support_statement",
                ]
            },
        ),
        ("Dates", {"fields": ["release_date", "expiration_date", "last_reviewed_date"]}),
        ("Record", {"fields": ["published_at", "created_at", "updated_at"]}),
    ]
    actions = ["publish_selected", "archive_selected", "new_edition_of_selected"]
    view_on_site = True

    def get_changeform_initial_data(self, request):
        """A new module starts with the provider's accreditation statement (the Joint
        Accreditation one for a jointly accredited provider)."""
        return {
            **super().get_changeform_initial_data(request),
            "accreditation_statement": accreditation_statement(
                provider=settings.CME_PROVIDER_NAME,
                jointly_accredited=settings.CME_JOINTLY_ACCREDITED,
            ),
        }

    @admin.action(description="Publish the selected modules (after the publish checks)")
    def publish_selected(self, request, queryset):
        _run_module_action(self, request, queryset, publish_module, "Published “{title}”.")

    @admin.action(description="Archive the selected modules")
    def archive_selected(self, request, queryset):
        _run_module_action(self, request, queryset, archive_module, "Archived “{title}”.")

    @admin.action(description="Create a new edition of the selected modules, as drafts")
    def new_edition_of_selected(self, request, queryset):
        _run_module_action(
            self,
            request,
            queryset,
            create_new_edition,
            "Edition {edition} of “{title}” created as a draft.",
        )


class FinancialRelationshipInline(TabularInline):
    model = FinancialRelationship
    extra = 0


@admin.register(FacultyMember)
class FacultyMemberAdmin(ModelAdmin):
    list_display = ["display_name", "module", "role", "disclosure_status"]
    list_filter = ["disclosure_status", "role"]
    inlines = [FinancialRelationshipInline]


@admin.register(CreditType)
class CreditTypeAdmin(ModelAdmin):
    list_display = ["name", "code", "position"]


@admin.register(Topic)
class TopicAdmin(ModelAdmin):
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DisclosureAcknowledgement)
class DisclosureAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["learner", "module", "shown_at"]
    list_filter = ["module"]
    date_hierarchy = "shown_at"


# Disclosure collection: the records kept for the accreditor, written only by
# courses.disclosure_collection; here to be read.


@admin.register(DisclosureInvitation)
class DisclosureInvitationAdmin(ReadOnlyAdmin):
    list_display = ["faculty_member", "email", "invited_by", "invited_at", "opened_at", "voided_at"]
    list_filter = ["is_renewal"]
    search_fields = ["faculty_member__name", "email"]
    date_hierarchy = "invited_at"


@admin.register(DisclosureRecord)
class DisclosureRecordAdmin(ReadOnlyAdmin):
    list_display = ["faculty_member", "has_relationships", "signature", "submitted_at"]
    list_filter = ["has_relationships"]
    search_fields = ["faculty_member__name", "signature"]
    date_hierarchy = "submitted_at"


@admin.register(DisclosedRelationship)
class DisclosedRelationshipAdmin(ReadOnlyAdmin):
    list_display = ["company", "nature", "ended_on", "record"]
    search_fields = ["company", "record__faculty_member__name"]


@admin.register(RelationshipReview)
class RelationshipReviewAdmin(ReadOnlyAdmin):
    list_display = ["relationship", "is_relevant", "mitigation", "reviewed_by", "reviewed_at"]
    list_filter = ["is_relevant"]
