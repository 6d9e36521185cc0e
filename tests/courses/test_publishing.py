import datetime

import pytest

from courses.exceptions import ModuleActionRefused, PublishRefused
from courses.models import CommercialSupport, DisclosureStatus, ModuleStatus
from courses.publishing import archive_module, create_new_edition, publish_module
from quizzes.attempts import start_attempt
from tests.factories import (
    FacultyMemberFactory,
    LearningObjectiveFactory,
    ModuleFactory,
    ReferenceFactory,
    post_test_with_questions,
)

pytestmark = pytest.mark.django_db


def ready_draft():
    """A draft that passes every publish check, approved by a reviewer."""
    module = ModuleFactory(status=ModuleStatus.DRAFT, published_at=None)
    post_test_with_questions(5, module=module)
    FacultyMemberFactory(module=module, disclosure_status=DisclosureStatus.NONE)
    ReferenceFactory(module=module)
    return approve(module)


def approve(module):
    """Have a reviewer approve `module` (a draft edition) for publication."""
    from django.contrib.auth.models import Group

    from accounts.roles import REVIEWERS
    from courses.reviews import approve_review, submit_for_review
    from tests.factories import UserFactory

    reviewer = UserFactory()
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    approve_review(submit_for_review(module, by=UserFactory()), by=reviewer)
    return module


def test_a_complete_draft_is_published(course_author):
    module = ready_draft()

    published = publish_module(module, by=course_author)

    assert published.status == ModuleStatus.PUBLISHED
    assert published.published_at is not None


def test_publishing_an_empty_draft_lists_every_reason(course_author):
    module = ModuleFactory(
        status=ModuleStatus.DRAFT,
        accreditation_statement="",
        commercial_support="",
        release_date=None,
        expiration_date=None,
    )

    with pytest.raises(PublishRefused) as excinfo:
        publish_module(module, by=course_author)

    assert excinfo.value.problems == [
        "Add at least one learning objective.",
        "List the faculty (authors, reviewers, planners) with their disclosures.",
        "Add the accreditation statement.",
        "State whether the activity received commercial support (received or none).",
        "Offer at least one credit type with its maximum credits.",
        "Set the release date and the expiry date.",
        "Add the post-test.",
    ]
    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT


def test_publish_checks_cover_disclosures_questions_objectives_and_limits(course_author):
    module = ready_draft()
    FacultyMemberFactory(
        module=module, name="Dr Pending", degrees="", disclosure_status="not_collected"
    )
    FacultyMemberFactory(
        module=module, name="Dr Relevant", degrees="", disclosure_status="relevant"
    )
    LearningObjectiveFactory(module=module, text="An untested objective")
    module.post_test.max_attempts = None
    module.post_test.save()
    module.post_test.questions.filter(position=1).update(is_active=False)

    with pytest.raises(PublishRefused) as excinfo:
        publish_module(module, by=course_author)

    assert excinfo.value.problems == [
        "Record the disclosure of Dr Pending (or state that they have no relevant financial "
        "relationships).",
        "List the relevant financial relationships of Dr Relevant.",
        "Set the post-test's attempt limit.",
        "The post-test needs at least 5 questions; it has 4.",
        "No question assesses the objective “An untested objective”.",
    ]


def test_a_published_module_is_archived_and_then_invisible(course_author, client):
    module = ready_draft()
    publish_module(module, by=course_author)

    archive_module(module, by=course_author)

    module.refresh_from_db()
    assert module.status == ModuleStatus.ARCHIVED
    assert client.get(module.get_absolute_url()).status_code == 404


def test_only_a_published_module_is_archived(course_author):
    with pytest.raises(ModuleActionRefused, match="Only a published module can be archived"):
        archive_module(ready_draft(), by=course_author)


def test_a_new_edition_is_a_draft_copy_that_goes_through_the_same_checks(course_author, learner):
    module = ready_draft()
    publish_module(module, by=course_author)
    person = module.faculty.get()
    person.disclosure_status = DisclosureStatus.RELEVANT
    person.save()
    person.financial_relationships.create(company="Acme", nature="Advisory board")

    edition = create_new_edition(module, by=course_author)

    assert (edition.edition, edition.status, edition.previous_edition) == (
        2,
        ModuleStatus.DRAFT,
        module,
    )
    assert edition.slug == f"{module.slug}-ed2"
    assert edition.objectives.count() == module.objectives.count()
    assert edition.references.count() == 1
    assert edition.faculty.get().financial_relationships.get().company == "Acme"
    assert edition.credits.get().max_credits == module.credits.get().max_credits
    copied = edition.post_test.questions.select_related("objective", "current_version")
    assert copied.count() == 5
    assert {q.objective.module_id for q in copied} == {edition.pk}
    assert not set(copied.values_list("current_version", flat=True)) & set(
        module.post_test.questions.values_list("current_version", flat=True)
    )
    approve(edition)
    assert publish_module(edition, by=course_author).status == ModuleStatus.PUBLISHED


