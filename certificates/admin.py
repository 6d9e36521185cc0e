from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html

from certificates.exceptions import CertificateActionRefused
from certificates.issuance import retry_printing
from certificates.models import Certificate, CertificateEvent, CreditClaim, Evaluation
from core.admin import ReadOnlyAdmin, TabularInline


class CertificateEventInline(TabularInline):
    model = CertificateEvent
    fields = ["at", "kind", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PrintProblemFilter(admin.SimpleListFilter):
    title = "printing"
    parameter_name = "printing"

    def lookups(self, request, model_admin):
        return [("problem", "Cannot be printed")]

    def queryset(self, request, queryset):
        if self.value() == "problem":
            return queryset.exclude(print_problem="")
        return queryset


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder", "activity", "status", "issued_at", "problem", "manage"]
    list_filter = ["status", PrintProblemFilter]
    actions = ["print_again"]
    search_fields = ["number", "claim__learner__email", "claim__learner__last_name"]
    list_select_related = ["claim__learner"]
    readonly_fields = [
        "number", "status", "claim", "printed", "pdf", "created_at", "issued_at", "emailed_at",
        "last_queued_at", "superseded_by", "print_problem",
    ]  # fmt: skip
    exclude = ["verification_code"]
    inlines = [CertificateEventInline]

    @admin.display(description="Holder")
    def holder(self, obj):
        return obj.printed.get("learner_name")

    @admin.display(description="Activity")
    def activity(self, obj):
        return obj.printed.get("activity_title")

    @admin.display(description="Printing problem")
    def problem(self, obj):
        return obj.print_problem

    @admin.action(description="Print the selected certificates again (after fixing the problem)")
    def print_again(self, request, queryset):
        """Calls certificates.issuance.retry_printing for each selected certificate."""
        if not request.user.has_perm("certificates.reissue_certificate"):
            raise PermissionDenied
        for certificate in queryset.order_by("number"):
            try:
                retry_printing(certificate, by=request.user)
            except CertificateActionRefused as refusal:
                self.message_user(request, f"{certificate.number}: {refusal}", messages.WARNING)
            else:
                self.message_user(request, f"{certificate.number} queued to be printed again.")

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
