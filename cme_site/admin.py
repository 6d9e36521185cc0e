from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
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
