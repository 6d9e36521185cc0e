"""The Excel export's writer against its predecessors, in the same run.

Writes N rows shaped like the completion report (12 columns: a date, names, an e-mail, a
title, an integer, a decimal amount, a number, choices) to an XLSX file in a temporary
folder with core.spreadsheets.write_xlsx (rustpy-xlsxwriter, constant memory), with
XlsxWriter in constant-memory mode cell by cell (the site's writer before) and with
openpyxl's write-only mode (the one before that), and prints the time, the file size and
the peak Python memory (tracemalloc) of each, the ratios, and the time for a million rows
(measured when N is a million, else a projection, labelled so). Issue 15's target: a
million rows within 60 s. Bench-only packages: requirements-bench.txt.

    flock /tmp/cme-bench.lock .venv/bin/python bench/xlsx_export.py            # 100,000
    flock /tmp/cme-bench.lock .venv/bin/python bench/xlsx_export.py 1000000    # a million
"""

import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cme_site.settings.test")

import django

django.setup()

from openpyxl import Workbook  # noqa: E402

from core.spreadsheets import neutralize, write_xlsx  # noqa: E402

HEADER = ("Completed on", "Last name", "First name", "E-mail", "Profession", "Activity",
          "Edition", "Credit type", "Certificate kind", "Credits", "Certificate number",
          "Certificate status")  # fmt: skip
TARGET = 60.0  # seconds for a million rows
MILLION = 1_000_000
CHILD_TIMEOUT = 900  # seconds for one writer


def rows(count: int):
    yield HEADER
    start = datetime.date(2026, 1, 1)
    for n in range(count):
        yield (
            start + datetime.timedelta(days=n % 365), f"Núñez{n}", "María", f"l{n}@example.com",
            "MD", "Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis", 1,
            "AMA PRA Category 1 Credit™", "credit", Decimal("0.25"), f"CME-2026-{n:08X}",
            "issued",
        )  # fmt: skip


def with_xlsxwriter(data, path):
    """The site's writer until issue 15: XlsxWriter, constant memory, one call per cell."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "strings_to_formulas": False,
        },
    )
    sheet = workbook.add_worksheet("Completions")
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for number, row in enumerate(data):
        for column, value in enumerate(row):
            value = neutralize(value)
            if number == 0:
                sheet.write(0, column, value, bold)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(number, column, value, day)
            elif isinstance(value, str):
                sheet.write_string(number, column, value)
            else:
                sheet.write(number, column, float(value) if isinstance(value, Decimal) else value)
    workbook.close()  # fmt: skip


def with_openpyxl(data, path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Completions")
    for row in data:
        sheet.append(list(row))
    workbook.save(path)


def with_site_writer(data, path):
    with open(path, "wb") as file:
        write_xlsx(data, file, title="Completions")


def measure(name: str, count: int) -> dict:
    """One writer on `count` rows in this process: seconds (untraced), file size, and the
    process's peak resident memory before and after."""
    writer = dict(WRITERS)[name]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xlsx"
        rss_before = max_rss_mib()
        began = time.perf_counter()
        writer(rows(count), path)
        elapsed = time.perf_counter() - began
        return {"seconds": elapsed, "size": path.stat().st_size, "rss_before": rss_before,
                "rss_after": max_rss_mib()}  # fmt: skip


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


WRITERS = (
    ("site writer (rustpy-xlsxwriter)", with_site_writer),
    ("XlsxWriter, cell by cell", with_xlsxwriter),
    ("openpyxl write-only", with_openpyxl),
)


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    results = []
    for name, _ in WRITERS:  # each in a process of its own, for its own peak memory
        child = subprocess.run(
            [sys.executable, __file__, "--one", name, str(count)],
            capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False,
        )  # fmt: skip
        if child.returncode:
            raise SystemExit(child.stderr)
        results.append((name, json.loads(child.stdout.strip().splitlines()[-1])))
    print(f"rows: {count:,}")
    for name, r in results:
        print(f"{name:32} {r['seconds']:7.2f} s  {r['size'] / 2**20:6.1f} MiB file  peak RSS "
              f"{r['rss_before']:.0f} -> {r['rss_after']:.0f} MiB")  # fmt: skip
    site = results[0][1]["seconds"]
    for name, r in results[1:]:
        print(f"site writer / {name}: {site / r['seconds']:.2f} of its time")
    million = site * MILLION / count
    label = "measured" if count == MILLION else f"PROJECTION from {count:,} rows"
    verdict = "MET" if million <= TARGET else "NOT MET"
    print(f"site writer, 1,000,000 rows ({label}): {million:.1f} s (target {TARGET:.0f} s): "
          f"{verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
