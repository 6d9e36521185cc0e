"""Publishing, archiving and new editions of modules.

Publishing checks what accreditation and the post-test need, and refuses with every reason
at once, so an author can fix them all in one pass.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import recorded_as
from courses.credit_rules import ReportingChannel
from courses.disclosure_collection import carry_disclosure_over, disclosure_problems
from courses.exceptions import ModuleActionRefused, PublishRefused
from courses.models import (
    CommercialSupport,
    FacultyMember,
    LearningObjective,
    Module,
    ModuleStatus,
)

PublicationCheck = Callable[[Module], list[str]]
EditionCopier = Callable[[Module, Module, dict[int, LearningObjective]], None]

_publication_checks: list[PublicationCheck] = []
_edition_copiers: list[EditionCopier] = []


_final_publication_checks: list[PublicationCheck] = []


def register_publication_check(check: PublicationCheck, *, last: bool = False) -> None:
    """Add a check that `publication_problems` runs after the module's own checks.

    `check(module)` receives the Module and returns the reasons it cannot be published yet,
    as sentences an author can act on ([] when none), in the order to fix them. Checks run
    in registration order (apps' `ready()`, in INSTALLED_APPS order), except those
    registered with `last=True`, which run after all others (the reviewer's approval,
    courses.reviews). Filled by quizzes (the post-test's problems) and courses (the
    review). Registering the same check twice keeps one.
    """
    checks = _final_publication_checks if last else _publication_checks
    if check not in checks:
        checks.append(check)


def register_edition_copier(copier: EditionCopier) -> None:
    """Add a copier that `create_new_edition` runs once the new edition, its objectives,
    references, faculty and credit offerings exist.

    `copier(old, new, objective_map)` receives the old Module, the new draft Module and a
    map from each old objective's pk to its copy (LearningObjective), copies what its app
    owns, and returns nothing; it runs inside the edition's transaction. Filled by quizzes
    (the post-test and its questions). Registering the same copier twice keeps one.
    """
    if copier not in _edition_copiers:
        _edition_copiers.append(copier)


def publication_problems(module: Module) -> list[str]:
    """Every reason this module cannot be published, in the order an author would fix them:
    the module's own (objectives, faculty and disclosures, statements, commercial support,
    credit, dates), then those of the registered checks (the post-test)."""
    problems = []
    objectives = list(module.objectives.all())
    if not objectives:
        problems.append("Add at least one learning objective.")
    faculty = list(module.faculty.all())
    if not faculty:
        problems.append("List the faculty (authors, reviewers, planners) with their disclosures.")
    # Disclosed through the site, current and mitigated; or, for people never invited
    # (legacy rows, the demo), recorded by hand (courses.disclosure_collection).
    problems.extend(disclosure_problems(module))
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
    designations = list(module.credits.select_related("credit_type"))
    if not designations:
        problems.append("Offer at least one credit type with its maximum credits.")
    for designation in designations:
        problems.extend(designation.designation_problems())
    if not module.pars_activity_id and any(
        d.credit_type.reporting_channel == ReportingChannel.PARS for d in designations
    ):
        problems.append(
            "Give the activity's 9-digit PARS activity ID: its AMA credit and MOC points are "
            "reported to ACCME's PARS."
        )
    if not module.release_date or not module.expiration_date:
        problems.append("Set the release date and the expiry date.")
    elif module.expiration_date <= module.release_date:
        problems.append("The expiry date must come after the release date.")

    for check in [*_publication_checks, *_final_publication_checks]:
        problems.extend(check(module))
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
    through the same publish checks; the old edition and its records stay as they are.
    What other apps own (the post-test) is copied by the registered edition copiers."""
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
        earlier = FacultyMember.objects.get(pk=person.pk)
        relationships = list(person.financial_relationships.all())
        person.pk = None
        person.module = edition
        person.save()
        # Disclosed through the site: the signed record is carried over, to be renewed on
        # time and reviewed again for the new content. Typed by hand: copied as typed.
        if carry_disclosure_over(earlier, to=person) is None:
            for relationship in relationships:
                relationship.pk = None
                relationship.faculty_member = person
                relationship.save()
    for offering in module.credits.all():
        offering.pk = None
        offering.module = edition
        offering.save()
    for copier in _edition_copiers:
        copier(module, edition, objective_map)
    return edition


@transaction.atomic
def restore_module(module: Module, *, by: User, reason: str) -> Module:
    """Put an archived module back in the catalog (archived → published), with an audit
    entry by `by` giving `reason`. Only a CME administrator (courses.restore_module) may;
    the publish checks run again, so a module that no longer passes them (e.g. expired)
    stays archived. Raises ModuleActionRefused (not archived, no permission, no reason, a
    newer edition exists) or PublishRefused with every problem."""
    if not by.has_perm("courses.restore_module"):
        raise ModuleActionRefused("Only a CME administrator can restore a module.")
    reason = reason.strip()
    if not reason:
        raise ModuleActionRefused("Give the reason for restoring the module.")
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status != ModuleStatus.ARCHIVED:
        raise ModuleActionRefused("Only an archived module can be restored.")
    if module.next_editions.filter(status=ModuleStatus.PUBLISHED).exists():
        raise ModuleActionRefused(
            "A newer edition of this module is published: archive it before restoring this one."
        )
    problems = publication_problems(module)
    if problems:
        raise PublishRefused(problems)
    module.status = ModuleStatus.PUBLISHED
    with recorded_as(by, reason=f"Restored: {reason}"):
        module.save(update_fields=["status", "updated_at"])
    return module
