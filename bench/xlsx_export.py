"""The Excel export's writer against its predecessor, in the same run.

Writes N completion-shaped rows (a date, names, a title, a decimal amount) to an XLSX file
in a temporary folder with core.spreadsheets.write_xlsx (XlsxWriter, constant memory) and
with openpyxl's write-only mode (the writer it replaced), and prints the time, the file
size, the peak Python memory of each (tracemalloc) and the ratio. Issue 15's target: a
million rows within 60 s.

    .venv/bin/python bench/xlsx_export.py            # 100,000 rows
    .venv/bin/python bench/xlsx_export.py 1000000    # a million (takes minutes)
"""

import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cme_site.settings.test")

import django

django.setup()

from openpyxl import Workbook  # noqa: E402

from core.spreadsheets import write_xlsx  # noqa: E402

HEADER = ("Completed on", "Last name", "First name", "E-mail", "Activity", "Credit", "Number")


def rows(count: int):
    yield HEADER
    start = datetime.date(2026, 1, 1)
    for n in range(count):
        yield (
            start + datetime.timedelta(days=n % 365), f"Núñez{n}", "María", f"l{n}@example.com",
            "Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis",
            Decimal("0.25"), f"CME-2026-{n:08X}",
        )  # fmt: skip


def with_openpyxl(data, path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Completions")
    for row in data:
        sheet.append(list(row))
    workbook.save(path)


def with_site_writer(data, path):
    with open(path, "wb") as file:
        write_xlsx(data, file, title="Completions")


def measure(name, writer, count, folder):
    path = Path(folder) / f"{name}.xlsx"
    tracemalloc.start()
    began = time.perf_counter()
    writer(rows(count), path)
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, path.stat().st_size, peak


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        site = measure("xlsxwriter", with_site_writer, count, folder)
        peer = measure("openpyxl", with_openpyxl, count, folder)
    print(f"rows: {count:,}")
    for name, (elapsed, size, peak) in (("site writer (XlsxWriter)", site), ("openpyxl", peer)):
        print(f"{name:26} {elapsed:7.2f} s  {size / 1e6:6.1f} MB file  {peak / 1e6:6.1f} MB peak")
    print(f"site writer / openpyxl time: {site[0] / peer[0]:.2f}")
    print(f"projected for 1,000,000 rows: {site[0] * 1_000_000 / count:.0f} s (target 60 s)")


if __name__ == "__main__":
    main()
