"""Queueing Celery tasks by their registered name.

A domain module that must start background work after its transaction commits calls
`enqueue("certificates.tasks.issue_certificate", certificate.pk)` instead of importing the
task: tasks sit at the top of their app and call the domain modules, so a domain module
that imported them back would close an import circle. The name is the one the worker knows
the task by (`<module>.<function>` for `shared_task`); queues of running systems hold
messages under these names, so they never change.
"""

from celery import current_app


def enqueue(task_name: str, *args, **options) -> None:
    """Send the task registered as `task_name` to the broker with positional `args` (IDs:
    JSON-serialisable values), as `task.apply_async(args, **options)` would; `options`
    are Celery's sending options (e.g. `time_limit`, `soft_time_limit` in seconds).

    The app is Celery's `current_app` (the project's, cme_site/celery.py). Raises what the
    broker connection raises when it refuses: kombu's OperationalError or OSError; the
    caller decides what a task that was never queued means for its rows.
    """
    current_app.send_task(task_name, args=args, **options)
