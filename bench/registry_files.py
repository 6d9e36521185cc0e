#!/usr/bin/env python
"""Build the PARS and CPE Monitor files (tab-delimited text and Excel) for 10,000 and
100,000 completions and print the time and peak memory of each.

    .venv/bin/python bench/registry_files.py [--records 10000 100000]

The records are generated (the dicts reporting.deliveries.delivery_record makes; no
database): each one is made when the writer asks for it, as rows come from a database
cursor. For each size and registry a separate Python process writes both files through
reporting.registries.columns.write_registry_files, the function the file transport uses,
twice:
- untraced, for the time and the process's peak resident memory (ru_maxrss) before and
  after;
- under tracemalloc, for the peak of memory Python allocated during the write.
Flat memory shows as the same peaks for both sizes. Every child process has a time limit.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from _setup import REPO, bench_env

CHILD_TIMEOUT = 1800  # seconds for one measuring process
FIRST_NAMES = ("Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Priya", "Tomás")
LAST_NAMES = ("Okafor", "Nguyen", "Schmidt", "García", "O'Neil", "Kowalski", "Haddad")


def pars_records(count: int):
    for number in range(1, count + 1):
        yield {
            "provider_id": "1234567",
            "activity_id": f"{202600000 + number % 50:09d}",
            "first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[number % len(LAST_NAMES)],
            "birth_month": number % 12 + 1,
            "birth_day": number % 28 + 1,
            "completed_on": f"2026-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
            "credit_id_domain": "ABIM",
            "credit_id_value": f"{100000 + number}",
            "credit_kind": "moc-points",
            "moc_board": "ABIM",
            "moc_category": "MK",
            "amount": f"{(number % 8 + 1) * 0.25:.2f}",
            "action": "add",
            "delivery_id": number,
        }


def cpe_monitor_records(count: int):
    for number in range(1, count + 1):
        yield {
            "epid": f"{1000000 + number}",
            "birth_mmdd": f"{number % 12 + 1:02d}{number % 28 + 1:02d}",
            "uan": "JA4008162-0000-26-123-H01-P",
            "completed_on": f"2026-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
            "contact_hours": "1.50",
            "action": "add",
            "delivery_id": number,
        }


def measure(registry: str, count: int, traced: bool) -> dict:
    """In the child: write both files for `count` generated records; return the figures."""
    import resource
    import tracemalloc

    import django

    django.setup()
    from reporting.registries import cpe_monitor, pars
    from reporting.registries.columns import write_registry_files

    layout, records = {
        "pars": (pars, pars_records),
        "cpe_monitor": (cpe_monitor, cpe_monitor_records),
    }[registry]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryFile() as tsv, tempfile.TemporaryFile() as xlsx:
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        written = write_registry_files(
            layout.COLUMNS, records(count), tsv=tsv, xlsx=xlsx, title=layout.SHEET_TITLE
        )
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        sizes = (tsv.seek(0, os.SEEK_END), xlsx.seek(0, os.SEEK_END))
    return {
        "written": written.count,
        "refused": len(written.refused),
        "seconds": seconds,
        "tracemalloc_peak_mib": peak / 2**20 if peak is not None else None,
        "rss_before_mib": rss_before / 1024,
        "rss_after_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tsv_mib": sizes[0] / 2**20,
        "xlsx_mib": sizes[1] / 2**20,
    }


def run_child(registry: str, count: int, traced: bool) -> dict:
    env = {**os.environ, **bench_env("cme_bench_unused")}
    command = [sys.executable, __file__, "--child", registry, str(count)]
    if traced:
        command.append("--traced")
    result = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=2, metavar=("REGISTRY", "COUNT"))
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        registry, count = args.child
        print(json.dumps(measure(registry, int(count), args.traced)))
        return

    print(
        f"{'registry':<12} {'records':>8} {'seconds':>8} {'rec/s':>8} "
        f"{'py peak MiB':>11} {'RSS before':>10} {'RSS after':>9} {'TSV MiB':>8} {'XLSX MiB':>8}"
    )
    for registry in ("pars", "cpe_monitor"):
        for count in args.records:
            plain = run_child(registry, count, traced=False)
            traced = run_child(registry, count, traced=True)
            assert plain["written"] == count and plain["refused"] == 0, plain
            print(
                f"{registry:<12} {count:>8,} {plain['seconds']:>8.2f} "
                f"{count / plain['seconds']:>8,.0f} {traced['tracemalloc_peak_mib']:>11.2f} "
                f"{plain['rss_before_mib']:>10.1f} {plain['rss_after_mib']:>9.1f} "
                f"{plain['tsv_mib']:>8.2f} {plain['xlsx_mib']:>8.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
