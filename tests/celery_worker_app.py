"""The Celery app as the test suite's worker process runs it.

Between transactional tests the database is emptied and content types are created again
with new IDs, while the worker lives on; its content-type cache (used by the audit log) is
cleared before each task so it never writes a stale ID. Production workers need no such
thing: content types do not change under them.
"""

from celery.signals import task_prerun

from cme_site.celery import app

__all__ = ["app"]


@task_prerun.connect
def forget_content_types(**kwargs):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
