#!/usr/bin/env python
"""Stream the completion CSV of 100,000 and 1,000,000 claims and print time and peak memory.

    .venv/bin/python bench/export_memory.py [--rows 100000 1000000] [--modules 10]

For each size: a fresh PostgreSQL database (cme_bench_export) is migrated and filled with
COPY (learners with profiles, `--modules` modules with their post-tests, one passed attempt,
one claim and one issued certificate per learner and module: consistent rows, as the
product makes them). Then a separate Python process streams every row through the same
code the dashboard's download uses, `certificates.exports.completions_csv_response(filter)`
(PostgreSQL writes the rows: COPY ... TO STDOUT), reading the response to the end, twice:
- untraced, for the time and the process's peak resident memory (ru_maxrss) before and
  after the stream;
- under tracemalloc, for the peak of memory allocated by Python during the stream.
Constant memory shows as the same peak for both sizes. Every loop and wait is bounded.
"""

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import time
from decimal import Decimal

from _setup import REPO, bench_env, fresh_database

DATABASE = "cme_bench_export"
ENV = bench_env(
    DATABASE,
    CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
    CACHE_URL="redis://127.0.0.1:6379/12",
)
MEASURE_TIMEOUT = 1800  # seconds, for one measuring process
FIRST_NAMES = ("Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Priya", "Tomás")


# Filling ----------------------------------------------------------------------