def test_a_second_new_edition_of_the_same_module_is_refused(course_author):
    module = ready_draft()
    create_new_edition(module, by=course_author)

    with pytest.raises(ModuleActionRefused, match="already has a newer edition"):
        create_new_edition(module, by=course_author)


def test_a_new_editions_learner_records_are_separate(course_author, learner):
    from courses.disclosures import record_disclosures_shown

    module = publish_module(ready_draft(), by=course_author)
    record_disclosures_shown(learner, module=module)
    start_attempt(learner, post_test=module.post_test)

    edition = create_new_edition(module, by=course_author)
    edition = publish_module(approve(edition), by=course_author)

    from quizzes.exceptions import DisclosuresNotShown

    with pytest.raises(DisclosuresNotShown):
        start_attempt(learner, post_test=edition.post_test)
    assert edition.release_date == module.release_date
    assert isinstance(edition.expiration_date, datetime.date)


def test_a_module_whose_commercial_support_is_not_stated_is_not_published(course_author):
    module = ready_draft()
    module.commercial_support = ""
    module.commercial_support_statement = ""
    module.save()

    with pytest.raises(PublishRefused) as excinfo:
        publish_module(module, by=course_author)

    assert excinfo.value.problems == [
        "State whether the activity received commercial support (received or none)."
    ]
    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT


def test_support_received_needs_its_acknowledgement_before_publishing(course_author):
    module = ready_draft()
    module.commercial_support = CommercialSupport.RECEIVED
    module.commercial_support_statement = "   "
    module.save()

    with pytest.raises(PublishRefused) as excinfo:
        publish_module(module, by=course_author)

    assert excinfo.value.problems == [
        "Acknowledge the commercial support received: who supported the activity and how."
    ]


def test_a_designation_without_the_data_its_kind_requires_is_not_published(course_author):
    """ACPE contact hours need the activity's UAN; MOC points their board and category."""
    from decimal import Decimal

    from courses.credit_kinds import ACPE_CONTACT_HOURS, MOC_POINTS, standard_kind
    from courses.models import ModuleCredit

    module = ready_draft()
    ModuleCredit.objects.create(
        module=module, credit_type=standard_kind(ACPE_CONTACT_HOURS), max_credits=Decimal("1")
    )
    ModuleCredit.objects.create(
        module=module, credit_type=standard_kind(MOC_POINTS), max_credits=Decimal("1"),
        moc_board="ABIM",
    )  # fmt: skip

    with pytest.raises(PublishRefused) as excinfo:
        publish_module(module, by=course_author)

    assert excinfo.value.problems == [
        "Choose the MOC category of the MOC point designation.",
        "Give the ACPE Universal Activity Number (UAN) for ACPE contact hour.",
    ]


def test_a_new_module_starts_with_the_joint_accreditation_statement_when_jointly_accredited(
    client, course_author, settings
):
    from django.urls import reverse

    settings.CME_PROVIDER_NAME = "Acme CE"
    settings.CME_JOINTLY_ACCREDITED = True
    client.force_login(course_author)

    html = client.get(reverse("admin:courses_module_add")).content.decode()

    assert "In support of improving patient care, Acme CE is jointly accredited" in html


def test_a_module_reporting_to_pars_needs_its_pars_activity_id(course_author):
    module = ready_draft()
    module.pars_activity_id = ""
    module.save()

    with pytest.raises(PublishRefused) as excinfo:
        publish_module(module, by=course_author)

    assert excinfo.value.problems == [
        "Give the activity's 9-digit PARS activity ID: its AMA credit and MOC points are "
        "reported to ACCME's PARS."
    ]


def test_a_pars_activity_id_has_nine_digits():
    from django.core.exceptions import ValidationError

    module = ModuleFactory.build(pars_activity_id="12345")

    with pytest.raises(ValidationError) as excinfo:
        module.full_clean(exclude=["slug"])

    assert excinfo.value.message_dict["pars_activity_id"] == ["A PARS activity ID has 9 digits."]
