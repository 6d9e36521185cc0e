"""Sessions in the database, as Django's `db` engine keeps them, read with one precompiled
statement (SESSION_ENGINE = "core.sessions").

Every request of a signed-in visitor reads its session. Django's engine builds an ORM query
for it each time, which cost about 0.2 ms of CPU against 0.04 ms for the same statement
prepared once (bench/load/profile_pages.py). The rows, their expiry and everything that
writes them (log-in, log-out, a password change, `clearsessions`) stay Django's: a session
ended on the server is gone from the next request on, as before.
"""

import functools

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    """Django's database session store with a cheaper read of the current session."""

    def load(self) -> dict:
        """The session's data, or {} (and no session key) when the key is unknown, expired
        or its data does not verify, as Django's store answers."""
        if self.session_key is None:
            return {}
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        if connection.vendor != "postgresql":
            return super().load()
        with connection.cursor() as cursor:
            cursor.execute(
                _session_statement(alias),
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])


@functools.cache
def _session_statement(alias: str) -> str:
    """SELECT of an unexpired session's data by key, from the model's own table and
    column names (never from a request)."""
    model = SessionStore.get_model_class()
    quote = connections[alias].ops.quote_name
    data, key, expiry = (
        quote(model._meta.get_field(name).column)
        for name in ("session_data", "session_key", "expire_date")
    )
    table = quote(model._meta.db_table)
    return f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608
