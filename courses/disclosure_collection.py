"""Disclosure collection (ACCME Standards for Integrity and Independence, Standard 3).

Everyone in control of the content (authors, faculty, reviewers, planners) discloses their
own financial relationships with ineligible companies from the past 24 months; the planner
decides which are relevant to the content and records how each relevant one was mitigated,
before the activity. Every step is kept for the accreditor: who invited whom and when, when
the link was opened, what was attested, by which typed signature, from which address, and
each review of a relationship (/work/shared/DOMAIN.md, "Disclosure of financial
relationships").

The steps, each one function here:

1. `invite_to_disclose` — a `DisclosureInvitation` with a link of its own, e-mailed after
   commit by the task `courses.tasks.send_disclosure_invitation` (`email_invitation`).
   The link carries a signed token naming the invitation (no account needed); it expires
   after INVITATION_VALID_DAYS, and a newer invitation voids it.
2. `open_invitation` — the person follows the link (the first opening is recorded).
3. `submit_disclosure` — an immutable `DisclosureRecord` with its `DisclosedRelationship`s,
   or the attestation of none; one per invitation.
4. `review_relationship` — the planner's decision (relevant or not, and the mitigation),
   an immutable `RelationshipReview`; the latest one counts.

`apply_latest_disclosure` is the one function that fills a FacultyMember's disclosure
fields (status, relevant relationships, mitigation) from their latest record, which is
what the module page shows learners.

Legacy rows: a person who was never invited keeps the status typed by hand in the admin
(modules written before disclosure collection, and the demo's demonstration data); the
publish checks then apply the rules they always did. Once a person has been invited, only
their own signed records count.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from core.formats import format_day
from core.plaintext import render_plain_text, render_subject
from core.tasks import enqueue
from courses.exceptions import DisclosureLinkRefused, DisclosureRefused
from courses.models import (
    DisclosedRelationship,
    DisclosureInvitation,
    DisclosureRecord,
    DisclosureStatus,
    FacultyMember,
    FinancialRelationship,
    Module,
    RelationshipNature,
    RelationshipReview,
)

logger = logging.getLogger(__name__)

INVITATION_VALID_DAYS = 30
DISCLOSURE_VALID_MONTHS = 12  # ACCME: disclosures are collected at least every 12 months
LOOKBACK_MONTHS = 24  # relationships from the past 24 months are disclosed
TOKEN_SALT = "courses.disclosure-invitation"
SEND_INVITATION_TASK = "courses.tasks.send_disclosure_invitation"

ATTESTATION = "I attest that this is complete and accurate."
NONE_STATEMENT = (
    "I have had no financial relationships with ineligible companies in the past 24 months."
)

TAMPERED_LINK = (
    "This disclosure link is not valid. Open the link exactly as it appears in the "
    "invitation e-mail, or ask the course team for a new invitation."
)


# Links -------------------------------------------------------------------------------------


def invitation_token(invitation: DisclosureInvitation) -> str:
    """The signed token of an invitation's link: its id and a signature made with the
    site's secret key and TOKEN_SALT, e.g. "12:Xb3…". Anyone can read the id; nobody can
    make a token for another id without the key."""
    return signing.Signer(salt=TOKEN_SALT).sign(str(invitation.pk))


def invitation_link(invitation: DisclosureInvitation) -> str:
    """The absolute URL the invitation e-mail gives (settings.SITE_URL + the form's path)."""
    path = reverse("courses:disclose", kwargs={"token": invitation_token(invitation)})
    return settings.SITE_URL.rstrip("/") + path


def _invitation_from_token(token: str) -> DisclosureInvitation:
    try:
        pk = int(signing.Signer(salt=TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise DisclosureLinkRefused(TAMPERED_LINK) from None
    try:
        return DisclosureInvitation.objects.select_related("faculty_member__module").get(pk=pk)
    except DisclosureInvitation.DoesNotExist:
        raise DisclosureLinkRefused(TAMPERED_LINK) from None


def _refuse_unusable(invitation: DisclosureInvitation, now: datetime.datetime) -> None:
    """Raise DisclosureLinkRefused if the invitation was voided or has expired."""
    if invitation.voided_at is not None:
        raise DisclosureLinkRefused(
            "This link was replaced by a newer invitation. Use the link in the most recent "
            "e-mail, or ask the course team for a new invitation."
        )
    if invitation.is_expired(now):
        raise DisclosureLinkRefused(
            f"This link expired on {format_day(invitation.expires_at)}. Ask the course team "
            "for a new invitation."
        )


# Step 1: the invitation --------------------------------------------------------------------


def invite_to_disclose(
    faculty_member: FacultyMember,
    *,
    by: User,
    email: str = "",
    now: datetime.datetime | None = None,
) -> DisclosureInvitation:
    """Invite `faculty_member` to disclose, at `email` (kept as their address) or the
    address they have. Earlier invitations not yet used are voided (their links stop
    working); the invitation is a renewal when the person has disclosed before. The e-mail
    is sent after commit by the task SEND_INVITATION_TASK.

    Raises DisclosureRefused when there is no valid e-mail address. Returns the new
    invitation (expires INVITATION_VALID_DAYS after `now`)."""
    now = now or timezone.now()
    email = (email or faculty_member.email).strip()
    if not email:
        raise DisclosureRefused(
            f"Give the e-mail address of {faculty_member.display_name}: the invitation is "
            "sent there."
        )
    try:
        validate_email(email)
    except ValidationError:
        raise DisclosureRefused(f"“{email}” is not an e-mail address.") from None
    with transaction.atomic():
        person = FacultyMember.objects.select_for_update().get(pk=faculty_member.pk)
        if person.email != email:
            person.email = email
            person.save(update_fields=["email"])
        DisclosureInvitation.objects.filter(
            faculty_member=person, voided_at__isnull=True, record__isnull=True
        ).update(voided_at=now)
        invitation = DisclosureInvitation.objects.create(
            faculty_member=person,
            email=email,
            invited_by=by,
            invited_at=now,
            expires_at=now + datetime.timedelta(days=INVITATION_VALID_DAYS),
            is_renewal=person.disclosure_records.exists(),
        )
        transaction.on_commit(lambda: enqueue_invitation_email(invitation.pk))
    faculty_member.email = email
    return invitation


def enqueue_invitation_email(invitation_id: int) -> bool:
    """Queue the invitation e-mail. When the broker is down the invitation stands and the
    author can send it again from the author page; returns whether it was queued."""
    try:
        enqueue(SEND_INVITATION_TASK, invitation_id)
    except (BrokerError, OSError) as exc:
        logger.warning("disclosure invitation %s not queued: %s", invitation_id, exc)
        return False
    return True


def email_invitation(invitation_id: int) -> DisclosureInvitation:
    """E-mail one invitation its link, once (`emailed_at` records it); an invitation
    already e-mailed, voided or used is left alone, so running it twice sends one e-mail."""
    with transaction.atomic():
        invitation = (
            DisclosureInvitation.objects.select_for_update()
            .select_related("faculty_member__module", "invited_by")
            .get(pk=invitation_id)
        )
        if (
            invitation.emailed_at is not None
            or invitation.voided_at is not None
            or DisclosureRecord.objects.filter(invitation=invitation).exists()
        ):
            return invitation
        context = {
            "invitation": invitation,
            "person": invitation.faculty_member,
            "module": invitation.faculty_member.module,
            "link": invitation_link(invitation),
            "provider": settings.CME_PROVIDER_NAME,
            "support_email": settings.CME_SUPPORT_EMAIL,
            "valid_days": INVITATION_VALID_DAYS,
        }
        send_mail(
            subject=render_subject("courses/disclosures/invitation_subject.txt", context),
            message=render_plain_text("courses/disclosures/invitation_email.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
        invitation.emailed_at = timezone.now()
        invitation.save(update_fields=["emailed_at"])
    return invitation


# Steps 2 and 3: the person discloses -------------------------------------------------------


def open_invitation(
    token: str, *, client_ip: str | None, now: datetime.datetime | None = None
) -> DisclosureInvitation:
    """The invitation a link's `token` names, recording the first time it was opened and
    from which address. An invitation already used is returned as it is (the page shows
    what was submitted), even once expired.

    Raises DisclosureLinkRefused for a tampered token, a voided or an expired invitation."""
    now = now or timezone.now()
    invitation = _invitation_from_token(token)
    if DisclosureRecord.objects.filter(invitation=invitation).exists():
        return invitation
    _refuse_unusable(invitation, now)
    if invitation.opened_at is None:
        DisclosureInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=now, opened_from=client_ip or None
        )
        invitation.opened_at, invitation.opened_from = now, client_ip or None
    return invitation


@dataclass(frozen=True)
class RelationshipEntry:
    """One relationship as the person gives it: `nature` is a RelationshipNature value,
    `nature_detail` their words for "other", `ended_on` the day it ended (None: ongoing)."""

    company: str
    nature: str
    nature_detail: str = ""
    ended_on: datetime.date | None = None


def relationship_problems(
    relationships: list[RelationshipEntry], *, has_relationships: bool, today: datetime.date
) -> list[str]:
    """What is wrong with a disclosure's list, in words the person can act on ([] if
    nothing): relationships numbered from 1 in the order given."""
    if has_relationships and not relationships:
        return ["List at least one financial relationship, or state that you have none."]
    if not has_relationships and relationships:
        return [
            "You stated that you have no financial relationships but listed some: remove "
            "them, or state that you have relationships."
        ]
    problems = []
    for number, entry in enumerate(relationships, start=1):
        if not entry.company.strip():
            problems.append(f"Give the name of the company of relationship {number}.")
        if entry.nature not in RelationshipNature.values:
            problems.append(f"Choose the nature of relationship {number}.")
        elif entry.nature == RelationshipNature.OTHER and not entry.nature_detail.strip():
            problems.append(f"Describe the nature of relationship {number} (you chose Other).")
        if entry.ended_on is not None and entry.ended_on > today:
            problems.append(
                f"Relationship {number} ends in the future: a relationship that continues "
                "has not ended."
            )
    return problems


def submit_disclosure(
    invitation: DisclosureInvitation,
    *,
    has_relationships: bool,
    relationships: list[RelationshipEntry],
    signature: str,
    attested: bool,
    client_ip: str | None,
    now: datetime.datetime | None = None,
) -> DisclosureRecord:
    """Record what the person disclosed through `invitation`: their relationships (or
    that they have none), the attestation ATTESTATION they ticked, their typed signature
    and their address; then fill their FacultyMember fields (`apply_latest_disclosure`).

    Raises DisclosureRefused (nothing saved) for a missing signature or attestation, a
    list that does not match `has_relationships`, or an entry without company or nature;
    for an invitation already used (a new invitation is needed to change a disclosure).
    Raises DisclosureLinkRefused for a voided or expired invitation."""
    now = now or timezone.now()
    problems = []
    if not signature.strip():
        problems.append("Type your full name to sign your disclosure.")
    if not attested:
        problems.append(f"Tick “{ATTESTATION}” to sign your disclosure.")
    problems += relationship_problems(
        relationships, has_relationships=has_relationships, today=timezone.localdate(now)
    )
    if problems:
        raise DisclosureRefused(" ".join(problems))
    with transaction.atomic():
        invitation = DisclosureInvitation.objects.select_for_update().get(pk=invitation.pk)
        previous = DisclosureRecord.objects.filter(invitation=invitation).first()
        if previous is not None:
            raise DisclosureRefused(
                f"You submitted this disclosure on {format_day(previous.submitted_at)}. To "
                "change it, ask the course team for a new invitation."
            )
        _refuse_unusable(invitation, now)
        record = DisclosureRecord.objects.create(
            invitation=invitation,
            faculty_member_id=invitation.faculty_member_id,
            has_relationships=has_relationships,
            attestation=ATTESTATION if has_relationships else f"{NONE_STATEMENT} {ATTESTATION}",
            signature=signature.strip(),
            submitted_at=now,
            submitted_from=client_ip or None,
        )
        DisclosedRelationship.objects.bulk_create(
            DisclosedRelationship(
                record=record,
                position=position,
                company=entry.company.strip(),
                nature=entry.nature,
                nature_detail=(
                    entry.nature_detail.strip() if entry.nature == RelationshipNature.OTHER else ""
                ),
                ended_on=entry.ended_on,
            )
            for position, entry in enumerate(relationships)
        )
        apply_latest_disclosure(invitation.faculty_member)
    return record


# Step 4: the planner's review --------------------------------------------------------------


def review_relationship(
    relationship: DisclosedRelationship,
    *,
    is_relevant: bool,
    mitigation: str = "",
    by: User,
    now: datetime.datetime | None = None,
) -> RelationshipReview:
    """Record the planner's decision on one disclosed relationship: relevant to the content
    (the company's products relate to it) or not, and for a relevant one how it was
    mitigated (e.g. "Peer review of the content by a reviewer without relationships");
    a relevant relationship without mitigation stays to be mitigated. Earlier reviews stay;
    the latest counts. Updates the person's FacultyMember fields.

    Raises DisclosureRefused for a mitigation given for a relationship found not relevant,
    or a relationship of a disclosure that a newer one has replaced."""
    mitigation = mitigation.strip()
    if mitigation and not is_relevant:
        raise DisclosureRefused(
            "Only a relevant relationship is mitigated: leave the mitigation empty, or mark "
            "the relationship relevant."
        )
    with transaction.atomic():
        person = FacultyMember.objects.select_for_update().get(
            pk=relationship.record.faculty_member_id
        )
        latest = latest_record(person)
        if latest is None or latest.pk != relationship.record_id:
            raise DisclosureRefused(
                "This disclosure was replaced by a newer one; review the relationships of "
                "the newer disclosure."
            )
        review = RelationshipReview.objects.create(
            relationship=relationship,
            is_relevant=is_relevant,
            mitigation=mitigation,
            reviewed_by=by,
            reviewed_at=now or timezone.now(),
        )
        apply_latest_disclosure(person)
    return review


def latest_review(relationship: DisclosedRelationship) -> RelationshipReview | None:
    reviews = getattr(relationship, "_prefetched_objects_cache", {}).get("reviews")
    if reviews is not None:
        return max(reviews, key=lambda r: (r.reviewed_at, r.pk), default=None)
    return relationship.reviews.order_by("-reviewed_at", "-pk").first()


# What the records mean ---------------------------------------------------------------------


def latest_record(person: FacultyMember, *prefetch: str) -> DisclosureRecord | None:
    """`person`'s latest disclosure (the last signed, or carried over), the one that counts;
    None if they never disclosed through the site. `prefetch`: related lookups to load."""
    records = person.disclosure_records.order_by("-submitted_at", "-pk")
    return records.prefetch_related(*prefetch).first()


def apply_latest_disclosure(faculty_member: FacultyMember) -> FacultyMember:
    """Fill `faculty_member`'s disclosure fields from their latest record: status NONE
    when no relationship is relevant, RELEVANT when every relationship is decided and each
    relevant one mitigated, PENDING while any is undecided or unmitigated; the relevant
    relationships as FinancialRelationship rows (company; nature, with the end date); the
    mitigations in `mitigation`. A person without a record is left as typed by hand.
    The one writer of these fields for anyone who disclosed through the site."""
    with transaction.atomic():
        person = FacultyMember.objects.select_for_update().get(pk=faculty_member.pk)
        record = latest_record(person, "relationships__reviews")
        if record is None:
            return person
        relevant, mitigations, pending = [], [], False
        for relationship in record.relationships.all():
            review = latest_review(relationship)
            if review is None:
                pending = True
            elif review.is_relevant:
                relevant.append(relationship)
                if review.mitigation:
                    if review.mitigation not in mitigations:
                        mitigations.append(review.mitigation)
                else:
                    pending = True
        if pending:
            person.disclosure_status = DisclosureStatus.PENDING
        elif relevant:
            person.disclosure_status = DisclosureStatus.RELEVANT
        else:
            person.disclosure_status = DisclosureStatus.NONE
        person.mitigation = " ".join(mitigations)
        person.save(update_fields=["disclosure_status", "mitigation"])
        person.financial_relationships.all().delete()
        FinancialRelationship.objects.bulk_create(
            FinancialRelationship(
                faculty_member=person,
                company=relationship.company,
                nature=_nature_for_learners(relationship),
            )
            for relationship in relevant
        )
    faculty_member.disclosure_status = person.disclosure_status
    faculty_member.mitigation = person.mitigation
    return person


def carry_disclosure_over(person: FacultyMember, *, to: FacultyMember) -> DisclosureRecord | None:
    """Carry `person`'s latest disclosure to `to`, the same person in a new edition of the
    module (courses.publishing.create_new_edition), and fill `to`'s disclosure fields from
    it. Returns the copy, or None when `person` never disclosed through the site (a legacy
    row, copied as typed by hand).

    The copy keeps the signature, the attestation, the relationships and the date signed,
    so it is due for renewal when the original is (DISCLOSURE_VALID_MONTHS); it points at
    the record actually signed (`carried_from`). The planner's decisions are not carried:
    relevance depends on the content, so the new edition's planner decides again and
    records the mitigation (ACCME Standards for Integrity and Independence, Standard 3).
    Until then `to` is PENDING if anything was disclosed, so the publish checks hold."""
    latest = latest_record(person, "relationships")
    if latest is None:
        return None
    with transaction.atomic():
        copy = DisclosureRecord.objects.create(
            carried_from=latest.carried_from or latest,
            faculty_member=to,
            has_relationships=latest.has_relationships,
            attestation=latest.attestation,
            signature=latest.signature,
            submitted_at=latest.submitted_at,
            submitted_from=latest.submitted_from,
        )
        DisclosedRelationship.objects.bulk_create(
            DisclosedRelationship(
                record=copy,
                position=relationship.position,
                company=relationship.company,
                nature=relationship.nature,
                nature_detail=relationship.nature_detail,
                ended_on=relationship.ended_on,
            )
            for relationship in latest.relationships.all()
        )
        apply_latest_disclosure(to)
    return copy


def _nature_for_learners(relationship: DisclosedRelationship) -> str:
    if relationship.ended_on:
        return f"{relationship.nature_text} (ended {format_day(relationship.ended_on)})"
    return relationship.nature_text


def disclosure_valid_until(record: DisclosureRecord) -> datetime.date:
    """The first day a disclosure is older than DISCLOSURE_VALID_MONTHS (the anniversary of
    its signature, in the site's time zone): from that day it must be renewed."""
    signed = timezone.localdate(record.submitted_at)
    year = signed.year + DISCLOSURE_VALID_MONTHS // 12
    try:
        return signed.replace(year=year)
    except ValueError:  # 29 February
        return signed.replace(year=year, month=3, day=1)


class PersonState:
    """Where one person stands, as the author page lists it."""

    NOT_INVITED = "Not invited"
    RECORDED_BY_HAND = "Recorded by hand (not collected through the site)"
    INVITED = "Invited"
    OPENED = "Opened the link"
    EXPIRED = "Invitation expired"
    NEEDS_MITIGATION = "Needs review or mitigation"
    DISCLOSED = "Disclosed: no relevant relationships"
    MITIGATED = "Disclosed: relevant relationships mitigated"
    RENEWAL_DUE = "Renewal due"


@dataclass
class RelationshipLine:
    relationship: DisclosedRelationship
    review: RelationshipReview | None

    @property
    def needs_decision(self) -> bool:
        return self.review is None or (self.review.is_relevant and not self.review.mitigation)


@dataclass
class PersonDisclosure:
    """One person's disclosure for the author page and the publish checks."""

    person: FacultyMember
    state: str
    invitation: DisclosureInvitation | None = None
    record: DisclosureRecord | None = None
    relationships: list[RelationshipLine] = field(default_factory=list)
    valid_until: datetime.date | None = None
    renewal_invited: bool = False

    @property
    def style(self) -> str:
        """The Bootstrap colour of the state's badge."""
        if self.state in (PersonState.DISCLOSED, PersonState.MITIGATED):
            return "success"
        if self.state in (PersonState.INVITED, PersonState.OPENED, PersonState.RECORDED_BY_HAND):
            return "secondary"
        return "danger"

    @property
    def renewal_due(self) -> bool:
        return self.state == PersonState.RENEWAL_DUE

    @property
    def is_legacy(self) -> bool:
        return self.invitation is None and self.record is None


def module_disclosures(
    module: Module, *, today: datetime.date | None = None
) -> list[PersonDisclosure]:
    """Each person in control of `module`'s content with their latest invitation and
    record, the planner's latest review of each relationship, and their state
    (PersonState), in the faculty's order."""
    today = today or timezone.localdate()
    people = module.faculty.prefetch_related(
        "disclosure_invitations__record",
        "disclosure_records__relationships__reviews",
    ).order_by("position", "pk")
    result = []
    for person in people:
        invitations = sorted(
            person.disclosure_invitations.all(), key=lambda i: (i.invited_at, i.pk), reverse=True
        )
        records = sorted(
            person.disclosure_records.all(), key=lambda r: (r.submitted_at, r.pk), reverse=True
        )
        invitation = invitations[0] if invitations else None
        record = records[0] if records else None
        entry = PersonDisclosure(person=person, state=PersonState.NOT_INVITED)
        entry.invitation, entry.record = invitation, record
        if record is None:
            if invitation is None:
                if person.disclosure_status != DisclosureStatus.NOT_COLLECTED:
                    entry.state = PersonState.RECORDED_BY_HAND
            elif invitation.is_expired():
                entry.state = PersonState.EXPIRED
            elif invitation.opened_at:
                entry.state = PersonState.OPENED
            else:
                entry.state = PersonState.INVITED
            result.append(entry)
            continue
        entry.relationships = [
            RelationshipLine(relationship, latest_review(relationship))
            for relationship in record.relationships.all()
        ]
        entry.valid_until = disclosure_valid_until(record)
        entry.renewal_invited = invitation is not None and invitation.pk != record.invitation_id
        if today >= entry.valid_until:
            entry.state = PersonState.RENEWAL_DUE
        elif any(line.needs_decision for line in entry.relationships):
            entry.state = PersonState.NEEDS_MITIGATION
        elif any(line.review.is_relevant for line in entry.relationships):
            entry.state = PersonState.MITIGATED
        else:
            entry.state = PersonState.DISCLOSED
        result.append(entry)
    return result


def disclosure_problems(module: Module, *, today: datetime.date | None = None) -> list[str]:
    """The publish checks' part on disclosures, per person in the faculty's order ([] when
    everyone has disclosed and every relevant relationship is mitigated): a person invited
    must have disclosed through the site, within DISCLOSURE_VALID_MONTHS, with every
    relationship decided and every relevant one mitigated; a person never invited (legacy
    rows, the demo) needs a status recorded by hand, with the relationships listed when
    relevant."""
    problems = []
    for entry in module_disclosures(module, today=today):
        person, name = entry.person, entry.person.display_name
        if entry.is_legacy:
            if person.disclosure_status == DisclosureStatus.NOT_COLLECTED:
                problems.append(
                    f"Record the disclosure of {name} (or state that they have no relevant "
                    "financial relationships)."
                )
            elif (
                person.disclosure_status == DisclosureStatus.RELEVANT
                and not person.financial_relationships.exists()
            ):
                problems.append(f"List the relevant financial relationships of {name}.")
            continue
        if entry.record is None:
            invited = format_day(entry.invitation.invited_at)
            problems.append(f"{name} has not disclosed yet (invited on {invited}).")
            continue
        if entry.state == PersonState.RENEWAL_DUE:
            problems.append(
                f"The disclosure of {name} is older than {DISCLOSURE_VALID_MONTHS} months "
                f"(signed on {format_day(entry.record.submitted_at)}): invite them to renew it."
            )
        for line in entry.relationships:
            company = line.relationship.company
            if line.review is None:
                problems.append(
                    f"Decide whether the relationship of {name} with {company} is relevant to "
                    "the content."
                )
            elif line.review.is_relevant and not line.review.mitigation:
                problems.append(
                    f"Record how the relevant relationship of {name} with {company} was mitigated."
                )
    return problems


def renewals_due(
    module: Module, *, by: datetime.date, today: datetime.date | None = None
) -> list[tuple[FacultyMember, datetime.date]]:
    """The people of `module` whose latest disclosure must be renewed on or before `by`,
    with the day it is due (`disclosure_valid_until`), in the faculty's order."""
    return [
        (entry.person, entry.valid_until)
        for entry in module_disclosures(module, today=today)
        if entry.valid_until is not None and entry.valid_until <= by
    ]
