"""The Celery app as bench/certificate_issuance.py's worker runs it: the project's app and
tasks unchanged, plus what the benchmark needs to see inside the worker process.

- Timers around the pipeline's stages (the functions of certificates.issuance that make
  one certificate, and every database round trip), each counted exclusive of the stages
  it calls. After each `certificates.tasks.issue_certificate` the task's wall time and
  its stages are appended as one JSON line to the file named by CME_BENCH_TIMINGS.
- `bench.render_alone(certificate_id, repeat)`: the bare render of that certificate in
  this same worker process, warm: `certificates.issuance.write_pdf` (the very WeasyPrint
  call the pipeline makes, same HTML, fonts and options), `repeat` times after one
  unmeasured call; the durations are appended as one JSON line to the same file.

The timers cost a few microseconds per call; production workers load `cme_site.celery`.
"""

import collections
import functools
import json
import os
import time

from celery.signals import task_postrun, task_prerun, worker_process_init

from cme_site.celery import app

__all__ = ["app"]

ISSUE_TASK = "certificates.tasks.issue_certificate"
TIMINGS = os.environ.get("CME_BENCH_TIMINGS", "")

# Stage name -> the function of certificates.issuance that does it.
STAGES = {
    "render: WeasyPrint HTML to PDF (the bare render call)": "write_pdf",
    ".notdef check (fonts of the rendered document)": "missing_glyphs",
    "certificate HTML: template, QR code, type sizes": "render_certificate_html",
    "store the PDF (django-storages)": "store_certificate_pdf",
    "e-mail: compose, attach, send (mail backend)": "send_certificate_email",
}
DATABASE = "database: connect, queries, commits"

_stages: collections.defaultdict = collections.defaultdict(float)
_stack: list[list] = []  # [stage name, start, time spent in stages called from it]
_task_start: dict[str, float] = {}
_original_write_pdf = None


def _record(name: str, function):
    """`function`, timed as stage `name` (its own time, without nested stages)."""

    @functools.wraps(function)
    def timed(*args, **kwargs):
        frame = [name, time.perf_counter(), 0.0]
        _stack.append(frame)
        try:
            return function(*args, **kwargs)
        finally:
            _stack.pop()
            elapsed = time.perf_counter() - frame[1]
            _stages[name] += elapsed - frame[2]
            if _stack:
                _stack[-1][2] += elapsed

    return timed


def _time_database_query(execute, sql, params, many, context):
    return _record(DATABASE, execute)(sql, params, many, context)


def _append(line: dict) -> None:
    if TIMINGS:
        with open(TIMINGS, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


@worker_process_init.connect
def _install_timers(**kwargs):
    """In each worker process as it starts: wrap the stages' functions in timers."""
    global _original_write_pdf
    from django.db.backends.base.base import BaseDatabaseWrapper

    from certificates import issuance

    _original_write_pdf = issuance.write_pdf
    for name, attribute in STAGES.items():
        setattr(issuance, attribute, _record(name, getattr(issuance, attribute)))
    for method in ("connect", "commit", "rollback"):
        setattr(
            BaseDatabaseWrapper, method, _record(DATABASE, getattr(BaseDatabaseWrapper, method))
        )


@task_prerun.connect
def _start(task_id=None, task=None, **kwargs):
    if task is not None and task.name == ISSUE_TASK:
        from django.db import connection

        _stages.clear()
        connection.execute_wrappers.append(_time_database_query)
        _task_start[task_id] = (time.perf_counter(), time.time())


@task_postrun.connect
def _finish(task_id=None, task=None, args=None, **kwargs):
    if task is None or task.name != ISSUE_TASK or task_id not in _task_start:
        return
    from django.db import connection

    started, started_at = _task_start.pop(task_id)
    total = time.perf_counter() - started
    if _time_database_query in connection.execute_wrappers:
        connection.execute_wrappers.remove(_time_database_query)
    _append(
        {
            "kind": "issue",
            "certificate": args[0],
            "started": started_at,
            "ended": time.time(),
            "total": total,
            "stages": dict(_stages),
        }
    )


@app.task(name="bench.render_alone")
def render_alone(certificate_id: int, repeat: int, label: str) -> None:
    """Time the bare render of one certificate's HTML `repeat` times in this process."""
    from certificates.issuance import render_certificate_html
    from certificates.models import Certificate

    html = render_certificate_html(Certificate.objects.get(pk=certificate_id))
    _original_write_pdf(html)  # warm, as the pipeline's render is
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        _original_write_pdf(html)
        durations.append(time.perf_counter() - start)
    _append({"kind": "render", "label": label, "durations": durations})
