"""Publishing, archiving and new editions of modules.

Publishing checks what accreditation and the post-test need, and refuses with every reason
at once, so an author can fix them all in one pass.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from core.audit import recorded_as
from courses.exceptions import ModuleActionRefused, PublishRefused
from courses.models import CommercialSupport, DisclosureStatus, Module, ModuleStatus

MINIMUM_QUESTIONS = 5


def publication_problems(module: Module) -> list[str]:
    """Every reason this module cannot be published, in the order an author would fix them."""
    problems = []
    objectives = list(module.objectives.all())
    if not objectives:
        problems.append("Add at least one learning objective.")
    faculty = list(module.faculty.all())
    if not faculty:
        problems.append("List the faculty (authors, reviewers, planners) with their disclosures.")
    for person in faculty:
        if person.disclosure_status == DisclosureStatus.NOT_COLLECTED:
            problems.append(
                f"Record the disclosure of {person.display_name} (or state that they have "
                "no relevant financial relationships)."
            )
        elif (
            person.disclosure_status == DisclosureStatus.RELEVANT
            and not person.financial_relationships.exists()
        ):
            problems.append(f"List the relevant financial relationships of {person.display_name}.")
    if not module.accreditation_statement.strip():
        problems.append("Add the accreditation statement.")
    if not module.commercial_support:
        problems.append(
            "State whether the activity received commercial support (received or none)."
        )
    elif (
        module.commercial_support == CommercialSupport.RECEIVED
        and not module.commercial_support_statement.strip()
    ):
        problems.append(
            "Acknowledge the commercial support received: who supported the activity and how."
        )
    if not module.credits.exists():
        problems.append("Offer at least one credit type with its maximum credits.")
    if not module.release_date or not module.expiration_date:
        problems.append("Set the release date and the expiry date.")
    elif module.expiration_date <= module.release_date:
        problems.append("The expiry date must come after the release date.")

    post_test = getattr(module, "post_test", None)
    if post_test is None:
        problems.append("Add the post-test.")
        return problems
    if post_test.passing_score is None:
        problems.append("Set the post-test's passing score.")
    if post_test.max_attempts is None:
        problems.append("Set the post-test's attempt limit.")
    questions = list(
        post_test.questions.filter(is_active=True, current_version__isnull=False).values_list(
            "objective_id", flat=True
        )
    )
    if len(questions) < MINIMUM_QUESTIONS:
        problems.append(
            f"The post-test needs at least {MINIMUM_QUESTIONS} questions; it has {len(questions)}."
        )
    without_rationale = (
        post_test.questions.filter(is_active=True, current_version__rationale__regex=r"^\s*$")
        .select_related("current_version")
        .order_by("position", "pk")
    )
    for question in without_rationale:
        problems.append(
            f"Write the rationale of question {question.position} "
            f"(“{Truncator(question.current_version.stem).chars(60)}”): why its answer is right."
        )
    assessed = set(questions)
    for objective in objectives:
        if objective.pk not in assessed:
            problems.append(f"No question assesses the objective “{objective.text}”.")
    return problems


@transaction.atomic
def publish_module(module: Module, *, by: User | None) -> Module:
    """Publish a draft: the one way a module goes live (the admin and the author area call
    it). Refused with every reason (`PublishRefused.problems`) when `publication_problems`
    finds any; records `published_at` and an audit entry by `by` (None: the system, e.g.
    the demo loader). Publishing a published module changes nothing."""
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status == ModuleStatus.PUBLISHED:
        return module
    problems = publication_problems(module)
    if problems:
        raise PublishRefused(problems)
    module.status = ModuleStatus.PUBLISHED
    module.published_at = timezone.now()
    with recorded_as(by, reason="Published"):
        module.save(update_fields=["status", "published_at", "updated_at"])
    return module


@transaction.atomic
def archive_module(module: Module, *, by: User) -> Module:
    """Take a published module out of the catalog, with an audit entry by `by`. Raises
    ModuleActionRefused for a module that is not published."""
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status != ModuleStatus.PUBLISHED:
        raise ModuleActionRefused("Only a published module can be archived.")
    module.status = ModuleStatus.ARCHIVED
    with recorded_as(by, reason="Archived"):
        module.save(update_fields=["status", "updated_at"])
    return module


@transaction.atomic
def create_new_edition(module: Module, *, by: User) -> Module:
    """Copy a module, with its objectives, faculty and disclosures, references, credit
    offerings, post-test settings and questions, as a draft of the next edition. It goes
    through the same publish checks; the old edition and its records stay as they are."""
    from quizzes.authoring import copy_post_test

    if module.next_editions.exists():
        raise ModuleActionRefused("This module already has a newer edition.")
    edition = Module.objects.get(pk=module.pk)
    edition.pk = None
    edition.edition = module.edition + 1
    edition.slug = f"{module.slug.removesuffix(f'-ed{module.edition}')}-ed{module.edition + 1}"
    edition.previous_edition = module
    edition.status = ModuleStatus.DRAFT
    edition.published_at = None
    edition.is_demo = module.is_demo
    edition.save()
    edition.topics.set(module.topics.all())

    objective_map = {}
    for objective in module.objectives.all():
        old_pk = objective.pk
        objective.pk = None
        objective.module = edition
        objective.save()
        objective_map[old_pk] = objective
    for reference in module.references.all():
        reference.pk = None
        reference.module = edition
        reference.save()
    for person in module.faculty.prefetch_related("financial_relationships"):
        relationships = list(person.financial_relationships.all())
        person.pk = None
        person.module = edition
        person.save()
        for relationship in relationships:
            relationship.pk = None
            relationship.faculty_member = person
            relationship.save()
    for offering in module.credits.all():
        offering.pk = None
        offering.module = edition
        offering.save()
    if hasattr(module, "post_test"):
        copy_post_test(module.post_test, to_module=edition, objective_map=objective_map)
    return edition
