"""The life of a delivery: a credit line on its way to its registry (docs/decisions/0006).

One blessed function per change, each writing a DeliveryEvent (who, when, why) and
refusing an impossible change with reporting.exceptions.DeliveryRefused:

    create_deliveries (a claim was made)      → waiting | ready | missed
    refresh_delivery  (the profile changed)   waiting → ready, rejected → corrected,
                                              ready/corrected → waiting if data went missing
    mark_sent         (a batch went out)      ready | corrected → sent
    record_result     (the registry answered) sent → accepted | rejected (with its reason);
                                              a delete record: sent → deleted
    delete_delivery   (credit revoked)        not yet at the registry → deleted;
                                              sent | accepted → a delete record to send
    mark_missed       (daily)                 unsent past a refusing registry's deadline
                                              → missed

When each line must arrive is decided by reporting.rules (one table).

**Profile changes after the claim.** The record (`Delivery.record`) is taken from the claim,
its line and the learner's profile when the claim is made. The certificate never changes
when the profile does (a re-issue is the way to correct a certificate). A delivery not yet
accepted re-takes the learner's data only through `refresh_delivery`, which the profile
listener (`refresh_learner_deliveries`, hooked into accounts.profiles.update_profile) calls
when the learner updates their profile: that is the documented correction path, e.g. after
CPE Monitor rejected a record because the birth date did not match. Records already sent
or accepted are never re-taken; a sent or accepted record is withdrawn only by a delete
record (`delete_delivery`).
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.identifiers import missing_identifier_codes, missing_identifiers
from accounts.models import Profile
from accounts.timezones import learner_time_zone
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateEventKind,
    CertificateStatus,
    CreditClaim,
    CreditLine,
    Evaluation,
)
from core.formats import format_day
from reporting.exceptions import DeliveryRefused
from reporting.models import Delivery, DeliveryBatch, DeliveryEvent, DeliveryStatus, Registry
from reporting.rules import DeliveryRule, deadline_for, earliest_for, rule_for

ADD = "add"
DELETE = "delete"

# Statuses in which the registry does not hold the record (nothing to withdraw there).
NOT_AT_REGISTRY = (
    DeliveryStatus.WAITING,
    DeliveryStatus.READY,
    DeliveryStatus.CORRECTED,
    DeliveryStatus.REJECTED,
    DeliveryStatus.MISSED,
)
# Statuses whose record may still be re-taken from the profile.
REFRESHABLE = (
    DeliveryStatus.WAITING,
    DeliveryStatus.READY,
    DeliveryStatus.CORRECTED,
    DeliveryStatus.REJECTED,
)
SENDABLE = (DeliveryStatus.READY, DeliveryStatus.CORRECTED)

REGISTRY_NAMES = {Registry.PARS: "ACCME PARS", Registry.CPE_MONITOR: "CPE Monitor"}


# The record -------------------------------------------------------------------


def delivery_record(line: CreditLine, profile: Profile) -> dict:
    """What the registry receives for `line` (a certificates.CreditLine with its claim,
    claim.module, credit_type and designation loaded or loadable) about the learner of
    `profile`, as it is now. JSON-serialisable; the registry writers (reporting.registries)
    read it from `Delivery.record` and never from the profile.

    Keys for ACCME PARS (line.reporting_channel "pars"):
        provider_id      str, the ACCME provider ID (setting CME_ACCME_PROVIDER_ID; "" unset)
        activity_id      str, the module's 9-digit PARS activity ID (Module.pars_activity_id;
                         the publish checks require it when a line reports to PARS)
        first_name, last_name   str, the account's names ("" when missing)
        birth_month, birth_day  int 1-12 / 1-31, or None when missing
        completed_on     str, ISO date "2026-11-30": the day the learner passed
        credit_id_domain str, who the learner's ID belongs to: "NPI" or a board code
                         ("ABIM", "ABP", …); "" when the profile holds none
        credit_id_value  str, the NPI or the board ID; ""
        credit_kind      str, the credit kind's code ("ama-pra-category-1", "moc-points")
        moc_board        str, the MOC board ("ABIM"), "" for credit that is not MOC
        moc_category     str, the MOC category code ("MK", "PA", …), "" when not MOC
        amount           str, two decimals "1.25": credit or MOC points (ABP: the
                         designation's full maximum, reporting.rules)
        action           str, "add" (a delete_delivery turns it into "delete")
    Keys for NABP CPE Monitor (channel "cpe_monitor"):
        epid             str, the NABP e-Profile ID ("" when missing)
        birth_mmdd       str, "0314" for 14 March ("" when missing)
        uan              str, the ACPE Universal Activity Number
        completed_on     str, ISO date
        contact_hours    str, two decimals "1.50"
        action           str, "add" or "delete"
    Both: `delivery_id` (int, the Delivery's pk) is added by create_deliveries and kept by
    refresh_delivery; it is what a results file names.

    Raises ValueError for a line whose channel is "none" (nothing is delivered).
    """
    rule = _rule_of(line)
    if rule is None:
        raise ValueError(f"Credit line {line.pk} is not reported to any registry.")
    claim = line.claim
    amount = _decimal_text(_line_max(line) if rule.full_amount else line.amount)
    if rule.registry == Registry.CPE_MONITOR:
        return {
            "epid": profile.nabp_epid,
            "birth_mmdd": _mmdd(profile),
            "uan": line_value(line, "uan"),
            "completed_on": claim.completed_on.isoformat(),
            "contact_hours": amount,
            "action": ADD,
        }
    board = line_value(line, "moc_board")
    domain, value = _credit_id(profile, board=board)
    user = profile.user
    return {
        "provider_id": settings.CME_ACCME_PROVIDER_ID,
        "activity_id": claim.module.pars_activity_id,
        "first_name": user.first_name.strip(),
        "last_name": user.last_name.strip(),
        "birth_month": profile.birth_month,
        "birth_day": profile.birth_day,
        "completed_on": claim.completed_on.isoformat(),
        "credit_id_domain": domain,
        "credit_id_value": value,
        "credit_kind": line.credit_type.code,
        "moc_board": board,
        "moc_category": line_value(line, "moc_category"),
        "amount": amount,
        "action": ADD,
    }


def missing_for(line: CreditLine, profile: Profile) -> list[str]:
    """What `profile` lacks for `line`'s registry, in the learner's words (accounts.
    identifiers.missing_identifiers with the kind's learner_identifiers and the MOC board):
    e.g. ["your ABIM ID", "your month and day of birth"]; [] when nothing is missing."""
    return missing_identifiers(
        profile, list(line.credit_type.learner_identifiers), board=line_value(line, "moc_board")
    )


# Creating ---------------------------------------------------------------------


@transaction.atomic
def create_deliveries(claim: CreditClaim, *, today: datetime.date | None = None) -> list[Delivery]:
    """One delivery per line of `claim` that must reach a registry (reporting.rules): AMA
    credit to PARS only with the learner's PARS consent; MOC points always (they wait for
    the consent and the board ID); ACPE contact hours to CPE Monitor always. Status
    `waiting` with `missing` labels when the profile lacks something, else `ready`; a claim
    made after the deadline of a registry that refuses late records (CPE Monitor) gives a
    `missed` delivery with the reason in its event. `today` defaults to the server's date.

    Idempotent: a line that already has its delivery keeps it. Called by the claim listener
    inside the claim's transaction, after its lines exist. Returns the deliveries created.
    """
    today = today or timezone.localdate()
    profile = Profile.objects.select_related("user").get(user_id=claim.learner_id)
    evaluated_on = _evaluated_on(claim, profile)
    created = []
    lines = claim.lines.select_related("credit_type", "designation", "claim__module")
    for line in lines:
        rule = _rule_of(line)
        if rule is None or Delivery.objects.filter(line=line, registry=rule.registry).exists():
            continue
        if rule.needs_consent_to_exist and _lacks_consent(line, profile):
            continue
        deadline = deadline_for(rule, completed_on=claim.completed_on, evaluated_on=evaluated_on)
        missing = missing_for(line, profile)
        status, note = _first_status(rule, deadline=deadline, missing=missing, today=today)
        delivery = Delivery.objects.create(
            line=line,
            registry=rule.registry,
            status=status,
            record=delivery_record(line, profile),
            missing=missing,
            earliest=earliest_for(rule, completed_on=claim.completed_on, evaluated_on=evaluated_on),
            deadline=deadline,
        )
        delivery.record["delivery_id"] = delivery.pk
        delivery.save(update_fields=["record"])
        _event(delivery, note, actor=claim.learner)
        created.append(delivery)
    return created


def _first_status(
    rule: DeliveryRule, *, deadline: datetime.date, missing: list[str], today: datetime.date
) -> tuple[str, str]:
    registry = REGISTRY_NAMES[rule.registry]
    if today > deadline and rule.refused_when_late:
        return DeliveryStatus.MISSED, (
            f"Claimed on {format_day(today)}, after {registry}'s deadline of "
            f"{format_day(deadline)} ({rule.days} days): {registry} no longer accepts this "
            "record, so it cannot be sent."
        )
    note = "Created from the claim."
    if today > deadline:
        note = (
            f"Created from a claim made on {format_day(today)}, after the deadline of "
            f"{format_day(deadline)}: send it as soon as possible."
        )
    if missing:
        return DeliveryStatus.WAITING, f"{note} Waiting for {_and(missing)}."
    return DeliveryStatus.READY, note


# Re-taking the record from the profile ------------------------------------------------


@transaction.atomic
def refresh_delivery(
    delivery: Delivery, *, by=None, today: datetime.date | None = None
) -> Delivery:
    """Re-take `delivery`'s record from the learner's profile as it is now.

    waiting → ready once nothing is missing; rejected → corrected when the record changed
    (an unchanged record would be rejected again, so it stays rejected); ready or corrected
    → waiting when something went missing (e.g. a consent withdrawn). A delivery whose
    registry refuses late records and whose deadline has passed becomes missed. Nothing
    changes (and no event is written) when the record, the missing labels and the status
    are the same as before. `by`: who asked (None for the learner's own profile update).

    Raises DeliveryRefused for a delivery sent, accepted, deleted or missed, or for a
    delete record waiting to be sent: those records are not re-taken.
    """
    today = today or timezone.localdate()
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("line__claim__module", "line__credit_type", "line__designation")
        .get(pk=delivery.pk)
    )
    if delivery.status not in REFRESHABLE:
        raise DeliveryRefused(
            f"Delivery #{delivery.pk} is {delivery.get_status_display().lower()}: its record "
            "is no longer taken from the profile."
        )
    if delivery.record.get("action") == DELETE:
        raise DeliveryRefused(
            f"Delivery #{delivery.pk} is a delete record waiting to be sent: it is not taken "
            "from the profile."
        )
    line = delivery.line
    profile = Profile.objects.select_related("user").get(user_id=line.claim.learner_id)
    record = {**delivery_record(line, profile), "delivery_id": delivery.pk}
    missing = missing_for(line, profile)
    rule = _rule_of(line)
    status = delivery.status
    if missing:
        status = DeliveryStatus.WAITING
    elif delivery.status == DeliveryStatus.REJECTED:
        status = DeliveryStatus.CORRECTED if record != delivery.record else status
    elif delivery.status == DeliveryStatus.WAITING:
        status = DeliveryStatus.READY
    if rule.refused_when_late and today > delivery.deadline:
        status = DeliveryStatus.MISSED
    if (record, missing, status) == (delivery.record, delivery.missing, delivery.status):
        return delivery
    delivery.record, delivery.missing, delivery.status = record, missing, status
    delivery.save(update_fields=["record", "missing", "status", "updated_at"])
    _event(delivery, _refresh_note(delivery, rule), actor=by)
    return delivery


def _refresh_note(delivery: Delivery, rule: DeliveryRule) -> str:
    if delivery.status == DeliveryStatus.MISSED:
        registry = REGISTRY_NAMES[rule.registry]
        return (
            f"The deadline of {format_day(delivery.deadline)} has passed: {registry} no "
            "longer accepts this record."
        )
    if delivery.status == DeliveryStatus.WAITING:
        return f"Record re-taken from the profile; waiting for {_and(delivery.missing)}."
    return "Record re-taken from the profile."


def refresh_learner_deliveries(profile: Profile) -> list[Delivery]:
    """The profile listener (accounts.profiles.update_profile, the learner's correction
    path): re-take the record of each of the learner's deliveries not yet sent, accepted,
    deleted or missed (refresh_delivery); and create the deliveries that a consent given
    after the claim now allows (AMA credit to PARS exists only with the learner's PARS
    consent: `create_deliveries` on each claim whose credit was not revoked). Returns the
    deliveries that changed or were created."""
    changed = []
    pending = Delivery.objects.filter(
        line__claim__learner_id=profile.user_id, status__in=REFRESHABLE
    ).exclude(record__action=DELETE)
    for delivery in pending:
        before = (delivery.status, delivery.record, delivery.missing)
        after = refresh_delivery(delivery)
        if (after.status, after.record, after.missing) != before:
            changed.append(after)
    for claim in _claims_consent_now_allows(profile):
        changed += create_deliveries(claim)
    return changed


def _claims_consent_now_allows(profile: Profile) -> list[CreditClaim]:
    """The learner's claims, credit not revoked, with a line that has no delivery because
    its registry needs a consent (reporting.rules `needs_consent_to_exist`) that the
    profile now holds."""
    undelivered = (
        CreditLine.objects.filter(claim__learner_id=profile.user_id, deliveries__isnull=True)
        .exclude(claim__certificates__status=CertificateStatus.REVOKED)
        .select_related("credit_type", "designation", "claim__module")
        .order_by("claim_id", "pk")
    )
    claims = {}
    for line in undelivered:
        rule = _rule_of(line)
        if rule and rule.needs_consent_to_exist and not _lacks_consent(line, profile):
            claims[line.claim_id] = line.claim
    return list(claims.values())


# Sending and answers ----------------------------------------------------------


@transaction.atomic
def mark_sent(
    deliveries: Iterable[Delivery],
    batch: DeliveryBatch,
    *,
    by=None,
    today: datetime.date | None = None,
) -> list[Delivery]:
    """Record that `deliveries` went to their registry in `batch`: ready or corrected →
    sent, with the batch and the time. All or nothing: raises DeliveryRefused listing every
    delivery that cannot be sent (not ready or corrected, for another registry than the
    batch's, before its earliest day, or past the deadline of a registry that refuses late
    records), and then changes none. Returns the deliveries, sent."""
    today = today or timezone.localdate()
    ids = [d.pk for d in deliveries]
    rows = list(
        Delivery.objects.select_for_update(of=("self",))
        .select_related("line")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    problems = [problem for row in rows if (problem := send_problem(row, today=today))]
    problems += [
        f"Delivery #{row.pk} is for {row.get_registry_display()}, not "
        f"{batch.get_registry_display()}."
        for row in rows
        if row.registry != batch.registry
    ]
    if problems:
        raise DeliveryRefused(" ".join(problems))
    now = timezone.now()
    for row in rows:
        row.status, row.batch, row.sent_at = DeliveryStatus.SENT, batch, now
        row.save(update_fields=["status", "batch", "sent_at", "updated_at"])
        action = "Delete record" if row.record.get("action") == DELETE else "Record"
        _event(row, f"{action} sent in batch #{batch.pk}.", actor=by)
    return rows


def send_problem(delivery: Delivery, *, today: datetime.date) -> str:
    """Why `delivery` cannot be sent today, or "" when it can."""
    if delivery.status not in SENDABLE:
        return (
            f"Delivery #{delivery.pk} is {delivery.get_status_display().lower()}: only ready "
            "or corrected deliveries are sent."
        )
    if delivery.earliest and today < delivery.earliest:
        return f"Delivery #{delivery.pk} is not sent before {format_day(delivery.earliest)}."
    rule = _rule_of(delivery.line)
    if rule.refused_when_late and today > delivery.deadline:
        return (
            f"Delivery #{delivery.pk} missed its deadline of {format_day(delivery.deadline)}: "
            f"{REGISTRY_NAMES[rule.registry]} no longer accepts it."
        )
    return ""


@transaction.atomic
def record_result(delivery: Delivery, *, accepted: bool, reason: str = "", by=None) -> Delivery:
    """The registry's answer for a sent record: accepted, or rejected with the registry's
    `reason` (kept and shown to the learner, e.g. "birth date does not match"). A delete
    record that is accepted leaves the delivery deleted.

    Raises DeliveryRefused for a delivery that is not sent (not sent yet, or already
    answered) and for a rejection without a reason."""
    reason = (reason or "").strip()
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.SENT:
        raise DeliveryRefused(
            f"Delivery #{delivery.pk} is {delivery.get_status_display().lower()}, not sent: a "
            "registry's answer is recorded only for a sent record."
        )
    if not accepted and not reason:
        raise DeliveryRefused(
            f"Give the registry's reason for rejecting delivery #{delivery.pk}: the learner "
            "is shown it."
        )
    registry = delivery.get_registry_display()
    if accepted:
        deleting = delivery.record.get("action") == DELETE
        delivery.status = DeliveryStatus.DELETED if deleting else DeliveryStatus.ACCEPTED
        delivery.reason = ""
        note = f"{'Deletion accepted' if deleting else 'Accepted'} by {registry}."
    else:
        delivery.status, delivery.reason = DeliveryStatus.REJECTED, reason
        note = f"Rejected by {registry}: {reason}"
    if delivery.delete_after_answer:
        # The credit was withdrawn while the registry held the record unanswered.
        delivery.delete_after_answer = False
        if accepted:
            delivery.status = DeliveryStatus.READY
            delivery.record = {**delivery.record, "action": DELETE}
            note += " The credit was withdrawn meanwhile: a delete record will be sent."
        else:
            delivery.status = DeliveryStatus.DELETED
            note += " The credit was withdrawn meanwhile: the registry holds nothing to delete."
    delivery.answered_at = timezone.now()
    delivery.save(
        update_fields=[
            "status", "reason", "answered_at", "record", "delete_after_answer", "updated_at"
        ]
    )  # fmt: skip
    _event(delivery, note, actor=by)
    return delivery


# Deleting (revoked credit) ----------------------------------------------------


@transaction.atomic
def delete_delivery(delivery: Delivery, *, by, reason: str) -> Delivery:
    """Withdraw a delivery, e.g. because its certificate was revoked. Not yet at the
    registry (waiting, ready, corrected, rejected, missed) → deleted at once; accepted → its
    record becomes a delete record (action "delete"), ready to send, and the delivery is
    deleted once the registry accepts it (record_result); sent and not yet answered → the
    registry's answer is awaited (`delete_after_answer`): if it accepts, the delete record
    follows; if it rejects, there is nothing to delete and the delivery is deleted.

    Raises DeliveryRefused without a reason, or for a delivery already deleted or whose
    delete record is already waiting to be sent."""
    reason = (reason or "").strip()
    if not reason:
        raise DeliveryRefused("Give a reason: it is kept with the deletion.")
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.DELETED:
        raise DeliveryRefused(f"Delivery #{delivery.pk} is already deleted.")
    if delivery.record.get("action") == DELETE or delivery.delete_after_answer:
        raise DeliveryRefused(
            f"Delivery #{delivery.pk} already has a delete record waiting to be sent."
        )
    if delivery.status in NOT_AT_REGISTRY:
        delivery.status = DeliveryStatus.DELETED
        note = f"Deleted before reaching the registry: {reason}"
    elif delivery.status == DeliveryStatus.SENT and delivery.record.get("action") != DELETE:
        # The registry has the record but has not answered: its answer is still to be
        # imported (record_result), and decides whether there is anything to delete.
        delivery.delete_after_answer = True
        note = (
            f"A delete record will be sent once {delivery.get_registry_display()} answers the "
            f"record sent in batch #{delivery.batch_id}: {reason}"
        )
    else:
        delivery.status = DeliveryStatus.READY
        delivery.record = {**delivery.record, "action": DELETE}
        note = f"A delete record will be sent to the registry: {reason}"
    delivery.save(update_fields=["status", "record", "delete_after_answer", "updated_at"])
    _event(delivery, note, actor=by)
    return delivery


def delete_certificate_deliveries(certificate: Certificate) -> list[Delivery]:
    """The revocation listener (certificates.issuance.revoke_certificate, inside its
    transaction): withdraw every delivery of the certificate's claim that is not already
    deleted or being deleted, with the revocation's reason and the administrator who
    revoked it."""
    revocation = (
        CertificateEvent.objects.filter(certificate=certificate, kind=CertificateEventKind.REVOKED)
        .order_by("-at", "-pk")
        .first()
    )
    by = revocation.actor if revocation else None
    reason = f"Certificate {certificate.number} revoked: {certificate.revocation_reason}"
    withdrawn = []
    deliveries = (
        Delivery.objects.filter(line__claim_id=certificate.claim_id)
        .exclude(status=DeliveryStatus.DELETED)
        .exclude(record__action=DELETE)
    )
    for delivery in deliveries:
        withdrawn.append(delete_delivery(delivery, by=by, reason=reason))
    return withdrawn


# Deadlines --------------------------------------------------------------------


@transaction.atomic
def mark_missed(*, today: datetime.date | None = None) -> int:
    """Deliveries whose registry refuses late records (reporting.rules: CPE Monitor) and
    whose deadline passed before `today` without being sent become missed, each with an
    event. Idempotent (a second run finds nothing). Returns how many it marked."""
    from reporting.rules import REFUSING_LATE_REGISTRIES

    today = today or timezone.localdate()
    late = (
        Delivery.objects.select_for_update(of=("self",))
        .filter(registry__in=REFUSING_LATE_REGISTRIES, status__in=REFRESHABLE, deadline__lt=today)
        .exclude(record__action=DELETE)
    )
    count = 0
    for delivery in late:
        registry = REGISTRY_NAMES[delivery.registry]
        delivery.status = DeliveryStatus.MISSED
        delivery.save(update_fields=["status", "updated_at"])
        _event(
            delivery,
            f"Not sent by its deadline of {format_day(delivery.deadline)}: {registry} no "
            "longer accepts this record.",
        )
        count += 1
    return count


# Helpers ----------------------------------------------------------------------


def _event(delivery: Delivery, note: str, *, actor=None) -> DeliveryEvent:
    return DeliveryEvent.objects.create(
        delivery=delivery, status=delivery.status, note=note, actor=actor
    )


def _rule_of(line: CreditLine) -> DeliveryRule | None:
    return rule_for(channel=line.reporting_channel, moc_board=line_value(line, "moc_board"))


def line_value(line: CreditLine, key: str) -> str:
    """The line's "uan", "moc_board" or "moc_category" as the claim took it (its snapshot),
    else its designation's."""
    value = (line.snapshot or {}).get(key)
    if value:
        return value
    return getattr(line.designation, key, "") if line.designation_id else ""


def _line_max(line: CreditLine):
    from decimal import Decimal

    maximum = (line.snapshot or {}).get("max")
    if maximum:
        return Decimal(str(maximum))
    return line.designation.max_credits if line.designation_id else line.amount


def _lacks_consent(line: CreditLine, profile: Profile) -> bool:
    consents = [c for c in line.credit_type.learner_identifiers if c.startswith("consent_")]
    return bool(missing_identifier_codes(profile, consents))


def _evaluated_on(claim: CreditClaim, profile: Profile) -> datetime.date | None:
    submitted = (
        Evaluation.objects.filter(learner_id=claim.learner_id, module_id=claim.module_id)
        .values_list("submitted_at", flat=True)
        .first()
    )
    if submitted is None:
        return None
    return submitted.astimezone(learner_time_zone(profile.user)).date()


def _credit_id(profile: Profile, *, board: str) -> tuple[str, str]:
    ids = profile.board_ids.reported_through_pars()
    if board:
        board_id = ids.filter(board=board).first()
        return (board, board_id.identifier) if board_id else ("", "")
    if profile.npi:
        return "NPI", profile.npi
    board_id = ids.first()
    return (board_id.board, board_id.identifier) if board_id else ("", "")


def _mmdd(profile: Profile) -> str:
    if profile.birth_month is None or profile.birth_day is None:
        return ""
    return f"{profile.birth_month:02d}{profile.birth_day:02d}"


def _decimal_text(value) -> str:
    return f"{value:.2f}"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Several at once (the reconciliation page) -------------------------------------------


@transaction.atomic
def delete_deliveries(deliveries: Iterable[Delivery], *, by, reason: str) -> list[Delivery]:
    """delete_delivery for each of `deliveries`, all or nothing: the first refusal raises
    DeliveryRefused and none is deleted."""
    return [delete_delivery(delivery, by=by, reason=reason) for delivery in deliveries]


def refresh_deliveries(deliveries: Iterable[Delivery], *, by) -> tuple[int, list[str]]:
    """refresh_delivery for each of `deliveries`, each on its own: returns how many
    changed and why the others were refused (one message each)."""
    changed, refused = 0, []
    for delivery in deliveries:
        before = (delivery.status, delivery.record, delivery.missing)
        try:
            after = refresh_delivery(delivery, by=by)
        except DeliveryRefused as exc:
            refused.append(str(exc))
            continue
        changed += (after.status, after.record, after.missing) != before
    return changed, refused
