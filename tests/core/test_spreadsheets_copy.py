"""core.spreadsheets.query_csv: a CSV that PostgreSQL writes (COPY), byte for byte what the
Python writer (`csv_with_bom` of the same rows) writes, streamed as it is written."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.pq import TransactionStatus

from accounts.models import Profile, User
from core import spreadsheets
from core.spreadsheets import BOM, csv_text, query_csv, query_csv_response

pytestmark = pytest.mark.django_db

COLUMNS = (
    ("Last name", "last_name"),
    ("First name", "first_name"),
    ("E-mail", "email"),
    ("Month of birth", "profile__birth_month"),  # an integer, NULL without a profile
)

# Values that have tripped CSV writers and spreadsheet programs.
AWKWARD = [
    '=HYPERLINK("http://x","click")',
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\t=1",
    "\r=1",
    "-0.3000",  # a plain signed number stays as it is
    "+1",
    "-",
    "+",
    "-١٢",  # Arabic-Indic digits: not a plain number, so neutralized
    "'already quoted",
    'Say "hi"',
    "a,b",
    "two\nlines",
    "cr\r\nlf",
    "trailing\n",
    "\\.",
    "Núñez",
    "王小明",
    "Ólafsdóttir 🙂",
    "",
    " leading and trailing ",
    "O'Brien",
]


def python_csv(queryset, columns) -> bytes:
    """What the Python writer makes of the same rows: the reference."""
    lookups = [lookup for _, lookup in columns]
    rows = [[header for header, _ in columns], *queryset.values_list(*lookups)]
    return (BOM + "".join(csv_text(rows))).encode()


def make_users(names: list[tuple[str, str]], *, prefix: str = "u") -> list[int]:
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", first_name=first, last_name=last, password="!")
        for n, (first, last) in enumerate(names)
    )
    return [user.pk for user in users]


def test_awkward_text_is_written_as_the_python_writer_writes_it():
    pks = make_users([(value, value) for value in AWKWARD])
    Profile.objects.create(user_id=pks[0], birth_month=7)  # the others have no profile
    queryset = User.objects.filter(pk__in=pks).order_by("pk")

    written = b"".join(query_csv(queryset, COLUMNS))

    assert written == python_csv(queryset, COLUMNS)
    lines = written.decode().split("\r\n")
    assert lines[0] == BOM + "Last name,First name,E-mail,Month of birth"
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""click"")",' * 2 + "u0@example.org,7"
    assert "'-2+3,'-2+3,u2@example.org," in written.decode()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
            st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "-1", "+0.5", '"', "\n"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_text_is_written_as_the_python_writer_writes_it(values):
    # Each value is random text after a prefix that a spreadsheet or a CSV reader minds.
    pks = make_users(
        [(prefix + text, text + prefix) for text, prefix in values],
        prefix=f"h{User.objects.count()}-",
    )
    queryset = User.objects.filter(pk__in=pks).order_by("pk")

    assert b"".join(query_csv(queryset, COLUMNS)) == python_csv(queryset, COLUMNS)


def test_the_header_comes_before_the_query_runs_and_rows_while_it_runs(monkeypatch):
    monkeypatch.setattr(spreadsheets, "COPY_CHUNK_BYTES", 1)  # one row per chunk
    pks = make_users([("Ana", f"Row{n}") for n in range(5)])
    queryset = User.objects.filter(pk__in=pks).order_by("pk")
    connection.ensure_connection()
    status = connection.connection.info  # psycopg's view of the connection

    chunks = query_csv(queryset, COLUMNS)

    assert next(chunks) == (BOM + "Last name,First name,E-mail,Month of birth\r\n").encode()
    assert status.transaction_status == TransactionStatus.INTRANS  # nothing running yet
    assert next(chunks) == b"Row0,Ana,u0@example.org,\r\n"
    # The first row is in hand while the COPY is still going: the rest is not fetched.
    assert status.transaction_status == TransactionStatus.ACTIVE
    assert list(chunks) == [f"Row{n},Ana,u{n}@example.org,\r\n".encode() for n in range(1, 5)]
    assert status.transaction_status == TransactionStatus.INTRANS


def test_a_download_stopped_halfway_leaves_the_connection_usable(monkeypatch):
    monkeypatch.setattr(spreadsheets, "COPY_CHUNK_BYTES", 1)
    pks = make_users([("Ana", f"Row{n}") for n in range(5)])
    queryset = User.objects.filter(pk__in=pks).order_by("pk")
    chunks = query_csv(queryset, COLUMNS)
    next(chunks), next(chunks)

    chunks.close()  # what closing the response does when the client goes away

    assert User.objects.filter(pk__in=pks).count() == 5
    assert b"".join(query_csv(queryset, COLUMNS)).count(b"\r\n") == 6


def test_a_download_carries_its_name_and_type():
    queryset = User.objects.filter(pk__in=make_users([("Ana", "Lima")]))

    response = query_csv_response(queryset, COLUMNS, filename="people.csv")

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert b"".join(response.streaming_content).endswith(b"Lima,Ana,u0@example.org,\r\n")


def test_a_column_without_a_rule_in_sql_is_refused_rather_than_written_differently():
    # Python writes "2025-03-01 10:00:00+00:00" for a timestamp; PostgreSQL would not.
    make_users([("Ana", "Lima")])
    User.objects.update(date_joined=datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC))

    with pytest.raises(ValueError, match="No CSV rule in SQL for a DateTimeField column"):
        b"".join(query_csv(User.objects.all(), [("Joined", "date_joined")]))


def test_a_database_without_copy_gets_the_same_file_from_the_python_writer(monkeypatch):
    # SQLite, the embedded default, has no COPY: the rows go through csv_text instead.
    pks = make_users([(value, value) for value in AWKWARD[:8]])
    queryset = User.objects.filter(pk__in=pks).order_by("pk")
    from_postgresql = b"".join(query_csv(queryset, COLUMNS))
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with CaptureQueriesContext(connection) as queries:
        written = b"".join(query_csv(queryset, COLUMNS))

    assert [q["sql"][:7] for q in queries] == ["DECLARE"]  # a cursor, no COPY
    assert written == from_postgresql == python_csv(queryset, COLUMNS)
