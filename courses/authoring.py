"""Writing a module in the author area's editor: one function per section's change.

Each function locks the module, refuses what may not change, writes, records an audit
entry by the author (core.audit.recorded_as) and withdraws a reviewer's approval of a
draft (courses.reviews.withdraw_approval), so that what is published is what was approved.

What may change once a module is published (decided for issue 14): its learner-facing text,
article, objective wording, faculty and references (audited; learners see the correction);
not its slug, the list and order of its objectives, its credit designations, accreditation
data or post-test settings, which learners' attempts, evaluations and claims were made
against; those need a new edition (courses.publishing.create_new_edition). An archived
module changes in no way: restore it or start a new edition.
"""

import contextlib
import datetime
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from core.audit import recorded_as
from courses.credit_rules import accreditation_statement
from courses.exceptions import AuthoringRefused
from courses.models import (
    CommercialSupport,
    CreditType,
    EditorSection,
    FacultyMember,
    FacultyRole,
    LearningObjective,
    Module,
    ModuleCredit,
    ModuleStatus,
    Reference,
    Topic,
)
from courses.references import parse_doi, split_citation
from courses.reviews import withdraw_approval

ARCHIVED_REFUSAL = "An archived module cannot be edited: restore it or start a new edition."
PUBLISHED_REFUSAL = (
    "{section} of a published module cannot change: learners' attempts, evaluations and "
    "claims were made against them. Start a new edition to change them."
)
DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_SHAPE_MESSAGE = (
    "“{doi}” is not a DOI: a DOI starts with 10., a registrant code of 4 to 9 digits, a "
    "slash and a suffix, e.g. 10.1111/bjd.20873."
)


@contextlib.contextmanager
def _editing(
    module: Module, *, by: User | None, section: str, locked_when_published: bool = False
) -> Iterator[Module]:
    """Lock `module` for an edit of `section` (an EditorSection value) inside the caller's
    transaction, refuse it as the module's status requires, attribute the audit entries
    written in the block to `by`, and withdraw a draft's approval afterwards."""
    module = Module.objects.select_for_update().get(pk=module.pk)
    label = EditorSection(section).label
    if module.status == ModuleStatus.ARCHIVED:
        raise AuthoringRefused(ARCHIVED_REFUSAL)
    if locked_when_published and module.status == ModuleStatus.PUBLISHED:
        raise AuthoringRefused(PUBLISHED_REFUSAL.format(section=label))
    with recorded_as(by, reason=f"Edited in the module editor: {label.lower()}"):
        yield module
    withdraw_approval(module, by=by, because=f"{label.lower()} changed after approval.")


def default_accreditation_statement() -> str:
    """The statement a new module starts with: the Joint Accreditation one when
    settings.CME_JOINTLY_ACCREDITED, else the ACCME one (courses.credit_rules)."""
    return accreditation_statement(
        provider=settings.CME_PROVIDER_NAME,
        jointly_accredited=settings.CME_JOINTLY_ACCREDITED,
    )


def _check_dates(release: datetime.date | None, expiry: datetime.date | None) -> None:
    if release and expiry and expiry <= release:
        raise AuthoringRefused("The expiry date must come after the release date.")


@transaction.atomic
def create_module(
    *,
    by: User,
    title: str,
    slug: str,
    summary: str,
    target_audience: str,
    estimated_minutes: int,
    release_date: datetime.date | None = None,
    expiration_date: datetime.date | None = None,
    topics: Iterable[Topic] = (),
) -> Module:
    """Start a new module as a draft (edition 1) with the default accreditation statement
    and an empty article; returns it. Raises AuthoringRefused when the slug is taken or
    the expiry date does not come after the release date."""
    _check_dates(release_date, expiration_date)
    if Module.objects.filter(slug=slug).exists():
        raise AuthoringRefused(f"The address “{slug}” is taken by another module.")
    with recorded_as(by, reason="Created in the module editor"):
        module = Module.objects.create(
            title=title,
            slug=slug,
            summary=summary,
            target_audience=target_audience,
            estimated_minutes=estimated_minutes,
            release_date=release_date,
            expiration_date=expiration_date,
            body="",
            accreditation_statement=default_accreditation_statement(),
            status=ModuleStatus.DRAFT,
        )
        module.topics.set(topics)
    return module


