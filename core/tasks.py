"""Queueing Celery tasks by their registered name.

A domain module that must start background work after its transaction commits calls
`enqueue("certificates.tasks.issue_certificate", certificate.pk)` instead of importing the
task: tasks sit at the top of their app and call the domain modules, so a domain module
that imported them back would close an import circle. The name is the one the worker knows
the task by (`<module>.<function>` for `shared_task`); queues of running systems hold
messages under these names, so they never change.
"""

from celery import current_app
from kombu.exceptions import ChannelError, OperationalError


def enqueue(task_name: str, *args, **options) -> None:
    """Send the task registered as `task_name` to the broker with positional `args` (IDs:
    JSON-serialisable values), as `task.apply_async(args, **options)` would; `options`
    are Celery's sending options (e.g. `time_limit`, `soft_time_limit` in seconds).

    The app is Celery's `current_app` (the project's, cme_site/celery.py). Raises what the
    broker connection raises when it refuses: kombu's OperationalError or OSError; the
    caller decides what a task that was never queued means for its rows.
    """
    current_app.send_task(task_name, args=args, **options)


def waiting_messages(queue: str | None = None) -> int:
    """How many messages wait in the broker's `queue` (default: the app's default queue)
    for a worker to take them: tasks sent and not yet taken (a task a worker holds, taken
    and not yet acknowledged, is not counted). 0 when the queue does not exist or the
    broker cannot be reached (nothing can be queued then either)."""
    name = queue or current_app.conf.task_default_queue
    try:
        with current_app.connection_for_read() as connection:
            declared = connection.default_channel.queue_declare(queue=name, passive=True)
            return declared.message_count
    except (ChannelError, OperationalError, OSError):
        return 0
