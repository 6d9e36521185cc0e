import os

import pytest
from kombu import pools as kombu_pools

from cme_site.celery import app as celery_app
from tests.factories import UserFactory

# A loopback port where nothing listens: a broker that is down.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(scope="session", autouse=True)
def _own_task_queue():
    """Send this run's tasks to a queue of its own, so that concurrent test runs on the
    machine (and a developer's bin/run) never take each other's tasks; purge it at the end."""
    queue = f"cme-test-{os.getpid()}"
    celery_app.conf.task_default_queue = queue
    yield queue
    try:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
    except Exception:
        pass


def _forget_broker_connections():
    """Celery keeps pools of broker connections (in kombu's registry) made from the URL it
    had first; drop them so the next task is sent with the URL as it is now."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker():
    """Make the Celery app's broker unreachable (a loopback port where nothing listens),
    then restore it."""
    conf = celery_app.conf
    original = conf.broker_url, conf.broker_write_url, conf.broker_read_url
    _forget_broker_connections()
    conf.broker_url = conf.broker_write_url = conf.broker_read_url = DEAD_BROKER_URL
    yield
    conf.broker_url, conf.broker_write_url, conf.broker_read_url = original
    _forget_broker_connections()


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def course_author(db):
    from django.contrib.auth.models import Group

    from accounts.roles import COURSE_AUTHORS

    user = UserFactory(email="author@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=COURSE_AUTHORS))
    return user


@pytest.fixture
def cme_administrator(db):
    from django.contrib.auth.models import Group

    from accounts.roles import CME_ADMINISTRATORS

    user = UserFactory(email="cme-admin@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=CME_ADMINISTRATORS))
    return user
