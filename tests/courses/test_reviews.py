"""The review workflow (courses.reviews), the confirmation pages and restoring a module."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import REVIEWERS
from courses.exceptions import ModuleActionRefused, PublishRefused, ReviewRefused
from courses.models import ModuleStatus, ReviewKind, ReviewStatus
from courses.publishing import publication_problems, publish_module, restore_module
from courses.reviews import (
    approve_review,
    comment_on_review,
    request_changes,
    submit_for_review,
)
from tests.courses.test_publishing import ready_draft
from tests.factories import ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    user = UserFactory(email="reviewer@example.com", totp=True)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


def archived_module():
    """A complete module that was published, then archived."""
    module = ready_draft()
    module.status = ModuleStatus.ARCHIVED
    module.published_at = timezone.now()
    module.save()
    return module


def unapproved_draft():
    module = ready_draft()
    module.reviews.all().delete()
    return module


def test_publishing_is_refused_until_a_reviewer_approves_and_the_check_comes_last(
    course_author, reviewer
):
    module = unapproved_draft()

    with pytest.raises(PublishRefused) as refusal:
        publish_module(module, by=course_author)
    assert refusal.value.problems[-1] == "A reviewer must approve this edition."

    review = submit_for_review(module, by=course_author)
    comment_on_review(review, by=reviewer, section="article", text="Fine.")
    approve_review(review, by=reviewer)

    assert publication_problems(module) == []
    assert publish_module(module, by=course_author).status == ModuleStatus.PUBLISHED


def test_the_review_check_is_last_after_the_post_test_checks(course_author):
    module = ModuleFactory(status=ModuleStatus.DRAFT, published_at=None)

    problems = publication_problems(module)

    assert problems[-2:] == ["Add the post-test.", "A reviewer must approve this edition."]


def test_a_reviewer_cannot_approve_their_own_submission(cme_administrator):
    module = unapproved_draft()
    review = submit_for_review(module, by=cme_administrator)

    with pytest.raises(ReviewRefused) as refusal:
        approve_review(review, by=cme_administrator)

    assert str(refusal.value) == ("Someone other than the person who submitted it must review it.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_an_author_cannot_approve(course_author):
    other = UserFactory()
    review = submit_for_review(unapproved_draft(), by=other)

    with pytest.raises(ReviewRefused) as refusal:
        approve_review(review, by=course_author)

    assert str(refusal.value) == "Only a reviewer or a CME administrator can review modules."


def test_a_module_waits_for_one_review_at_a_time(course_author):
    module = unapproved_draft()
    submit_for_review(module, by=course_author)

    with pytest.raises(ReviewRefused) as refusal:
        submit_for_review(module, by=course_author)

    assert str(refusal.value) == "This module is already waiting for a reviewer."


def test_changes_requested_close_the_review_with_the_comments(course_author, reviewer):
    review = submit_for_review(unapproved_draft(), by=course_author)
    comment_on_review(review, by=reviewer, section="references", text="Add the 2024 guideline.")

    request_changes(review, by=reviewer)

    review.refresh_from_db()
    assert (review.status, review.decided_by) == (ReviewStatus.CHANGES_REQUESTED, reviewer)
    assert [(c.section, c.text) for c in review.comments.all()] == [
        ("references", "Add the 2024 guideline.")
    ]
    with pytest.raises(ReviewRefused) as refusal:
        comment_on_review(review, by=reviewer, section="article", text="Late")
    assert str(refusal.value) == "This review is closed: comments go on a pending review."


def test_an_empty_comment_is_refused(course_author, reviewer):
    review = submit_for_review(unapproved_draft(), by=course_author)

    with pytest.raises(ReviewRefused) as refusal:
        comment_on_review(review, by=reviewer, section="article", text="   ")

    assert str(refusal.value) == "Write the comment."
    assert review.comments.count() == 0


def test_approving_a_content_review_records_the_reviewer_and_the_date(course_author, reviewer):
    module = ModuleFactory(last_reviewed_date=timezone.localdate().replace(year=2022))
    review = submit_for_review(module, by=course_author, kind=ReviewKind.CONTENT_REVIEW)

    approve_review(review, by=reviewer)

    module.refresh_from_db()
    review.refresh_from_db()
    assert module.last_reviewed_date == timezone.localdate()
    assert review.decided_by == reviewer
    entry = LogEntry.objects.get_for_object(module).latest("timestamp")
    assert entry.actor == reviewer
    assert entry.additional_data == {"reason": "Content review approved"}


def test_restoring_an_archived_module_needs_an_administrator_and_a_reason(
    course_author, cme_administrator
):
    module = archived_module()

    with pytest.raises(ModuleActionRefused) as refusal:
        restore_module(module, by=course_author, reason="Mistake")
    assert str(refusal.value) == "Only a CME administrator can restore a module."
    with pytest.raises(ModuleActionRefused) as refusal:
        restore_module(module, by=cme_administrator, reason=" ")
    assert str(refusal.value) == "Give the reason for restoring the module."

    restored = restore_module(module, by=cme_administrator, reason="Archived by mistake")

    assert restored.status == ModuleStatus.PUBLISHED
    entry = LogEntry.objects.get_for_object(module).latest("timestamp")
    assert entry.actor == cme_administrator
    assert entry.additional_data == {"reason": "Restored: Archived by mistake"}


def test_only_an_archived_module_is_restored(cme_administrator):
    with pytest.raises(ModuleActionRefused) as refusal:
        restore_module(ModuleFactory(), by=cme_administrator, reason="Why not")

    assert str(refusal.value) == "Only an archived module can be restored."


# Pages -------------------------------------------------------------------------------


def test_the_publish_confirmation_lists_the_checks_and_publishes_only_on_post(
    client, course_author, reviewer
):
    module = unapproved_draft()
    client.force_login(course_author)
    url = reverse("courses:publish", args=[module.slug])

    html = client.get(url).content.decode()
    assert "A reviewer must approve this edition." in html
    assert "Confirm: publish" not in html

    approve_review(submit_for_review(module, by=course_author), by=reviewer)
    html = client.get(url).content.decode()
    assert "Every check passes" in html
    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT

    response = client.post(url, follow=True)
    assert f"Published “{module.title}”." in response.content.decode()
    module.refresh_from_db()
    assert module.status == ModuleStatus.PUBLISHED


def test_the_archive_confirmation_says_certificates_stay_valid(client, course_author):
    module = ModuleFactory()
    client.force_login(course_author)
    url = reverse("courses:archive", args=[module.slug])

    html = client.get(url).content.decode()
    assert "Certificates already issued stay valid" in html
    module.refresh_from_db()
    assert module.status == ModuleStatus.PUBLISHED

    client.post(url)
    module.refresh_from_db()
    assert module.status == ModuleStatus.ARCHIVED


def test_restoring_through_the_page_requires_a_reason(client, cme_administrator, course_author):
    module = archived_module()
    url = reverse("courses:restore", args=[module.slug])
    client.force_login(course_author)
    assert client.get(url).status_code == 403

    client.force_login(cme_administrator)
    response = client.post(url, {"reason": ""})
    assert "This field is required." in response.content.decode()
    module.refresh_from_db()
    assert module.status == ModuleStatus.ARCHIVED

    response = client.post(url, {"reason": "Archived by mistake"}, follow=True)
    assert f"Restored “{module.title}” to the catalog." in response.content.decode()
    module.refresh_from_db()
    assert module.status == ModuleStatus.PUBLISHED


def test_the_review_flow_through_the_pages(client, course_author, reviewer):
    module = unapproved_draft()
    client.force_login(course_author)
    client.post(reverse("courses:submit_review", args=[module.slug]))
    review = module.reviews.get()

    client.force_login(reviewer)
    page = client.get(reverse("courses:review", args=[module.slug])).content.decode()
    assert "Approve" in page
    decide = reverse("courses:decide_review", args=[module.slug, review.pk])
    client.post(decide, {"action": "comment", "section": "text", "text": "Shorter title?"})
    response = client.post(decide, {"action": "approve"}, follow=True)

    assert "Approved." in response.content.decode()
    assert "Shorter title?" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


def test_learners_cannot_review(client, learner):
    module = unapproved_draft()
    review = submit_for_review(module, by=UserFactory())
    client.force_login(learner)

    assert client.get(reverse("courses:review", args=[module.slug])).status_code == 403
    response = client.post(
        reverse("courses:decide_review", args=[module.slug, review.pk]), {"action": "approve"}
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
