"""Which models keep an audit trail, and of which fields: each app registers its own models
in its AppConfig.ready() through core.audit.register_audited_model."""

from auditlog.registry import auditlog

AUDITED = {
    "accounts.Profile": [
        "certificate_name",
        "designation",
        "npi",
        "nabp_epid",
        "nccpa_id",
        "reports_to_boards",
        "reports_to_cpe_monitor",
        "reports_to_state_boards",
    ],
    "accounts.StateLicense": ["state", "number", "profession"],
    "certificates.Certificate": ["status", "number", "superseded_by"],
    "certificates.CreditClaim": [],  # every field
    "courses.Module": [
        "status",
        "title",
        "slug",
        "summary",
        "target_audience",
        "estimated_minutes",
        "body",
        "release_date",
        "expiration_date",
        "last_reviewed_date",
        "pars_activity_id",
        "accreditation_statement",
        "commercial_support",
        "commercial_support_statement",
    ],
    # What the module editor and the review workflow change: every field.
    "courses.LearningObjective": [],
    "courses.Reference": [],
    "courses.FacultyMember": [],
    "courses.ModuleCredit": [],
    "courses.Review": [],
    "courses.ReviewComment": [],
    "quizzes.Attempt": ["score", "passed", "correct_count"],
    "quizzes.Choice": ["is_correct", "text"],
    "quizzes.Participation": ["extra_attempts"],
    "quizzes.PostTest": [
        "passing_score",
        "max_attempts",
        "review_policy",
        "shuffle_questions",
        "shuffle_choices",
        "draw_per_objective",
        "draw_total",
        "attempt_delay",
    ],
}


def test_each_audited_model_is_registered_with_exactly_its_fields():
    registered = {
        model._meta.label: auditlog.get_model_fields(model)["include_fields"]
        for model in auditlog.get_models()
    }

    assert registered == AUDITED
