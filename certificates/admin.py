from django.contrib import admin
from django.utils.html import format_html

from certificates.models import Certificate, CertificateEvent, CreditClaim, Evaluation
from cme_site.admin import ReadOnlyAdmin, TabularInline


class CertificateEventInline(TabularInline):
    model = CertificateEvent
    fields = ["at", "kind", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder", "activity", "status", "issued_at", "manage"]
    list_filter = ["status"]
    search_fields = ["number", "claim__learner__email", "claim__learner__last_name"]
    list_select_related = ["claim__learner"]
    readonly_fields = [
        "number", "status", "claim", "printed", "pdf", "created_at", "issued_at", "emailed_at",
        "last_queued_at", "superseded_by",
    ]  # fmt: skip
    exclude = ["verification_code"]
    inlines = [CertificateEventInline]

    @admin.display(description="Holder")
    def holder(self, obj):
        return obj.printed.get("learner_name")

    @admin.display(description="Activity")
    def activity(self, obj):
        return obj.printed.get("activity_title")

    @admin.display(description="Revoke / re-issue")
    def manage(self, obj):
        return format_html('<a href="{}">Open…</a>', obj.get_absolute_url())


@admin.register(CreditClaim)
class CreditClaimAdmin(ReadOnlyAdmin):
    list_display = ["learner", "module", "credit_type", "kind", "amount", "completed_on"]
    list_filter = ["kind", "credit_type", "module"]
    search_fields = ["learner__email", "learner__last_name"]
    date_hierarchy = "completed_on"


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["module", "learner", "free_of_commercial_bias", "overall_quality"]
    list_filter = ["module", "free_of_commercial_bias"]
