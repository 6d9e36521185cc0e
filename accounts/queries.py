"""Reads about learners, for CME administrators supporting them."""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.records import learner_record_sections


def find_learners(search: str) -> QuerySet[User]:
    users = User.objects.select_related("profile").order_by("last_name", "first_name", "email")
    if search:
        users = users.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(profile__certificate_name__icontains=search)
            | Q(profile__npi=search)
        )
    return users


def learner_record(user: User) -> dict:
    """Everything an administrator needs to support a learner: profile and board IDs, then
    the sections the other apps register (accounts.records: post-test participations with
    attempts and grants, evaluations, claims and certificates)."""
    return {
        "learner": user,
        "profile": getattr(user, "profile", None),
        "board_ids": list(user.profile.board_ids.all()) if hasattr(user, "profile") else [],
        **learner_record_sections(user),
    }
