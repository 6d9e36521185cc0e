"""Changing a learner's profile."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Profile


@transaction.atomic
def update_profile(profile: Profile, *, changes: dict, board_ids: dict[str, str]) -> Profile:
    """Apply validated profile changes and the learner's board IDs (board → ID; "" removes).

    A change of the board-reporting consent is dated, because reporting completions to
    certifying boards is lawful only with the learner's consent.
    """
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    consent_changed = (
        "reports_to_boards" in changes and changes["reports_to_boards"] != profile.reports_to_boards
    )
    for field, value in changes.items():
        setattr(profile, field, value)
    if consent_changed:
        profile.reports_to_boards_changed_at = timezone.now()
    profile.full_clean()
    profile.save()

    for board, identifier in board_ids.items():
        identifier = identifier.strip()
        if identifier:
            profile.board_ids.update_or_create(board=board, defaults={"identifier": identifier})
        else:
            profile.board_ids.filter(board=board).delete()
    return profile
