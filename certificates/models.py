import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse


class Likert(models.IntegerChoices):
    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DISAGREE = 2, "Disagree"
    NEUTRAL = 3, "Neither agree nor disagree"
    AGREE = 4, "Agree"
    STRONGLY_AGREE = 5, "Strongly agree"


class Quality(models.IntegerChoices):
    POOR = 1, "Poor"
    FAIR = 2, "Fair"
    GOOD = 3, "Good"
    VERY_GOOD = 4, "Very good"
    EXCELLENT = 5, "Excellent"


LIKERT_RANGE = [MinValueValidator(1), MaxValueValidator(5)]


class Evaluation(models.Model):
    """A learner's evaluation of an activity, required before any credit claim."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    module = models.ForeignKey("courses.Module", on_delete=models.PROTECT, related_name="+")
    free_of_commercial_bias = models.BooleanField("the content was free of commercial bias")
    bias_comment = models.TextField(blank=True)
    relevance = models.PositiveSmallIntegerField(
        "the content is relevant to my practice", choices=Likert.choices, validators=LIKERT_RANGE
    )
    overall_quality = models.PositiveSmallIntegerField(
        choices=Quality.choices, validators=LIKERT_RANGE
    )
    commitment_to_change = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    # Changed only by certificates.evaluations.submit_evaluation; read-only in every admin.
    STATE_FIELDS = (
        "learner",
        "module",
        "free_of_commercial_bias",
        "bias_comment",
        "relevance",
        "overall_quality",
        "commitment_to_change",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "module"], name="one_evaluation_per_learner_and_module"
            ),
            models.CheckConstraint(
                condition=models.Q(free_of_commercial_bias=True) | ~models.Q(bias_comment=""),
                name="bias_answer_no_needs_a_comment",
            ),
        ]

    def __str__(self):
        return f"Evaluation of {self.module} by {self.learner}"


class ObjectiveRating(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ratings")
    objective = models.ForeignKey(
        "courses.LearningObjective", on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(choices=Likert.choices, validators=LIKERT_RANGE)

    class Meta:
        ordering = ["evaluation", "objective__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "objective"], name="one_rating_per_objective"
            ),
        ]

    def __str__(self):
        return f"{self.objective}: {self.get_rating_display()}"


class CertificateKind(models.TextChoices):
    CREDIT = "credit", "Certificate of credit"
    PARTICIPATION = "participation", "Certificate of participation"


class CreditClaim(models.Model):
    """Credit a learner claimed for a module, with a copy of everything the certificate
    prints, taken when the claim was made."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_claims"
    )
    module = models.ForeignKey("courses.Module", on_delete=models.PROTECT, related_name="+")
    credit_type = models.ForeignKey(
        "courses.CreditType", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=CertificateKind.choices)
    amount = models.DecimalField(max_digits=5, decimal_places=2)
    attempt = models.ForeignKey("quizzes.Attempt", on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(
        help_text="The date the learner passed, in the learner's time zone."
    )
    attested_at = models.DateTimeField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField(help_text="What the certificate prints, as it was at claim time.")

    # Changed only by certificates.claims.claim_credit; read-only in every admin.
    STATE_FIELDS = (
        "learner",
        "module",
        "credit_type",
        "kind",
        "amount",
        "attempt",
        "completed_on",
        "attested_at",
        "snapshot",
    )

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            # One claim per learner and activity, whatever the credit type: two claims for
            # one activity would print its credit twice. (Several credit lines on one
            # claim will hang off this row, so the key stays learner and module.)
            models.UniqueConstraint(
                fields=["learner", "module"], name="one_claim_per_learner_and_module"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="claim_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount} {self.snapshot.get('credit_type_name', '')} — {self.learner}"


class CreditLine(models.Model):
    """One kind of credit a claim gives the learner (docs/decisions/0006): the designation
    it comes from, its amount under the kind's rule, and a snapshot of what the certificate
    prints and the registry receives about it, taken at claim time. A claim made before
    credit lines existed has one line, migrated from its credit type and amount."""

    claim = models.ForeignKey(CreditClaim, on_delete=models.PROTECT, related_name="lines")
    designation = models.ForeignKey(
        "courses.ModuleCredit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_type = models.ForeignKey(
        "courses.CreditType", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    amount = models.DecimalField(max_digits=5, decimal_places=2)
    record_kind = models.CharField(max_length=30)
    reporting_channel = models.CharField(max_length=20)
    snapshot = models.JSONField(
        help_text="The kind's name, statement and rule, the designation's maximum, UAN, MOC "
        "board and category, as they were at claim time."
    )

    # Written only by certificates.claims.claim_credit; read-only in every admin.
    STATE_FIELDS = (
        "claim", "designation", "credit_type", "position", "amount", "record_kind",
        "reporting_channel", "snapshot",
    )  # fmt: skip

    class Meta:
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "designation"], name="one_line_per_designation"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="line_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount} {self.snapshot.get('name', '')}"

    @property
    def name(self) -> str:
        """The kind's name for this amount (singular up to 1, else plural)."""
        if self.amount <= 1:
            return self.snapshot.get("name", "")
        return self.snapshot.get("name_plural") or self.snapshot.get("name", "")


class CertificateStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    ISSUED = "issued", "Valid"
    REVOKED = "revoked", "Revoked"
    SUPERSEDED = "superseded", "Superseded"


def new_verification_code() -> str:
    return secrets.token_urlsafe(18)


class Certificate(models.Model):
    """One certificate document for a claim. A correction is a new certificate that
    supersedes this one; every certificate keeps its number and verification code."""

    claim = models.ForeignKey(CreditClaim, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(max_length=32, unique=True)
    verification_code = models.CharField(
        max_length=40, unique=True, default=new_verification_code, editable=False
    )
    status = models.CharField(
        max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.PENDING
    )
    printed = models.JSONField(help_text="Everything the PDF prints, fixed when created.")
    pdf = models.FileField(upload_to="certificates/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    last_queued_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(
        blank=True, help_text="Why it was revoked, as told to the learner (not shown publicly)."
    )
    revocation_emailed_at = models.DateTimeField(null=True, blank=True)
    print_problem = models.TextField(
        blank=True,
        help_text="Why the PDF could not be printed (e.g. a character no font has); the "
        "certificate stays pending, is not re-queued, and an administrator prints it again.",
    )

    # Changed only by certificates.claims and certificates.issuance (issue, revoke, re-issue);
    # read-only in every admin.
    STATE_FIELDS = (
        "claim",
        "number",
        "print_problem",
        "status",
        "printed",
        "pdf",
        "issued_at",
        "emailed_at",
        "last_queued_at",
        "superseded_by",
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("revoke_certificate", "Can revoke certificates"),
            ("reissue_certificate", "Can re-issue certificates"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(status__in=["pending", "issued"]),
                name="one_current_certificate_per_claim",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="issued") | ~models.Q(pdf=""),
                name="issued_certificates_have_a_file",
            ),
            models.CheckConstraint(
                condition=models.Q(status="revoked", revoked_at__isnull=False)
                | models.Q(~models.Q(status="revoked"), revoked_at__isnull=True),
                name="revoked_certificates_have_a_revocation_date",
            ),
        ]

    def __str__(self):
        return f"Certificate {self.number}"

    def get_absolute_url(self):
        return reverse("certificates:detail", kwargs={"pk": self.pk})

    def get_verification_path(self) -> str:
        return reverse("certificates:verify", kwargs={"code": self.verification_code})

    @property
    def is_pending(self) -> bool:
        return self.status == CertificateStatus.PENDING

    @property
    def is_issued(self) -> bool:
        return self.status == CertificateStatus.ISSUED

    @property
    def is_revoked(self) -> bool:
        return self.status == CertificateStatus.REVOKED

    @property
    def is_superseded(self) -> bool:
        return self.status == CertificateStatus.SUPERSEDED


class CertificateEventKind(models.TextChoices):
    CLAIMED = "claimed", "Claimed"
    ISSUED = "issued", "Issued"
    EMAILED = "emailed", "E-mailed"
    REQUEUED = "requeued", "Re-queued"
    REVOKED = "revoked", "Revoked"
    REVOCATION_EMAILED = "revocation_emailed", "Revocation e-mailed"
    REISSUED = "reissued", "Re-issued"
    PRINT_FAILED = "print_failed", "Could not be printed"
    PRINT_RETRIED = "print_retried", "Printing tried again"


class CertificateEvent(models.Model):
    """The audit trail of a certificate: who did what, when and why."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=CertificateEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.certificate} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class ExportKind(models.TextChoices):
    COMPLETIONS_CSV = "completions_csv", "Completions (CSV)"
    COMPLETIONS_XLSX = "completions_xlsx", "Completions (Excel)"
    PARS = "pars", "PARS learner batch (tab-delimited)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """One requested report file. The export task receives its id, writes the file, and
    records its progress and its success or failure here, for the page to show."""

    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    filters = models.JSONField(
        default=dict, blank=True, help_text="The report's filters, as query-string values."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveIntegerField(default=0, help_text="Rows written so far.")
    total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Rows expected, counted when the export starts."
    )
    file = models.FileField(upload_to="exports/", blank=True)
    skipped = models.JSONField(
        default=list,
        blank=True,
        help_text="PARS: completions left out because the learner's profile lacks a field.",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(file=""),
                name="finished_exports_have_a_file",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} export #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
