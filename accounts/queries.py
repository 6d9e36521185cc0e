"""Reads about learners, for CME administrators supporting them."""

from django.db.models import Q, QuerySet

from accounts.models import User


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
    """Everything an administrator needs to support a learner: profile, board IDs, post-test
    participations with attempts and grants, evaluations, claims and certificates."""
    from certificates.models import Certificate, Evaluation
    from quizzes.models import Participation

    return {
        "learner": user,
        "profile": getattr(user, "profile", None),
        "board_ids": list(user.profile.board_ids.all()) if hasattr(user, "profile") else [],
        "participations": list(
            Participation.objects.filter(learner=user)
            .select_related("post_test__module")
            .prefetch_related("attempts", "grants__granted_by")
        ),
        "evaluations": list(
            Evaluation.objects.filter(learner=user).select_related("module").order_by("-pk")
        ),
        "certificates": list(
            Certificate.objects.filter(claim__learner=user)
            .select_related("claim__module")
            .order_by("-created_at")
        ),
    }
