"""The Celery app. Settings come from Django's settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cme_site.settings.local")

app = Celery("cme_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_database_connections_as_a_request_would(sender=None, **kwargs) -> None:
    """Before and after each task run by a worker, close the database connections Django
    would close at the start and end of a web request: past their CONN_MAX_AGE (0, the
    embedded default, closes them every time), left in error, or in a transaction they
    should not be in; a kept connection is health-checked before its next use when
    CONN_HEALTH_CHECKS is on (production). Eager tasks (tests) run inside the caller's
    transaction and are left alone, as Celery's own fix-up leaves them."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()
