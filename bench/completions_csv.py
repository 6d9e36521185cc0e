#!/usr/bin/env python
"""The completions CSV and Excel export of a million rows against PostgreSQL's own COPY.

    flock /tmp/cme-bench.lock .venv/bin/python bench/completions_csv.py
        [--rows 1000000] [--modules 10] [--reuse] [--xlsx-rows 1000000] [--rounds 5]

A PostgreSQL database of its own (cme_reports) is filled with `--rows` claims, each with
its learner, profile, attempt and issued certificate (bench/export_memory.py's `fill`:
COPY, consistent rows); `--reuse` keeps a database that already holds exactly that many
completions. Then, in a separate Python process:

1. the floor: `COPY (<the completion report's query>) TO STDOUT (FORMAT csv)`, the same
   rows and columns straight from PostgreSQL, read to the end through psycopg;
2. the download: the response the CME administrator's dashboard returns for
   `?format=csv` (`certificates.exports.completions_csv_response`), read to the end as a
   client would: seconds to its first bytes, to its first data row and to its end;

alternately, `--rounds` times each, printing every round; the verdict uses the median of
the rounds' ratios (each download against the COPY run just before it, under the same
load), and the fastest of each is printed beside it. Then the download once more under
tracemalloc (peak Python memory), and the process's peak RSS before and after. Then, in
another process, the Excel export of `--xlsx-rows` rows
(`certificates.exports.write_xlsx(completion_rows(...))`, what the export job runs) into a
temporary file; with fewer rows than the target's million, the time for a million is
printed as a projection and labelled so. Targets (issue 15): first bytes within 1 s,
whole CSV within 1.5 x COPY, Excel of a million rows within 60 s.
Every loop is bounded by the rows in the database; every child process has a timeout.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from _setup import REPO, bench_env, fresh_database

DATABASE = "cme_reports"
ENV = bench_env(
    DATABASE,
    CELERY_BROKER_URL="redis://127.0.0.1:6379/10",
    CACHE_URL="redis://127.0.0.1:6379/10",
)
CHILD_TIMEOUT = 900  # seconds, for one measuring process
FIRST_BYTES_TARGET = 1.0  # seconds
COPY_RATIO_TARGET = 1.5
XLSX_TARGET = 60.0  # seconds for a million rows
MILLION = 1_000_000


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# Measuring (each in a process of its own) ---------------------------------------------


def copy_floor() -> tuple[int, int, float]:
    """PostgreSQL's own COPY of the report's rows and columns, unformatted, read to the end
    through psycopg: (rows, bytes, seconds)."""
    from django.db import connection

    from certificates.reports import COMPLETION_COLUMNS, CompletionFilter, completions

    lookups = [lookup for _, lookup in COMPLETION_COLUMNS]
    sql, params = completions(CompletionFilter()).values_list(*lookups).query.sql_with_params()
    connection.ensure_connection()
    rows = size = 0
    start = time.perf_counter()
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    with connection.cursor() as wrapper, wrapper.cursor.copy(statement, params) as copy:
        for data in copy:
            rows += 1
            size += len(data)
    return rows, size, time.perf_counter() - start


def download() -> tuple[int, int, float, float, float]:
    """The dashboard's CSV response read to the end: (data rows, bytes, seconds to the first
    bytes, seconds to the first data row, seconds in all)."""
    from django.db import connection

    from certificates.exports import completions_csv_response
    from certificates.reports import CompletionFilter

    connection.ensure_connection()
    start = time.perf_counter()
    response = completions_csv_response(CompletionFilter())
    size = lines = 0
    first = first_row = None
    for chunk in response:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
        if first is None:
            first = time.perf_counter() - start
        if first_row is None and lines > 1:
            first_row = time.perf_counter() - start
    response.close()
    return lines - 1, size, first, first_row, time.perf_counter() - start


def measure_csv(rounds: int) -> dict:
    import gc
    import tracemalloc

    floors, ours = [], []
    rss_before = max_rss_mib()
    for _ in range(rounds):
        floors.append(copy_floor())
        ours.append(download())
    rss_after = max_rss_mib()
    gc.collect()
    tracemalloc.start()
    traced = download()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "floors": floors,
        "ours": ours,
        "traced_rows": traced[0],
        "peak": peak / 2**20,
        "rss_before": rss_before,
        "rss_after": rss_after,
    }


def measure_xlsx(limit: int) -> dict:
    import itertools

    from certificates.exports import write_xlsx
    from certificates.reports import CompletionFilter, completion_rows

    rss_before = max_rss_mib()
    rows = 0

    def counted(iterable):
        nonlocal rows
        for row in iterable:
            rows += 1
            yield row

    with tempfile.TemporaryFile() as file:
        start = time.perf_counter()
        write_xlsx(counted(itertools.islice(completion_rows(CompletionFilter()), limit + 1)), file)
        seconds = time.perf_counter() - start
        size = file.tell()
    return {
        "rows": rows - 1,
        "seconds": seconds,
        "mib": size / 2**20,
        "rss_before": rss_before,
        "rss_after": max_rss_mib(),
    }


def child(what: str, argument: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", what, str(argument)],
        cwd=REPO, env={**os.environ, **ENV}, capture_output=True, text=True,
        timeout=CHILD_TIMEOUT, check=False,
    )  # fmt: skip
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


# Filling ------------------------------------------------------------------------------


def completions_in_database() -> int | None:
    import psycopg
    from _setup import PG

    try:
        with psycopg.connect(f"{PG}/{DATABASE}", connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM certificates_creditclaim").fetchone()[0]
    except psycopg.Error:
        return None


def prepare(total: int, modules: int, reuse: bool) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from export_memory import fill

    if reuse and completions_in_database() == total:
        print(f"database {DATABASE}: reusing its {total:,} completions", flush=True)
        return
    connection.close()
    fresh_database(DATABASE)
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    fill(total, modules)
    connection.close()
    print(f"database {DATABASE}: filled with {total:,} completions in "
          f"{time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=MILLION)
    parser.add_argument("--modules", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep a filled database")
    parser.add_argument("--xlsx-rows", type=int, default=MILLION)
    parser.add_argument("--rounds", type=int, default=5, choices=range(1, 10))
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.update(ENV)
    if args.measure:
        import django

        django.setup()
        what, argument = args.measure[0], int(args.measure[1])
        result = measure_csv(argument) if what == "csv" else measure_xlsx(argument)
        print(json.dumps(result))
        return

    prepare(args.rows, args.modules, args.reuse)
    if args.fill_only:
        return

    r = child("csv", args.rounds)
    for n, (floor, ours) in enumerate(zip(r["floors"], r["ours"], strict=True), start=1):
        if floor[0] != args.rows or ours[0] != args.rows:
            raise SystemExit(f"expected {args.rows} rows: COPY {floor[0]}, CSV {ours[0]}")
        print(f"round {n}: COPY TO STDOUT {floor[2]:.2f} s ({floor[1] / 2**20:.1f} MiB); "
              f"our CSV first bytes {ours[2]:.3f} s, first data row {ours[3]:.2f} s, "
              f"whole {ours[4]:.2f} s ({ours[1] / 2**20:.1f} MiB)", flush=True)  # fmt: skip
    ratios = sorted(o[4] / f[2] for f, o in zip(r["floors"], r["ours"], strict=True))
    ratio = ratios[len(ratios) // 2]
    floor = min(f[2] for f in r["floors"])
    first = max(o[2] for o in r["ours"])
    whole = min(o[4] for o in r["ours"])
    print(f"rows: {args.rows:,}")
    print(f"COPY TO STDOUT (floor), fastest of {args.rounds}: {floor:.2f} s")
    print(
        f"our CSV first bytes, slowest of {args.rounds}: {first:.3f} s "
        f"(target {FIRST_BYTES_TARGET:.0f} s): {verdict(first <= FIRST_BYTES_TARGET)}"
    )
    print(f"our CSV first data row, fastest of {args.rounds}: {min(o[3] for o in r['ours']):.2f} s")
    print(
        f"our CSV whole, fastest of {args.rounds}: {whole:.2f} s "
        f"(fastest / fastest COPY: {whole / floor:.2f})"
    )
    print(
        f"CSV / COPY, each round against the COPY just before it: "
        f"{', '.join(f'{x:.2f}' for x in ratios)}; median {ratio:.2f} "
        f"(target {COPY_RATIO_TARGET}): {verdict(ratio <= COPY_RATIO_TARGET)}"
    )
    print(f"CSV peak Python memory (tracemalloc): {r['peak']:.2f} MiB; process peak RSS "
          f"{r['rss_before']:.1f} MiB before, {r['rss_after']:.1f} MiB after")  # fmt: skip

    x = child("xlsx", args.xlsx_rows)
    print(
        f"Excel: {x['rows']:,} rows in {x['seconds']:.1f} s ({x['mib']:.1f} MiB file); "
        f"process peak RSS {x['rss_before']:.1f} MiB before, {x['rss_after']:.1f} MiB after"
    )
    if x["rows"] >= MILLION:
        seconds = x["seconds"] * MILLION / x["rows"]
        print(
            f"Excel, 1,000,000 rows: {seconds:.1f} s (target {XLSX_TARGET:.0f} s): "
            f"{verdict(seconds <= XLSX_TARGET)}"
        )
    else:
        seconds = x["seconds"] * MILLION / max(x["rows"], 1)
        print(
            f"Excel, 1,000,000 rows: PROJECTION from {x['rows']:,} rows: {seconds:.0f} s "
            f"(target {XLSX_TARGET:.0f} s): {verdict(seconds <= XLSX_TARGET)} (projected)"
        )


if __name__ == "__main__":
    main()
