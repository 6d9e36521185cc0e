"""What a learner's profile must hold for each registry, and what it still lacks.

A credit kind names the identifiers its registry needs (courses.CreditType.
learner_identifiers, codes of `LearnerIdentifier`; docs/decisions/0006). The claim page asks
`missing_identifiers` what the profile lacks for a line, says so in the learner's words and
links to the profile page at that field (`profile_url_for`).

Facts (shared DOMAIN.md, interprofessional credit and PARS learner records): ACCME PARS
identifies a learner by board ID (or NPI where the board takes it) with first and last name
and month and day of birth, and reports only with the learner's permission; NABP CPE Monitor
matches the NABP e-Profile ID with the month and day of birth; AAPA takes the NCCPA ID; state
registries match a license number in their state.
"""

from django.db import models
from django.urls import reverse

from accounts.models import CertifyingBoard, Profile


class LearnerIdentifier(models.TextChoices):
    """What a registry may need from the learner's profile, with the words the claim page
    prints for it ("Add your NABP e-Profile ID to your profile")."""

    NAME = "name", "your first and last name"
    BIRTH_MONTH_DAY = "birth_month_day", "your month and day of birth"
    NABP_EPID = "nabp_epid", "your NABP e-Profile ID"
    NCCPA_ID = "nccpa_id", "your NCCPA ID"
    BOARD_ID = "board_id", "your board ID"
    NPI_OR_BOARD_ID = "npi_or_board_id", "your NPI or a board ID"
    STATE_LICENSE = "state_license", "a state license (state and license number)"
    CONSENT_PARS = "consent_pars", "your consent to report to your boards through ACCME PARS"
    CONSENT_CPE_MONITOR = "consent_cpe_monitor", "your consent to report to CPE Monitor"
    CONSENT_STATE_BOARDS = (
        "consent_state_boards",
        "your consent to report to your state licensing boards",
    )


# Where each identifier is entered on the profile page: the id of its field group (the
# anchor a link jumps to) and the form field that takes the focus.
PROFILE_FIELD_GROUPS: dict[str, tuple[str, str]] = {
    LearnerIdentifier.NAME: ("identifier-name", "first_name"),
    LearnerIdentifier.BIRTH_MONTH_DAY: ("identifier-birth_month_day", "birth_month"),
    LearnerIdentifier.NABP_EPID: ("identifier-nabp_epid", "nabp_epid"),
    LearnerIdentifier.NCCPA_ID: ("identifier-nccpa_id", "nccpa_id"),
    LearnerIdentifier.BOARD_ID: ("identifier-board_id", ""),  # the board's own field
    LearnerIdentifier.NPI_OR_BOARD_ID: ("identifier-npi", "npi"),
    LearnerIdentifier.STATE_LICENSE: ("identifier-state_license", ""),  # the empty row
    LearnerIdentifier.CONSENT_PARS: ("identifier-consent_pars", "reports_to_boards"),
    LearnerIdentifier.CONSENT_CPE_MONITOR: (
        "identifier-consent_cpe_monitor",
        "reports_to_cpe_monitor",
    ),
    LearnerIdentifier.CONSENT_STATE_BOARDS: (
        "identifier-consent_state_boards",
        "reports_to_state_boards",
    ),
}


def missing_identifiers(profile: Profile, needs: list[str], *, board: str = "") -> list[str]:
    """What `profile` lacks of `needs` (codes of LearnerIdentifier), as the learner reads
    it, in the order of `needs`: e.g. ["your NABP e-Profile ID", "your month and day of
    birth"]; [] when the profile holds everything.

    `board` (a CertifyingBoard code such as "ABIM") says which board `board_id` and
    `npi_or_board_id` are for; without it, an ID for any board that reports through PARS
    will do. IDs kept for boards that do not report through PARS (ABD, ABFM) never count.

    Raises ValueError for a code that is not a LearnerIdentifier or a board that does not
    report through PARS: those are mistakes in a credit kind's data, not the learner's.
    """
    return [
        identifier_label(code, board=board)
        for code in missing_identifier_codes(profile, needs, board=board)
    ]


def missing_identifier_codes(profile: Profile, needs: list[str], *, board: str = "") -> list[str]:
    """The codes of `needs` that `profile` lacks, in order (see missing_identifiers); for
    links to the profile page (`profile_url_for`)."""
    unknown = [code for code in needs if code not in LearnerIdentifier.values]
    if unknown:
        raise ValueError(f"Unknown learner identifiers: {', '.join(unknown)}.")
    if board and board not in CertifyingBoard.values:
        raise ValueError(f"{board} is not a board that reports through PARS.")
    return [code for code in needs if not _holds(profile, code, board=board)]


def identifier_label(code: str, *, board: str = "") -> str:
    """The learner's words for one identifier: "your ABIM ID" for `board_id` with board
    "ABIM", else the LearnerIdentifier label."""
    if board and code == LearnerIdentifier.BOARD_ID:
        return f"your {board} ID"
    if board and code == LearnerIdentifier.NPI_OR_BOARD_ID:
        return f"your NPI or your {board} ID"
    return LearnerIdentifier(code).label


def profile_url_for(code: str, *, board: str = "") -> str:
    """The profile page, opened with the cursor in the field where the learner enters
    `code`: "/accounts/profile/?focus=nabp_epid" (with "&board=ABIM" for a board's ID).

    No "#fragment": browsers do not autofocus a field on a page opened at a fragment, and
    the focused field is scrolled into view anyway. Each field group keeps its id
    (PROFILE_FIELD_GROUPS) for links within the page."""
    LearnerIdentifier(code)  # ValueError for an unknown code
    query = f"focus={code}"
    if board and code == LearnerIdentifier.BOARD_ID:
        query += f"&board={board}"
    return f"{reverse('accounts:profile')}?{query}"


def _holds(profile: Profile, code: str, *, board: str) -> bool:
    user = profile.user
    if code == LearnerIdentifier.NAME:
        return bool(user.first_name.strip() and user.last_name.strip())
    if code == LearnerIdentifier.BIRTH_MONTH_DAY:
        return profile.birth_month is not None and profile.birth_day is not None
    if code == LearnerIdentifier.NABP_EPID:
        return bool(profile.nabp_epid)
    if code == LearnerIdentifier.NCCPA_ID:
        return bool(profile.nccpa_id)
    if code == LearnerIdentifier.BOARD_ID:
        return _has_board_id(profile, board=board)
    if code == LearnerIdentifier.NPI_OR_BOARD_ID:
        return bool(profile.npi) or _has_board_id(profile, board=board)
    if code == LearnerIdentifier.STATE_LICENSE:
        return profile.state_licenses.exists()
    if code == LearnerIdentifier.CONSENT_PARS:
        return profile.reports_to_boards
    if code == LearnerIdentifier.CONSENT_CPE_MONITOR:
        return profile.reports_to_cpe_monitor
    if code == LearnerIdentifier.CONSENT_STATE_BOARDS:
        return profile.reports_to_state_boards
    raise ValueError(f"Unknown learner identifier: {code}.")  # pragma: no cover


def _has_board_id(profile: Profile, *, board: str) -> bool:
    ids = profile.board_ids.reported_through_pars()
    if board:
        ids = ids.filter(board=board)
    return ids.exists()