@transaction.atomic
def update_module_text(
    module: Module,
    *,
    by: User,
    title: str,
    slug: str,
    summary: str,
    target_audience: str,
    estimated_minutes: int,
    release_date: datetime.date | None,
    expiration_date: datetime.date | None,
    topics: Iterable[Topic],
) -> Module:
    """Save the learner-facing text: title, address (slug), summary, audience, estimated
    minutes, release and expiry dates, topics. A published module keeps its address.
    Raises AuthoringRefused (archived; slug taken or changed once published; dates)."""
    with _editing(module, by=by, section=EditorSection.TEXT) as module:
        if slug != module.slug:
            if module.status == ModuleStatus.PUBLISHED:
                raise AuthoringRefused(
                    "A published module keeps its address: links and certificates point at it."
                )
            if Module.objects.filter(slug=slug).exclude(pk=module.pk).exists():
                raise AuthoringRefused(f"The address “{slug}” is taken by another module.")
        _check_dates(release_date, expiration_date)
        module.title = title
        module.slug = slug
        module.summary = summary
        module.target_audience = target_audience
        module.estimated_minutes = estimated_minutes
        module.release_date = release_date
        module.expiration_date = expiration_date
        module.save()
        module.topics.set(topics)
    return module


@transaction.atomic
def update_article(module: Module, *, by: User, body: str) -> Module:
    """Save the article (Markdown; sanitised when shown, courses.rendering)."""
    with _editing(module, by=by, section=EditorSection.ARTICLE) as module:
        module.body = body
        module.save(update_fields=["body", "updated_at"])
    return module


@transaction.atomic
def update_accreditation(
    module: Module,
    *,
    by: User,
    accreditation_statement: str,
    pars_activity_id: str,
    commercial_support: str,
    commercial_support_statement: str,
) -> Module:
    """Save the accreditation statement, the PARS activity ID and the commercial support
    choice (CommercialSupport or "" for not stated yet) with its acknowledgement. Refused
    on a published module (AuthoringRefused)."""
    if commercial_support not in ("", *CommercialSupport.values):
        raise AuthoringRefused("Choose whether the activity received commercial support.")
    with _editing(
        module, by=by, section=EditorSection.ACCREDITATION, locked_when_published=True
    ) as module:
        module.accreditation_statement = accreditation_statement
        module.pars_activity_id = pars_activity_id
        module.commercial_support = commercial_support
        module.commercial_support_statement = commercial_support_statement
        module.save()
    return module


# Objectives ------------------------------------------------------------------------


def _renumber_objectives(module: Module) -> None:
    for position, objective in enumerate(module.objectives.order_by("position", "pk")):
        if objective.position != position:
            objective.position = position
            objective.save(update_fields=["position"])


@transaction.atomic
def add_objective(module: Module, *, by: User, text: str) -> LearningObjective:
    """Add a learning objective at the end of the list. Refused once published."""
    with _editing(
        module, by=by, section=EditorSection.OBJECTIVES, locked_when_published=True
    ) as module:
        position = module.objectives.count()
        return LearningObjective.objects.create(module=module, position=position, text=text)


@transaction.atomic
def update_objective(objective: LearningObjective, *, by: User, text: str) -> LearningObjective:
    """Reword an objective (allowed on a published module, audited)."""
    with _editing(objective.module, by=by, section=EditorSection.OBJECTIVES):
        objective = LearningObjective.objects.select_for_update().get(pk=objective.pk)
        objective.text = text
        objective.save(update_fields=["text"])
    return objective


