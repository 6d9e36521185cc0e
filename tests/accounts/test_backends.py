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


def test_it_loads_the_signed_in_user_as_djangos_model_backend_does(course_author):
    ours = ModelBackendOneQuery().get_user(course_author.pk)
    djangos = ModelBackend().get_user(course_author.pk)

    assert ours == djangos
    assert {f.attname: getattr(ours, f.attname) for f in type(ours)._meta.concrete_fields} == {
        f.attname: getattr(djangos, f.attname) for f in type(djangos)._meta.concrete_fields
    }
    assert ours.last_login == djangos.last_login and ours.date_joined.tzinfo is not None


def test_an_unknown_inactive_or_malformed_user_id_signs_nobody_in(learner):
    learner.is_active = False
    learner.save()

    assert ModelBackendOneQuery().get_user(learner.pk) is None
    assert ModelBackendOneQuery().get_user(learner.pk + 1000) is None
    assert ModelBackendOneQuery().get_user("not-a-number") is None


def test_a_permission_withdrawn_counts_from_the_next_request(client, course_author):
    from django.contrib.auth.models import Group

    from accounts.roles import COURSE_AUTHORS

    client.force_login(course_author)
    assert client.get(reverse("courses:author_modules")).status_code == 200

    course_author.groups.remove(Group.objects.get(name=COURSE_AUTHORS))
    refused = client.get(reverse("courses:author_modules"))

    assert refused.status_code in (302, 403)
    assert "Author tools" not in client.get(reverse("courses:catalog")).content.decode()


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, learner):
    client.force_login(learner)
    assert "Log out" in client.get(reverse("courses:catalog")).content.decode()

    learner.is_active = False
    learner.save()

    assert "Log out" not in client.get(reverse("courses:catalog")).content.decode()


def test_a_page_reads_the_signed_in_user_in_one_statement_of_its_own(client, learner):
    client.force_login(learner)

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("courses:catalog"))

    user_reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "id", "password"')]
    assert len(user_reads) == 1 and 'FROM "accounts_user" WHERE "id" =' in user_reads[0]
