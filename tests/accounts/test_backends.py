"""accounts.backends.ModelBackendOneQuery answers exactly as Django's ModelBackend does,
in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import ModelBackendOneQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same user without the permission caches a previous check left on it."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def author_with_a_permission_of_their_own(course_author):
    course_author.user_permissions.add(
        Permission.objects.get(codename="view_learner_records", content_type__app_label="accounts")
    )
    return course_author


@pytest.mark.parametrize(
    "user_fixture",
    ["learner", "course_author", "cme_administrator", "author_with_a_permission_of_their_own"],
)
def test_it_grants_what_djangos_model_backend_grants(request, user_fixture):
    user = request.getfixturevalue(user_fixture)

    ours = ModelBackendOneQuery().get_all_permissions(fresh(user))

    assert ours == ModelBackend().get_all_permissions(fresh(user))


def test_a_superuser_has_every_permission_and_an_inactive_user_none(course_author):
    superuser = UserFactory(is_superuser=True)
    course_author.is_active = False
    course_author.save()

    assert len(ModelBackendOneQuery().get_all_permissions(superuser)) == Permission.objects.count()
    assert ModelBackendOneQuery().get_all_permissions(fresh(course_author)) == set()


def test_a_page_reads_the_signed_in_users_permissions_in_one_query(client, course_author):
    client.force_login(course_author)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("courses:catalog"))

    assert "Author tools" in page.content.decode()
    assert sum('FROM "auth_permission"' in query["sql"] for query in queries) == 1
