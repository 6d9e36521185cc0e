from django.contrib import admin


def state_fields_of(model) -> tuple[str, ...]:
    """The fields of `model` whose change belongs to a domain function (publication,
    archiving, a certificate's status, a claim, an attempt's outcome, a learner's consent),
    as the model declares them in its `STATE_FIELDS` attribute: () when it declares none."""
    return tuple(getattr(model, "STATE_FIELDS", ()))


class StateFieldsReadOnly:
    """Admin mix-in: the model's STATE_FIELDS are shown read-only in every change form and
    inline, so the only way to change them is the domain function with its checks and
    audit record (offered as admin actions or links). tests/core/test_admin_state.py
    walks every registered admin form to check that none is editable."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [f for f in state_fields_of(self.model) if f not in readonly]


class ModelAdmin(StateFieldsReadOnly, admin.ModelAdmin):
    """The project's ModelAdmin: state fields read-only (see StateFieldsReadOnly)."""


class TabularInline(StateFieldsReadOnly, admin.TabularInline):
    """The project's tabular inline: state fields read-only."""


class StackedInline(StateFieldsReadOnly, admin.StackedInline):
    """The project's stacked inline: state fields read-only."""


class ReadOnlyAdmin(ModelAdmin):
    """For records that change only through the domain functions (claims, issuance,
    attempt grants, disclosure records), never by editing rows in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _register_audit_log_admin():
    """django-auditlog's log, with the reason each decision was taken ("why") shown and
    searchable, and a filter by who did it."""
    from auditlog.admin import LogEntryAdmin
    from auditlog.models import LogEntry

    class AuditLogAdmin(LogEntryAdmin):
        list_display = ["created", "resource_url", "action", "msg_short", "user_url", "reason"]
        list_filter = [*LogEntryAdmin.list_filter, ("actor", admin.RelatedOnlyFieldListFilter)]
        search_fields = [*LogEntryAdmin.search_fields, "additional_data"]
        readonly_fields = [*LogEntryAdmin.readonly_fields, "reason"]
        fieldsets = [
            (None, {"fields": ["created", "user_url", "resource_url", "cid"]}),
            ("What and why", {"fields": ["action", "msg", "reason"]}),
        ]

        @admin.display(description="Why")
        def reason(self, obj):
            return (obj.additional_data or {}).get("reason", "")

    admin.site.unregister(LogEntry)
    admin.site.register(LogEntry, AuditLogAdmin)


_register_audit_log_admin()
