"""The review workflow: an author submits a module edition, a reviewer comments section by
section and approves it or asks for changes.

Two kinds of review go through it: the review before publication (only an approved edition
can be published, a publish check says so), and the content review every three years
(courses.lifecycle.review_due_date), whose approval records the reviewer and sets
`Module.last_reviewed_date`. An edit after approval withdraws the approval of a draft, so
what is published is what the reviewer saw. Every step is audited (core.audit).
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import recorded_as
from courses.exceptions import ReviewRefused
from courses.models import (
    EditorSection,
    Module,
    ModuleStatus,
    Review,
    ReviewComment,
    ReviewKind,
    ReviewStatus,
)

REVIEW_REQUIRED = "A reviewer must approve this edition."
COMMENT_MAX_LENGTH = 4000


def _require_reviewer(user: User) -> None:
    if not user.has_perm("courses.review_module"):
        raise ReviewRefused("Only a reviewer or a CME administrator can review modules.")


def _locked_review(review: Review) -> Review:
    return Review.objects.select_for_update().select_related("module").get(pk=review.pk)


@transaction.atomic
def submit_for_review(module: Module, *, by: User, kind: str = ReviewKind.PUBLICATION) -> Review:
    """Ask a reviewer to check `module`; returns the new pending Review.

    `kind` is ReviewKind.PUBLICATION (a draft, before publishing) or
    ReviewKind.CONTENT_REVIEW (a published module, the three-year review). Raises
    ReviewRefused when the module is already waiting for a reviewer, a draft is already
    approved, or the kind does not fit the module's status."""
    module = Module.objects.select_for_update().get(pk=module.pk)
    if kind == ReviewKind.PUBLICATION and module.status != ModuleStatus.DRAFT:
        raise ReviewRefused("Only a draft is reviewed before publication.")
    if kind == ReviewKind.CONTENT_REVIEW and module.status != ModuleStatus.PUBLISHED:
        raise ReviewRefused("Only a published module has a content review.")
    if module.reviews.filter(status=ReviewStatus.PENDING).exists():
        raise ReviewRefused("This module is already waiting for a reviewer.")
    if kind == ReviewKind.PUBLICATION and is_approved_for_publication(module):
        raise ReviewRefused("This edition is already approved: it can be published.")
    with recorded_as(by, reason=f"Submitted for review ({ReviewKind(kind).label.lower()})"):
        return Review.objects.create(module=module, kind=kind, requested_by=by)


@transaction.atomic
def comment_on_review(review: Review, *, by: User, section: str, text: str) -> ReviewComment:
    """Add a reviewer's comment on one section (EditorSection) of a pending review.

    Raises ReviewRefused for someone who is not a reviewer, a review already decided, an
    unknown section, or an empty or over-long text (more than 4,000 characters)."""
    _require_reviewer(by)
    review = _locked_review(review)
    if review.status != ReviewStatus.PENDING:
        raise ReviewRefused("This review is closed: comments go on a pending review.")
    if section not in EditorSection.values:
        raise ReviewRefused("Choose the section the comment is about.")
    text = text.strip()
    if not text:
        raise ReviewRefused("Write the comment.")
    if len(text) > COMMENT_MAX_LENGTH:
        raise ReviewRefused(f"Keep the comment under {COMMENT_MAX_LENGTH:,} characters.")
    with recorded_as(by, reason="Review comment"):
        return ReviewComment.objects.create(review=review, section=section, author=by, text=text)


def _decide(review: Review, *, by: User, status: str, reason: str) -> Review:
    _require_reviewer(by)
    review = _locked_review(review)
    if review.status != ReviewStatus.PENDING:
        raise ReviewRefused("This review has already been decided.")
    if review.requested_by_id == by.pk:
        raise ReviewRefused("Someone other than the person who submitted it must review it.")
    review.status = status
    review.decided_by = by
    review.decided_at = timezone.now()
    with recorded_as(by, reason=reason):
        review.save(update_fields=["status", "decided_by", "decided_at"])
    return review


@transaction.atomic
def approve_review(review: Review, *, by: User) -> Review:
    """Approve a pending review. A publication review makes the draft publishable; a
    content review records `by` as its reviewer and sets the module's `last_reviewed_date`
    to today (the three-year clock restarts). Raises ReviewRefused for a non-reviewer, the
    person who submitted it, or a review already decided."""
    review = _decide(review, by=by, status=ReviewStatus.APPROVED, reason="Review approved")
    if review.kind == ReviewKind.CONTENT_REVIEW:
        module = Module.objects.select_for_update().get(pk=review.module_id)
        module.last_reviewed_date = timezone.localdate()
        with recorded_as(by, reason="Content review approved"):
            module.save(update_fields=["last_reviewed_date", "updated_at"])
    return review


@transaction.atomic
def request_changes(review: Review, *, by: User) -> Review:
    """Close a pending review asking the author for changes (the comments say which); the
    author submits again once done. Same refusals as `approve_review`."""
    return _decide(review, by=by, status=ReviewStatus.CHANGES_REQUESTED, reason="Changes requested")


def withdraw_approval(module: Module, *, by: User | None, because: str) -> int:
    """Withdraw the approval of a draft edited after a reviewer approved it (run inside the
    edit's transaction by courses.authoring); `because` says what changed, e.g. "the
    article was edited", and is shown to the author. Returns the number of approvals
    withdrawn (0 or 1). Published modules keep theirs: their edits are audited instead."""
    if module.status != ModuleStatus.DRAFT:
        return 0
    withdrawn = 0
    approved = Review.objects.select_for_update().filter(
        module=module, kind=ReviewKind.PUBLICATION, status=ReviewStatus.APPROVED
    )
    for review in approved:
        review.status = ReviewStatus.WITHDRAWN
        review.withdrawn_reason = f"Approval withdrawn: {because}"[:300]
        with recorded_as(by, reason=review.withdrawn_reason):
            review.save(update_fields=["status", "withdrawn_reason"])
        withdrawn += 1
    return withdrawn


def is_approved_for_publication(module: Module) -> bool:
    return module.reviews.filter(kind=ReviewKind.PUBLICATION, status=ReviewStatus.APPROVED).exists()


def review_problems(module: Module) -> list[str]:
    """The publish check of the review workflow, run last: ["A reviewer must approve this
    edition."] until a publication review of this edition is approved. Exempt: an edition
    that was already published once (`published_at` set: restoring an archived module,
    or one published before the workflow existed) and demonstration content (`is_demo`,
    loaded by demo.content for trying the site out)."""
    if module.published_at is not None or module.is_demo:
        return []
    if is_approved_for_publication(module):
        return []
    return [REVIEW_REQUIRED]


def latest_review(module: Module) -> Review | None:
    return (
        module.reviews.select_related("requested_by", "decided_by")
        .prefetch_related("comments__author")
        .first()
    )
