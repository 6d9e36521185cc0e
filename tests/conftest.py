import pytest

from cme_site.celery import app as celery_app
from tests.factories import UserFactory

# A loopback port where nothing listens: a broker that is down.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_broker():
    """Point new broker connections of the Celery app at a port where nothing listens."""
    conf = celery_app.conf
    original = conf.broker_url, conf.broker_write_url, conf.broker_read_url
    conf.broker_url = conf.broker_write_url = conf.broker_read_url = DEAD_BROKER_URL
    yield
    conf.broker_url, conf.broker_write_url, conf.broker_read_url = original


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
