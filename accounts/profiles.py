"""Changing a learner's profile: the one way to do it (the profile page calls it)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile, StateLicense

# Each channel's consent, and the field that dates its last change: reporting a learner's
# completions to a registry is lawful only with their consent, so when it was given or
# withdrawn is kept.
CONSENT_DATES = {
    "reports_to_boards": "reports_to_boards_changed_at",  # ACCME PARS (boards)
    "reports_to_cpe_monitor": "reports_to_cpe_monitor_changed_at",  # NABP CPE Monitor
    "reports_to_state_boards": "reports_to_state_boards_changed_at",  # state licensing boards
}

# The account's fields a profile change may carry: the names boards match on.
NAME_FIELDS = ("first_name", "last_name")
NAME_REQUIRED = {
    "first_name": "Give your first name: boards match your completions on it.",
    "last_name": "Give your last name: boards match your completions on it.",
}


# Extension point: functions called with the profile after each update_profile, inside its
# transaction (reporting re-takes the records of deliveries not yet accepted: the learner's
# documented correction path).
_profile_listeners: list = []


def register_profile_listener(listener) -> None:
    """Have `listener(profile)` called after every update_profile, inside its transaction.
    Filled by apps above accounts in their AppConfig.ready(); registering twice is
    harmless."""
    if listener not in _profile_listeners:
        _profile_listeners.append(listener)


@transaction.atomic
def update_profile(
    profile: Profile,
    *,
    changes: dict,
    board_ids: dict[str, str],
    licenses: list[dict[str, str]] | None = None,
) -> Profile:
    """Apply the learner's validated profile changes.

    - `changes`: profile field → value; may also carry the account's `first_name` and
      `last_name` (stripped; a blank one is refused).
    - `board_ids`: board code → ID ("" removes it). Boards left out are untouched, so IDs
      kept for boards that no longer report through PARS (ABD, ABFM) stay as saved.
    - `licenses`: the learner's whole set of state licenses, each {"state": "IL",
      "number": "036-123456", "profession": "MD"}; a license for a state and profession
      already held keeps its row with the new number, licenses left out are removed.
      None leaves the licenses as they are.

    A change of each channel's consent (PARS, CPE Monitor, state boards) is dated
    (CONSENT_DATES). Everything is checked before anything is written, in one transaction:
    a ValidationError (field → messages, e.g. {"birth_day": ["February has no day 30."]})
    leaves the profile, the account, the board IDs and the licenses as they were.

    This is also the documented correction path: when a registry rejects a record (a
    wrong ePID, a birth date that does not match), the learner corrects the profile here,
    and deliveries not yet accepted re-take the learner's data from the corrected profile
    (the reporting app hooks in here; docs/decisions/0006). Deliveries already accepted and
    certificates already issued do not change.
    """
    profile = Profile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    user = profile.user

    for field, value in changes.items():
        if field in NAME_FIELDS:
            value = value.strip()
            if not value:
                raise ValidationError({field: NAME_REQUIRED[field]})
            setattr(user, field, value)
            continue
        if field in CONSENT_DATES and value != getattr(profile, field):
            setattr(profile, CONSENT_DATES[field], timezone.now())
        setattr(profile, field, value)
    profile.full_clean()
    if licenses is not None:
        wanted = _checked_licenses(profile, licenses)

    profile.save()
    if any(field in NAME_FIELDS for field in changes):
        user.save(update_fields=[f for f in NAME_FIELDS if f in changes])
    for board, identifier in board_ids.items():
        identifier = identifier.strip()
        if identifier:
            profile.board_ids.update_or_create(board=board, defaults={"identifier": identifier})
        else:
            profile.board_ids.filter(board=board).delete()
    if licenses is not None:
        _replace_licenses(profile, wanted)
    for listener in _profile_listeners:
        listener(profile)
    return profile


def _checked_licenses(profile: Profile, licenses: list[dict[str, str]]) -> list[StateLicense]:
    """The licenses as unsaved rows, each checked for shape; one per state and profession.
    Raises ValidationError({"licenses": [...]}) naming the license that is wrong."""
    rows, seen, problems = [], set(), []
    for entry in licenses:
        row = StateLicense(
            profile=profile,
            state=entry["state"],
            number=entry["number"].strip(),
            profession=entry["profession"],
        )
        key = (row.state, row.profession)
        if key in seen:
            problems.append(
                f"You gave two {row.get_profession_display()} licenses for "
                f"{row.get_state_display()}; keep one."
            )
            continue
        seen.add(key)
        try:
            # Uniqueness is kept by _replace_licenses, which updates a held license's row.
            row.full_clean(exclude=["profile"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            where = f"{row.get_state_display() or 'License'} {row.get_profession_display()}"
            problems.extend(f"{where.strip()}: {message}" for message in error.messages)
        rows.append(row)
    if problems:
        raise ValidationError({"licenses": problems})
    return rows


def _replace_licenses(profile: Profile, wanted: list[StateLicense]) -> None:
    held = {(lic.state, lic.profession): lic for lic in profile.state_licenses.all()}
    for row in wanted:
        current = held.pop((row.state, row.profession), None)
        if current is None:
            row.save()
        elif current.number != row.number:
            current.number = row.number
            current.save(update_fields=["number"])
    StateLicense.objects.filter(pk__in=[lic.pk for lic in held.values()]).delete()
