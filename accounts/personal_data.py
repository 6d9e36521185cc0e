"""A learner's personal data: everything the site holds about them, and closing the account.

Closing removes what identifies the learner from the account and profile. Records of
completion (attempts, evaluations, claims, certificates) are kept, because accreditors
audit them for at least six years; certificates already issued stay verifiable, showing
the name they were issued to.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.registration import profile_of
from core.audit import recorded_as
from core.audit_redaction import redact_from_audit_log


def personal_data(user: User) -> dict:
    """Everything the site holds about `user`, as JSON-ready data."""
    from certificates.models import Certificate, Evaluation
    from courses.models import DisclosureAcknowledgement
    from quizzes.models import Participation

    profile = profile_of(user)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": {
            "certificate_name": profile.certificate_name,
            "designation": profile.designation_label,
            "npi": profile.npi,
            "birth_month": profile.birth_month,
            "birth_day": profile.birth_day,
            "country": str(profile.country),
            "region": profile.region,
            "time_zone": profile.time_zone,
            "reports_to_boards": profile.reports_to_boards,
            "reports_to_boards_changed_at": (
                profile.reports_to_boards_changed_at.isoformat()
                if profile.reports_to_boards_changed_at
                else None
            ),
            "board_ids": {b.board: b.identifier for b in profile.board_ids.all()},
        },
        "disclosures_shown": [
            {"module": d.module.title, "edition": d.module.edition, "at": d.shown_at.isoformat()}
            for d in DisclosureAcknowledgement.objects.filter(learner=user).select_related("module")
        ],
        "post_tests": [
            {
                "module": p.post_test.module.title,
                "extra_attempts_granted": p.extra_attempts,
                "attempts": [_attempt(a) for a in p.attempts.order_by("number")],
            }
            for p in Participation.objects.filter(learner=user).select_related("post_test__module")
        ],
        "evaluations": [
            {
                "module": e.module.title,
                "submitted_at": e.submitted_at.isoformat(),
                "objective_ratings": {r.objective.text: r.rating for r in e.ratings.all()},
                "free_of_commercial_bias": e.free_of_commercial_bias,
                "bias_comment": e.bias_comment,
                "relevance": e.relevance,
                "overall_quality": e.overall_quality,
                "commitment_to_change": e.commitment_to_change,
            }
            for e in Evaluation.objects.filter(learner=user)
            .select_related("module")
            .prefetch_related("ratings__objective")
        ],
        "certificates": [
            {
                "number": c.number,
                "status": c.status,
                "printed": c.printed,
                "verification_path": c.get_verification_path(),
                "issued_at": c.issued_at.isoformat() if c.issued_at else None,
            }
            for c in Certificate.objects.filter(claim__learner=user).order_by("created_at")
        ],
    }


def _attempt(attempt) -> dict:
    """One attempt with every answer the learner gave (the texts of the choices they
    selected). Whether each answer was right, the correct choices and the rationale are
    included only where the post-test's review policy shows them
    (`quizzes.review.decide_review`, the same rule as the result page); "correctness" says
    which: "shown", or e.g. "hidden until you pass or use your last attempt"."""
    from quizzes.review import decide_review

    review = decide_review(attempt)
    items = attempt.items.select_related("question_version").prefetch_related(
        "responses__choice", "question_version__choices"
    )
    answers = []
    for item in items:
        answer = {
            "question": item.question_version.stem,
            "selected": [r.choice.text for r in item.responses.all()],
        }
        if review.shows_answers:
            answer["correct"] = item.is_correct
            answer["correct_choices"] = [
                c.text for c in item.question_version.choices.all() if c.is_correct
            ]
            answer["rationale"] = item.question_version.rationale
        answers.append(answer)
    return {
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at.isoformat(),
        "graded_at": attempt.graded_at.isoformat() if attempt.graded_at else None,
        "score": str(attempt.score) if attempt.score is not None else None,
        "passed": attempt.passed,
        "correctness": review.note,
        "answers": answers,
    }


@transaction.atomic
def close_account(user: User, *, password: str) -> User:
    """Close the learner's account at their request (they confirm with their password).

    In the same transaction, the NPI and the e-mail address are redacted from every past
    audit-log entry (the closure's own included), which keep their actor, action, time and
    changed fields (core.audit_redaction).
    """
    if not user.check_password(password):
        raise PermissionDenied("That is not your password; the account is still open.")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    profile = profile_of(user)
    addresses = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    personal_texts = [profile.npi, user.email, *addresses]
    with recorded_as(user, reason="Account closed at the learner's request"):
        profile.npi = ""
        profile.birth_month = profile.birth_day = None
        profile.region = ""
        profile.country = ""
        profile.reports_to_boards = False
        profile.reports_to_boards_changed_at = timezone.now()
        profile.save()
        profile.board_ids.all().delete()
        user.email = f"closed-{user.pk}@closed.invalid"
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        # allauth's record of the address (and whether it was confirmed) goes with it.
        EmailAddress.objects.filter(user=user).delete()
        # So do its authenticator app's secret and recovery codes (allauth.mfa).
        Authenticator.objects.filter(user=user).delete()
    redact_from_audit_log(texts=personal_texts)
    return user
