import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CME_ADMINISTRATORS, COURSE_AUTHORS, ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def test_the_roles_exist_with_exactly_their_listed_permissions():
    for role, expected in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert granted == set(expected)


def test_a_learner_has_no_authoring_or_administration_permission(learner):
    assert not learner.has_perm("courses.change_module")
    assert not learner.has_perm("courses.preview_module")
    assert not learner.has_perm("accounts.view_learner_records")


def test_a_course_author_writes_previews_and_publishes_but_cannot_see_learners(course_author):
    assert course_author.has_perm("courses.change_module")
    assert course_author.has_perm("courses.preview_module")
    assert course_author.has_perm("quizzes.change_question")
    assert course_author.has_perm("courses.publish_module")
    assert not course_author.has_perm("accounts.view_learner_records")
    assert not course_author.has_perm("accounts.view_profile")


def test_a_cme_administrator_publishes_and_sees_learner_records(cme_administrator):
    assert cme_administrator.has_perm("courses.publish_module")
    assert cme_administrator.has_perm("accounts.view_learner_records")
    assert cme_administrator.has_perm("courses.change_module")


@pytest.mark.parametrize(
    ("user_fixture", "author_link", "admin_link"),
    [("learner", False, False), ("course_author", True, False), ("cme_administrator", True, True)],
)
def test_the_navigation_bar_shows_the_tools_of_the_users_role(
    client, request, user_fixture, author_link, admin_link
):
    client.force_login(request.getfixturevalue(user_fixture))

    page = client.get(reverse("courses:catalog")).content.decode()

    assert ("Author tools" in page) is author_link
    assert (">Administration<" in page) is admin_link


def test_the_learner_records_permission_is_not_granted_to_authors():
    authors = Group.objects.get(name=COURSE_AUTHORS)
    admins = Group.objects.get(name=CME_ADMINISTRATORS)

    assert not authors.permissions.filter(codename="view_learner_records").exists()
    assert admins.permissions.filter(codename="view_learner_records").exists()
