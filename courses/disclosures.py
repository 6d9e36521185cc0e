"""The disclosure gate: learners see who controls the content, and any relevant financial
relationships, before they engage with it (ACCME Standards for Integrity and Independence)."""

from django.db import IntegrityError, transaction

from accounts.models import User
from courses.models import DisclosureAcknowledgement, Module


def record_disclosures_shown(learner: User, *, module: Module) -> DisclosureAcknowledgement:
    """Record the first time `learner` was shown this edition's disclosures; later visits
    keep the first time. Safe against two tabs opening the page at once."""
    try:
        with transaction.atomic():
            acknowledgement, _ = DisclosureAcknowledgement.objects.get_or_create(
                learner=learner, module=module
            )
    except IntegrityError:
        acknowledgement = DisclosureAcknowledgement.objects.get(learner=learner, module=module)
    return acknowledgement


def has_seen_disclosures(learner: User, *, module: Module) -> bool:
    return DisclosureAcknowledgement.objects.filter(learner=learner, module=module).exists()
