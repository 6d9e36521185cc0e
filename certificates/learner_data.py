"""What certificates holds about one learner, for the sections it adds to accounts'
learner pages (accounts.records, registered in certificates.apps): evaluations and
certificates, in the personal-data download and in the administrators' learner record."""

from accounts.models import User
from certificates.models import Certificate, Evaluation


def evaluations_as_data(learner: User) -> list[dict]:
    """The personal-data section "evaluations": each evaluation the learner submitted,
    with the rating of each objective (1-5, by the objective's text) and their answers."""
    return [
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
        for e in Evaluation.objects.filter(learner=learner)
        .select_related("module")
        .prefetch_related("ratings__objective")
    ]


def certificates_as_data(learner: User) -> list[dict]:
    """The personal-data section "certificates": each certificate of the learner's claims,
    oldest first, with what it prints and where it is verified."""
    return [
        {
            "number": c.number,
            "status": c.status,
            "printed": c.printed,
            "verification_path": c.get_verification_path(),
            "issued_at": c.issued_at.isoformat() if c.issued_at else None,
        }
        for c in Certificate.objects.filter(claim__learner=learner).order_by("created_at")
    ]


def evaluations_for_record(learner: User) -> list[Evaluation]:
    """The learner-record section "evaluations": newest first, with their modules."""
    return list(Evaluation.objects.filter(learner=learner).select_related("module").order_by("-pk"))


def certificates_for_record(learner: User) -> list[Certificate]:
    """The learner-record section "certificates": newest first, with their claims' modules."""
    return list(
        Certificate.objects.filter(claim__learner=learner)
        .select_related("claim__module")
        .order_by("-created_at")
    )