def copy_model(cursor, model, varying: tuple[str, ...], rows, constants: dict) -> int:
    """COPY rows into the model's table. Each row gives the `varying` fields; every other
    concrete field takes `constants`, else the field's default, so a field added to the
    model later does not break the bench. Returns the number of rows copied."""
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    unknown = (set(varying) | set(constants)) - set(names)
    if unknown:
        raise SystemExit(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    template = []
    for field in fields:
        value = constants[field.attname] if field.attname in constants else field.get_default()
        template.append(json.dumps(value) if isinstance(value, dict | list) else value)
    positions = [names.index(name) for name in varying]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    count = 0
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for values in rows:
            row = template.copy()
            for position, value in zip(positions, values, strict=True):
                row[position] = value
            copy.write_row(row)
            count += 1
    return count


@contextlib.contextmanager
def without_keys_and_indexes(cursor, models):
    """Drop the tables' foreign keys, unique constraints and secondary indexes for the load
    and create them again after it: one bulk build and one validating query each, instead
    of work per row. Primary keys and check constraints stay."""
    tables = [model._meta.db_table for model in models]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype IN ('f', 'u') AND conrelid::regclass::text = ANY(%s)",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in sorted(constraints, key=lambda c: "FOREIGN" in c[2]):
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def next_id(cursor, model) -> int:
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
    return cursor.fetchone()[0]


def make_modules(count: int):
    """`count` published modules, each offering 1 AMA PRA Category 1 Credit™, with a
    post-test; returns [(module, post_test, snapshot)]."""
    from courses.models import Module, ModuleCredit, ModuleStatus
    from demo.content import ensure_ama_credit_type
    from quizzes.models import PostTest

    credit_type = ensure_ama_credit_type()
    today = datetime.date.today()
    made = []
    for n in range(count):
        module = Module.objects.create(
            title=f"Bench activity {n + 1}: dosing in renal impairment",
            slug=f"bench-activity-{n + 1}",
            summary="A module made by the export benchmark.",
            target_audience="Internists",
            estimated_minutes=30,
            body="An article.",
            release_date=today - datetime.timedelta(days=800),
            expiration_date=today + datetime.timedelta(days=300),
            status=ModuleStatus.PUBLISHED,
        )
        offering = ModuleCredit.objects.create(
            module=module, credit_type=credit_type, max_credits=Decimal("1.00")
        )
        post_test = PostTest.objects.create(module=module)
        made.append((module, post_test, offering.certificate_snapshot()))
    return credit_type, made


def fill(total: int, modules: int) -> None:
    """`total` claims with everything they hang on, in one transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Profile, User
    from certificates.models import Certificate, CreditClaim
    from quizzes.models import Attempt, Participation

    credit_type, made = make_modules(modules)
    learners = -(-total // modules)  # ceiling
    now = timezone.now()
    first_day = datetime.date.today() - datetime.timedelta(days=730)
    printed = [
        json.dumps({**snapshot, "learner_name": "Bench Learner", "learner_designation": "MD"})
        for _, _, snapshot in made
    ]
    snapshots = [json.dumps(snapshot) for _, _, snapshot in made]
    amounts = (Decimal("0.25"), Decimal("0.50"), Decimal("0.75"), Decimal("1.00"))
    module_ids = [module.pk for module, _, _ in made]
    post_test_ids = [post_test.pk for _, post_test, _ in made]

    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY
        user0 = next_id(cursor, User)
        profile0 = next_id(cursor, Profile)
        participation0 = next_id(cursor, Participation)
        attempt0 = next_id(cursor, Attempt)
        claim0 = next_id(cursor, CreditClaim)
        certificate0 = next_id(cursor, Certificate)

        loaded = (User, Profile, Participation, Attempt, CreditClaim, Certificate)
        with without_keys_and_indexes(cursor, loaded):  # back, validated, at the end
            copy_model(
                cursor,
                User,
                ("id", "email", "first_name", "last_name"),
                (
                    (user0 + i, f"learner{i}@bench.example.org", FIRST_NAMES[i % 8], f"Learner{i}")
                    for i in range(learners)
                ),
                {"password": "!", "date_joined": now, "is_active": True},
            )
            copy_model(
                cursor,
                Profile,
                ("id", "user_id", "certificate_name", "birth_month", "birth_day",
                 "reports_to_boards"),
                (
                    (profile0 + i, user0 + i, f"{FIRST_NAMES[i % 8]} Learner{i}", i % 12 + 1,
                     i % 28 + 1, i % 3 == 0)
                    for i in range(learners)
                ),
                {"designation": "MD", "time_zone": "America/Chicago", "updated_at": now},
            )  # fmt: skip

            # Claim k: learner k // modules on module k % modules.
            copy_model(
                cursor,
                Participation,
                ("id", "learner_id", "post_test_id"),
                (
                    (participation0 + k, user0 + k // modules, post_test_ids[k % modules])
                    for k in range(total)
                ),
                {"extra_attempts": 0, "created_at": now},
            )
            copy_model(
                cursor,
                Attempt,
                ("id", "participation_id", "learner_id", "post_test_id"),
                (
                    (attempt0 + k, participation0 + k, user0 + k // modules,
                     post_test_ids[k % modules])
                    for k in range(total)
                ),
                {"number": 1, "status": "graded", "started_at": now, "graded_at": now,
                 "score": Decimal("100"), "passed": True, "correct_count": 5,
                 "question_count": 5},
            )  # fmt: skip
            copy_model(
                cursor,
                CreditClaim,
                ("id", "learner_id", "module_id", "amount", "attempt_id", "completed_on",
                 "snapshot"),
                (
                    (claim0 + k, user0 + k // modules, module_ids[k % modules], amounts[k % 4],
                     attempt0 + k, first_day + datetime.timedelta(days=k % 730),
                     snapshots[k % modules])
                    for k in range(total)
                ),
                {"credit_type_id": credit_type.pk, "kind": "credit", "attested_at": now,
                 "claimed_at": now},
            )  # fmt: skip
            copy_model(
                cursor,
                Certificate,
                ("id", "claim_id", "number", "verification_code", "printed"),
                (
                    (certificate0 + k, claim0 + k, f"CME-BENCH-{k:08d}", f"bench-{k}",
                     printed[k % modules])
                    for k in range(total)
                ),
                {"status": "issued", "pdf": "certificates/bench.pdf", "created_at": now,
                 "issued_at": now, "emailed_at": now},
            )  # fmt: skip

        for model in loaded:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT MAX(id) FROM "{table}"))'
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# Measuring (in a process of its own) ------------------------------------------


def max_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def stream_once() -> tuple[int, int, float, float]:
    """Read the dashboard's CSV response to the end, as a client would; (data rows, bytes,
    seconds to the first chunk, seconds in all)."""
    from certificates.exports import completions_csv_response
    from certificates.reports import CompletionFilter

    start = time.perf_counter()
    response = completions_csv_response(CompletionFilter())
    size = lines = 0
    first = None
    for chunk in response:
        size += len(chunk)
        lines += chunk.count(b"\r\n")  # no value in these rows holds a line break
        first = first or time.perf_counter() - start
    response.close()
    return lines - 1, size, first, time.perf_counter() - start


def measure() -> None:
    import gc
    import tracemalloc

    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    gc.collect()
    rss_before = max_rss_mib()
    rows, size, first, seconds = stream_once()
    rss_after = max_rss_mib()

    gc.collect()
    tracemalloc.start()
    traced_rows, _, _, traced_seconds = stream_once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "rows": rows,
                "mib": size / 2**20,
                "first": first,
                "seconds": seconds,
                "rss_before": rss_before,
                "rss_after": rss_after,
                "traced_rows": traced_rows,
                "traced_seconds": traced_seconds,
                "peak": peak / 2**20,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--modules", type=int, default=10)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.update(ENV)
    if args.measure:
        measure()
        return

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"{'rows':>10} {'fill s':>8} {'CSV MiB':>8} {'1st chunk s':>11} {'stream s':>9} "
          f"{'rows/s':>9} "
          f"{'tracemalloc peak MiB':>21} {'ru_maxrss MiB before → after':>29}")  # fmt: skip
    for total in args.rows:
        connection.close()
        fresh_database(DATABASE)
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        fill(total, args.modules)
        fill_seconds = time.perf_counter() - start
        connection.close()

        child = subprocess.run(
            [sys.executable, __file__, "--measure"],
            cwd=REPO, env={**os.environ, **ENV}, capture_output=True, text=True,
            timeout=MEASURE_TIMEOUT, check=False,
        )  # fmt: skip
        if child.returncode:
            raise SystemExit(child.stderr)
        r = json.loads(child.stdout.strip().splitlines()[-1])
        if r["rows"] != total or r["traced_rows"] != total:
            raise SystemExit(f"expected {total} rows, streamed {r['rows']}")
        print(f"{r['rows']:>10,} {fill_seconds:>8.1f} {r['mib']:>8.1f} {r['first']:>11.1f} "
              f"{r['seconds']:>9.1f} {r['rows'] / r['seconds']:>9,.0f} {r['peak']:>21.2f} "
              f"{r['rss_before']:>15.1f} → {r['rss_after']:.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
