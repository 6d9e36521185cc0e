from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import BoardIdentifier, Profile, User
from core.admin import ModelAdmin, StackedInline


class ProfileInline(StackedInline):
    model = Profile
    can_delete = False
    readonly_fields = ["reports_to_boards_changed_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(BoardIdentifier)
class BoardIdentifierAdmin(ModelAdmin):
    list_display = ["profile", "board", "identifier"]
    list_filter = ["board"]