@transaction.atomic
def remove_objective(objective: LearningObjective, *, by: User) -> None:
    """Remove an objective no question assesses. Refused once published, or while
    questions assess it (they must move to another objective first)."""
    with _editing(
        objective.module, by=by, section=EditorSection.OBJECTIVES, locked_when_published=True
    ) as module:
        if objective.questions.exists():
            raise AuthoringRefused(
                f"Questions assess “{objective.text}”: give them another objective first."
            )
        objective.delete()
        _renumber_objectives(module)


@transaction.atomic
def move_objective(objective: LearningObjective, *, by: User, up: bool) -> None:
    """Move an objective one place up (`up=True`) or down; at either end, nothing moves.
    Refused once published."""
    with _editing(
        objective.module, by=by, section=EditorSection.OBJECTIVES, locked_when_published=True
    ) as module:
        _renumber_objectives(module)
        ordered = list(module.objectives.order_by("position", "pk"))
        index = next(i for i, o in enumerate(ordered) if o.pk == objective.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(ordered):
            first, second = ordered[index], ordered[other]
            first.position, second.position = second.position, first.position
            first.save(update_fields=["position"])
            second.save(update_fields=["position"])


# Faculty ---------------------------------------------------------------------------


def _check_role(role: str) -> None:
    if role not in FacultyRole.values:
        raise AuthoringRefused("Choose the person's role: author, reviewer, planner or faculty.")


@transaction.atomic
def add_faculty_member(
    module: Module,
    *,
    by: User,
    name: str,
    degrees: str,
    role: str,
    affiliation: str,
    email: str = "",
) -> FacultyMember:
    """Add a person in control of the content; `email` is where the invitation to disclose
    goes (their disclosure is collected separately, courses.disclosure_collection)."""
    _check_role(role)
    with _editing(module, by=by, section=EditorSection.FACULTY) as module:
        return FacultyMember.objects.create(
            module=module,
            position=module.faculty.count(),
            name=name,
            degrees=degrees,
            role=role,
            affiliation=affiliation,
            email=email.strip(),
        )


@transaction.atomic
def update_faculty_member(
    person: FacultyMember,
    *,
    by: User,
    name: str,
    degrees: str,
    role: str,
    affiliation: str,
    email: str | None = None,
) -> FacultyMember:
    """Correct a person's name, degrees, role, affiliation or e-mail address (None keeps
    the address)."""
    _check_role(role)
    with _editing(person.module, by=by, section=EditorSection.FACULTY):
        person = FacultyMember.objects.select_for_update().get(pk=person.pk)
        person.name, person.degrees, person.role = name, degrees, role
        person.affiliation = affiliation
        if email is not None:
            person.email = email.strip()
        person.save(update_fields=["name", "degrees", "role", "affiliation", "email"])
    return person


@transaction.atomic
def remove_faculty_member(person: FacultyMember, *, by: User) -> None:
    """Remove a person (and their disclosure) from a draft. Refused once published: the
    disclosures learners were shown stay on record."""
    with _editing(person.module, by=by, section=EditorSection.FACULTY, locked_when_published=True):
        person.delete()


# References ------------------------------------------------------------------------


def read_reference(text: str) -> tuple[str, str, str]:
    """Split a pasted reference into (citation, doi, url), checking the DOI's shape.

    Accepts a citation ending in a link (`https://doi.org/10.…`, `doi:10.…`, `https://…`),
    a citation followed by a bare DOI (`… 2021;185:12. 10.1111/bjd.20873`) or a bare DOI
    alone (the DOI then stands as the citation until the author adds one). Raises
    AuthoringRefused for empty text or a DOI of the wrong shape."""
    text = " ".join(text.split())
    if not text:
        raise AuthoringRefused("Paste the citation, with its DOI or link if it has one.")
    citation, doi, url = split_citation(text)
    if not doi and not url:
        words = text.rsplit(" ", 1)
        last = words[-1].rstrip(".,;")
        if last.lower().startswith(("doi:", "https://doi.org/", "http://doi.org/")):
            doi = parse_doi(last)
            if not doi:
                raise AuthoringRefused(DOI_SHAPE_MESSAGE.format(doi=last))
            citation = words[0] if len(words) > 1 else last
        elif last.startswith("10."):
            doi = last
            citation = words[0] if len(words) > 1 else last
    if doi and not DOI_SHAPE.match(doi):
        raise AuthoringRefused(DOI_SHAPE_MESSAGE.format(doi=doi))
    if "doi" in text.lower() and not doi and url:
        raise AuthoringRefused(DOI_SHAPE_MESSAGE.format(doi=url))
    return citation.strip(), doi, url


@transaction.atomic
def add_reference(module: Module, *, by: User, text: str) -> Reference:
    """Add a reference from pasted text (see `read_reference`) at the end of the list."""
    citation, doi, url = read_reference(text)
    with _editing(module, by=by, section=EditorSection.REFERENCES) as module:
        return Reference.objects.create(
            module=module,
            position=module.references.count(),
            citation=citation,
            doi=doi,
            url=url[:500],
        )


@transaction.atomic
def remove_reference(reference: Reference, *, by: User) -> None:
    with _editing(reference.module, by=by, section=EditorSection.REFERENCES):
        reference.delete()


# Credit designations ---------------------------------------------------------------


@transaction.atomic
def add_designation(
    module: Module,
    *,
    by: User,
    credit_type: CreditType,
    max_credits: Decimal,
    uan: str = "",
    moc_board: str = "",
    moc_category: str = "",
) -> ModuleCredit:
    """Designate the module for a credit kind with its maximum (and the UAN, MOC board and
    category the kind requires; ModuleCredit.designation_problems lists what is missing).
    Refused once published and for a second designation of one kind and board."""
    if max_credits <= 0:
        raise AuthoringRefused("The maximum must be more than 0.")
    with _editing(
        module, by=by, section=EditorSection.CREDIT, locked_when_published=True
    ) as module:
        if module.credits.filter(credit_type=credit_type, moc_board=moc_board).exists():
            raise AuthoringRefused(
                f"This module is already designated for {credit_type.name}"
                + (f" ({moc_board})." if moc_board else ".")
            )
        try:
            with transaction.atomic():
                return ModuleCredit.objects.create(
                    module=module,
                    credit_type=credit_type,
                    max_credits=max_credits,
                    uan=uan,
                    moc_board=moc_board,
                    moc_category=moc_category,
                )
        except IntegrityError as exc:
            raise AuthoringRefused(
                f"This module is already designated for {credit_type.name}."
            ) from exc


@transaction.atomic
def change_designation(
    designation: ModuleCredit,
    *,
    by: User,
    max_credits: Decimal,
    uan: str = "",
    moc_category: str = "",
) -> ModuleCredit:
    """Correct a draft's designation in place: its maximum, its UAN (ACPE) or its MOC
    category. Its kind and board are what it is: to change them, remove it and add
    another. Refused once published, like every change to credit, and for a maximum of 0
    or less."""
    if max_credits <= 0:
        raise AuthoringRefused("The maximum must be more than 0.")
    with _editing(
        designation.module, by=by, section=EditorSection.CREDIT, locked_when_published=True
    ):
        designation = ModuleCredit.objects.select_for_update().get(pk=designation.pk)
        designation.max_credits = max_credits
        designation.uan = uan.strip()
        designation.moc_category = moc_category
        designation.save(update_fields=["max_credits", "uan", "moc_category"])
    return designation


@transaction.atomic
def remove_designation(designation: ModuleCredit, *, by: User) -> None:
    """Remove a credit designation from a draft (refused once published)."""
    with _editing(
        designation.module, by=by, section=EditorSection.CREDIT, locked_when_published=True
    ):
        designation.delete()
