"""Authentication backends."""

import functools

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, router


class ModelBackendOneQuery(AuthenticationBackend):
    """django-allauth's backend (an account logs in with its e-mail address, in any case),
    reading the signed-in user and their permissions each with one precompiled statement
    instead of Django's ORM queries. Every page asks for both (the session's user, the
    staff two-step check and the navigation bar's roles), and building those ORM queries
    cost more CPU than anything else common to every request (about 0.8 ms of the 1 ms
    the two reads took, measured by bench/load/profile_pages.py). The statements read the
    same rows as before, on every request: nothing is cached across requests, so a
    permission withdrawn or an account deactivated counts from the next request.

    The name is kept from when it extended Django's ModelBackend: sessions store it."""

    def get_user(self, user_id):
        """The active user with primary key `user_id`, or None (unknown or inactive), as
        Django's ModelBackend answers; on PostgreSQL read with one precompiled statement."""
        user_model = get_user_model()
        alias = router.db_for_read(user_model)
        connection = connections[alias]
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        sql, names = _user_statement(alias)
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except (ValidationError, TypeError, ValueError):  # a session holding no primary key
            return None
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = user_model.from_db(alias, names, row)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """The user's own and group permissions as {"app_label.codename"}, read once per
        request (kept on the user object, as Django's backend does); a superuser holds
        every permission, an inactive or anonymous user none."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                user_obj._perm_cache = {
                    f"{app_label}.{codename}"
                    for app_label, codename in Permission.objects.values_list(
                        "content_type__app_label", "codename"
                    )
                }
            else:
                user_obj._perm_cache = _permissions_of(user_obj.pk)
        return user_obj._perm_cache


# The two statements below are put together from the models' own table and column names
# (never from a request); the values travel as parameters.


@functools.cache
def _user_statement(alias: str) -> tuple[str, list[str]]:
    """(SELECT of every concrete column of the user model by primary key, their attnames)."""
    user_model = get_user_model()
    quote = connections[alias].ops.quote_name
    fields = user_model._meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    table, pk = quote(user_model._meta.db_table), quote(user_model._meta.pk.column)
    sql = f"SELECT {columns} FROM {table} WHERE {pk} = %s"  # noqa: S608
    return sql, [field.attname for field in fields]


@functools.cache
def _permissions_statement(alias: str) -> str:
    """The permissions a user holds directly or through a group, as (app_label, codename)
    rows, for one user ID given twice; built once from the models' tables."""
    quote = connections[alias].ops.quote_name

    def table_and_columns(model, *fields):
        meta = model._meta
        return quote(meta.db_table), *(quote(meta.get_field(f).column) for f in fields)

    user_model = get_user_model()
    own_table, own_user, own_permission = table_and_columns(
        user_model.user_permissions.through,
        user_model._meta.model_name,
        "permission",
    )
    member_table, member_user, member_group = table_and_columns(
        user_model.groups.through,
        user_model._meta.model_name,
        "group",
    )
    granted_table, granted_group, granted_permission = table_and_columns(
        Group.permissions.through, "group", "permission"
    )
    type_table, type_id, app_label = table_and_columns(ContentType, "id", "app_label")
    permission_table, permission_id, permission_type, codename = table_and_columns(
        Permission, "id", "content_type", "codename"
    )
    return (
        f"SELECT DISTINCT t.{app_label}, p.{codename} FROM {permission_table} p "  # noqa: S608
        f"JOIN {type_table} t ON t.{type_id} = p.{permission_type} "
        f"WHERE p.{permission_id} IN ("
        f"SELECT {own_permission} FROM {own_table} WHERE {own_user} = %s "
        f"UNION SELECT g.{granted_permission} FROM {granted_table} g "
        f"JOIN {member_table} m ON m.{member_group} = g.{granted_group} "
        f"WHERE m.{member_user} = %s)"
    )


def _permissions_of(user_id) -> set[str]:
    """{"app_label.codename"} of every permission the user holds directly or by group."""
    alias = router.db_for_read(Permission)
    with connections[alias].cursor() as cursor:
        cursor.execute(_permissions_statement(alias), [user_id, user_id])
        return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
