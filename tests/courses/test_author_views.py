import datetime

import pytest
from django.core import mail
from django.urls import reverse

from courses.lifecycle import modules_due, send_review_reminders
from courses.models import ModuleStatus
from tests.courses.test_publishing import ready_draft
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db

AUTHOR_PAGES = ["courses:author_modules", "courses:author_module"]


def url(name, module):
    return reverse(name) if name == "courses:author_modules" else reverse(name, args=[module.slug])


@pytest.mark.parametrize("name", AUTHOR_PAGES)
def test_learners_cannot_reach_the_author_area(client, learner, name):
    client.force_login(learner)

    assert client.get(url(name, ModuleFactory())).status_code == 403


@pytest.mark.parametrize("name", AUTHOR_PAGES)
@pytest.mark.parametrize("user_fixture", ["course_author", "cme_administrator"])
def test_authors_and_administrators_use_the_author_area(client, request, name, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(url(name, ModuleFactory())).status_code == 200


@pytest.mark.parametrize("action", ["courses:publish", "courses:archive", "courses:new_edition"])
def test_learners_cannot_publish_archive_or_copy(client, learner, action):
    module = ModuleFactory()
    client.force_login(learner)

    assert client.post(reverse(action, args=[module.slug])).status_code == 403


def test_the_author_page_lists_what_stops_publication(client, course_author):
    module = ModuleFactory(status=ModuleStatus.DRAFT, accreditation_statement="")
    client.force_login(course_author)

    html = client.get(reverse("courses:author_module", args=[module.slug])).content.decode()

    assert "Add the accreditation statement." in html
    assert "Add the post-test." in html


def test_publishing_a_draft_with_problems_refuses_and_says_why(client, course_author):
    module = ModuleFactory(status=ModuleStatus.DRAFT)
    client.force_login(course_author)

    response = client.post(reverse("courses:publish", args=[module.slug]), follow=True)

    assert "This module cannot be published yet; see the list below." in (response.content.decode())
    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT


def test_publishing_a_ready_draft_through_the_page(client, course_author):
    module = ready_draft()
    client.force_login(course_author)

    response = client.post(reverse("courses:publish", args=[module.slug]), follow=True)

    assert f"Published “{module.title}”." in response.content.decode()
    module.refresh_from_db()
    assert module.status == ModuleStatus.PUBLISHED


def test_starting_a_new_edition_through_the_page(client, course_author):
    module = ready_draft()
    client.force_login(course_author)

    response = client.post(reverse("courses:new_edition", args=[module.slug]), follow=True)

    assert f"Edition 2 of “{module.title}” created as a draft." in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse(
        "courses:author_module", args=[f"{module.slug}-ed2"]
    )


def test_modules_due_for_review_or_expiry_within_90_days_are_listed():
    today = datetime.date(2026, 6, 1)
    ModuleFactory(
        title="Review due",
        release_date=datetime.date(2023, 7, 1),
        last_reviewed_date=datetime.date(2023, 7, 1),
        expiration_date=datetime.date(2027, 7, 1),
    )
    ModuleFactory(
        title="Expiring",
        release_date=datetime.date(2025, 1, 1),
        last_reviewed_date=datetime.date(2025, 1, 1),
        expiration_date=datetime.date(2026, 7, 15),
    )
    ModuleFactory(
        title="Fine",
        release_date=datetime.date(2025, 1, 1),
        last_reviewed_date=datetime.date(2025, 1, 1),
        expiration_date=datetime.date(2028, 1, 1),
    )

    due = modules_due(today=today)

    assert [(d.module.title, d.reasons) for d in due] == [
        ("Expiring", ("expires 15 July 2026",)),
        ("Review due", ("content review due 1 July 2026",)),
    ]


def test_the_reminder_mails_authors_and_administrators_only_when_something_is_due(
    course_author, cme_administrator, learner
):
    today = datetime.date(2026, 6, 1)
    assert send_review_reminders(today=today) == 0

    ModuleFactory(
        title="Expiring",
        release_date=datetime.date(2025, 1, 1),
        last_reviewed_date=datetime.date(2025, 1, 1),
        expiration_date=datetime.date(2026, 7, 15),
    )

    assert send_review_reminders(today=today) == 2
    assert sorted(mail.outbox[0].to) == ["author@example.com", "cme-admin@example.com"]
    assert "Expiring (edition 1): expires 15 July 2026" in mail.outbox[0].body


def test_an_author_opens_the_admin_page_to_add_a_module(client, course_author):
    client.force_login(course_author)

    assert client.get(reverse("admin:courses_module_add")).status_code == 200
