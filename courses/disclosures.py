"""The disclosure gate: learners see who controls the content, and any relevant financial
relationships, before they engage with it (ACCME Standards for Integrity and Independence)."""

from accounts.models import User
from courses.models import DisclosureAcknowledgement, DisclosureStatus, Module


def record_disclosures_shown(learner: User, *, module: Module) -> None:
    """Record the first time `learner` was shown this edition's disclosures; later visits
    keep the first time. One INSERT ... ON CONFLICT DO NOTHING, so it is safe against two
    tabs opening the page at once and costs one statement on every later visit."""
    DisclosureAcknowledgement.objects.bulk_create(
        [DisclosureAcknowledgement(learner=learner, module=module)], ignore_conflicts=True
    )


def has_seen_disclosures(learner: User, *, module: Module) -> bool:
    return DisclosureAcknowledgement.objects.filter(learner=learner, module=module).exists()


def disclosures_shown_as_data(learner: User) -> list[dict]:
    """The learner's personal-data section "disclosures_shown" (registered with
    accounts.records): each module edition whose disclosures they were shown, and when, as
    [{"module": title, "edition": int, "at": ISO date-time}]."""
    return [
        {"module": d.module.title, "edition": d.module.edition, "at": d.shown_at.isoformat()}
        for d in DisclosureAcknowledgement.objects.filter(learner=learner).select_related("module")
    ]


def disclosure_summary(faculty: list) -> str:
    """The sentence learners read under the faculty list, as Standard 3 asks: that nobody
    has a relevant relationship, or that all relevant relationships were mitigated."""
    statuses = {person.disclosure_status for person in faculty}
    if not faculty or statuses - {DisclosureStatus.NONE, DisclosureStatus.RELEVANT}:
        return ""  # someone has not disclosed, or a relationship awaits review or mitigation
    if statuses == {DisclosureStatus.NONE}:
        return (
            "None of the individuals in control of the content of this activity has a relevant "
            "financial relationship with an ineligible company."
        )
    return "All relevant financial relationships listed above have been mitigated."
