import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html

from accounts.models import CertifyingBoard
from courses.credit_rules import (
    AmountRule,
    DesignationRequirement,
    MocCategory,
    RecordKind,
    ReportingChannel,
    uan_problem,
)
from courses.deadlines import earliest_today, latest_today
from courses.references import doi_url, is_web_url

# The longest statements a certificate must fit on its one page (certificates.layout); the
# Joint Accreditation statement, the longest in use, has about 330 characters.
ACCREDITATION_STATEMENT_MAX_LENGTH = 600
DESIGNATION_TEMPLATE_MAX_LENGTH = 600


class Topic(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


STATEMENT_PLACEHOLDERS = (
    "provider",
    "amount",
    "credit",
    "board",
    "board_name",
    "moc_category",
    "uan",
)


class CreditType(models.Model):
    """A kind of credit (AMA PRA Category 1 Credit™, ANCC or ACPE contact hours, AAPA
    Category 1, IPCE, MOC points) with everything that differs between kinds, as data: its
    amount rule, who receives it, what a designation of it must carry, how it is reported
    and what the learner receives (docs/decisions/0006; rules in courses.credit_rules)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(
        max_length=120, help_text="As it must print, e.g. “AMA PRA Category 1 Credit™”."
    )
    name_plural = models.CharField(max_length=120, help_text="e.g. “AMA PRA Category 1 Credits™”.")
    italic_name = models.BooleanField(
        default=False, help_text="The AMA requires its credit name in italics."
    )
    designation_template = models.TextField(
        validators=[MaxLengthValidator(DESIGNATION_TEMPLATE_MAX_LENGTH)],
        help_text=(
            "Use {provider}, {amount} and {credit}, e.g. “{provider} designates this enduring "
            "material for a maximum of {amount} {credit}. Physicians should claim only the "
            "credit commensurate with the extent of their participation in the activity.”"
        ),
    )
    for_designations = models.JSONField(
        default=list,
        blank=True,
        help_text="Professional designations this credit is for (e.g. MD, DO); empty = everyone.",
    )
    optional_for = models.JSONField(
        default=list,
        blank=True,
        help_text="Professions that may choose this credit as well (e.g. an NP may add AMA "
        "credit); the learner ticks it when claiming.",
    )
    amount_rule = models.CharField(
        max_length=30, choices=AmountRule.choices, default=AmountRule.CLAIMED_QUARTERS
    )
    requires = models.JSONField(
        default=list,
        blank=True,
        help_text="What a designation of this kind must carry before publishing: "
        + ", ".join(DesignationRequirement.values)
        + ".",
    )
    reporting_channel = models.CharField(
        max_length=20, choices=ReportingChannel.choices, default=ReportingChannel.NONE
    )
    learner_identifiers = models.JSONField(
        default=list,
        blank=True,
        help_text="What the learner's profile must hold for the registry (codes of "
        "accounts.identifiers.LearnerIdentifier, e.g. birth_month_day, nabp_epid).",
    )
    record_kind = models.CharField(
        max_length=30, choices=RecordKind.choices, default=RecordKind.CERTIFICATE
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower comes first; AMA PRA Category 1 Credit™ is listed first."
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "credit kind"

    def __str__(self):
        return self.name

    def clean(self):
        placeholders = ", ".join(f"{{{name}}}" for name in STATEMENT_PLACEHOLDERS)
        try:
            self.designation_template.format(**dict.fromkeys(STATEMENT_PLACEHOLDERS, ""))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValidationError(
                {"designation_template": f"Use only {placeholders} in braces."}
            ) from exc
        unknown = set(self.requires or []) - set(DesignationRequirement.values)
        if unknown:
            raise ValidationError(
                {"requires": f"Unknown requirement: {', '.join(sorted(unknown))}."}
            )

    def is_for(self, designation: str) -> bool:
        """Whether a learner of this profession receives this credit (empty list: everyone)."""
        return not self.for_designations or designation in self.for_designations

    def is_optional_for(self, designation: str) -> bool:
        return designation in (self.optional_for or [])

    def credit_name(self, amount: Decimal) -> str:
        return self.name if amount <= 1 else self.name_plural


class ModuleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class CommercialSupport(models.TextChoices):
    """Whether the activity received commercial support: an author's explicit statement
    (ACCME Standard 4/5: commercial support is acknowledged to learners; an activity may also
    state that it received none). Blank means nobody has said yet, and publishing is refused."""

    NONE = "none", "No commercial support received"
    RECEIVED = "received", "Commercial support received (acknowledged below)"


class ModuleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ModuleStatus.PUBLISHED)

    def open_for_credit(self, today: datetime.date | None = None):
        """Published modules whose release date has come and whose expiry has not passed on
        `today`, the learner's date (accounts.timezones.learner_today); without one, those
        open somewhere on earth now (docs/decisions/0005)."""
        if today is not None:
            return self.published().filter(release_date__lte=today, expiration_date__gte=today)
        return self.published().filter(
            release_date__lte=latest_today(), expiration_date__gte=earliest_today()
        )


class Module(models.Model):
    """One edition of an enduring-material CME activity: an article with its post-test.

    A new edition is a new row (linked by `previous_edition`), so that every record of what
    a learner saw and completed points at the exact edition.
    """

    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=120, unique=True)
    edition = models.PositiveSmallIntegerField(default=1)
    previous_edition = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_editions"
    )
    summary = models.TextField(help_text="Two or three sentences shown in the catalog.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="modules")
    target_audience = models.CharField(max_length=250)
    estimated_minutes = models.PositiveSmallIntegerField(
        "estimated time to complete (minutes)", validators=[MinValueValidator(1)]
    )
    body = models.TextField(
        "article",
        help_text=(
            "Markdown; start section headings with #. Scripts and unsafe links are removed "
            "when shown."
        ),
    )
    pars_activity_id = models.CharField(
        "PARS activity ID",
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", "A PARS activity ID has 9 digits.")],
        help_text="The 9-digit ID ACCME's PARS gave this activity; needed to report "
        "completions (AMA credit for state boards, MOC points).",
    )
    accreditation_statement = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(ACCREDITATION_STATEMENT_MAX_LENGTH)],
        help_text="Printed before the content and on every certificate.",
    )
    commercial_support = models.CharField(
        max_length=10,
        choices=CommercialSupport.choices,
        blank=True,
        help_text="An explicit choice: publishing is refused until it is made.",
    )
    commercial_support_statement = models.TextField(
        "commercial support acknowledgement",
        blank=True,
        help_text=(
            "Required when support was received: who supported the activity and how (e.g. "
            "“Supported by an independent educational grant from …”). Otherwise an optional "
            "note shown after “This activity received no commercial support.”"
        ),
    )
    release_date = models.DateField(null=True, blank=True)
    expiration_date = models.DateField("termination (expiry) date", null=True, blank=True)
    last_reviewed_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ModuleStatus.choices, default=ModuleStatus.DRAFT
    )
    is_demo = models.BooleanField(
        default=False, help_text="Demonstration content: learners see a notice saying so."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModuleQuerySet.as_manager()

    # Changed only by courses.publishing (publish_module, archive_module,
    # create_new_edition), with their checks and audit records; read-only in every admin.
    STATE_FIELDS = ("status", "published_at", "edition", "previous_edition")

    class Meta:
        ordering = ["-release_date", "title"]
        permissions = [
            ("preview_module", "Can preview draft modules as a learner would see them"),
            ("publish_module", "Can publish and archive modules"),
            ("review_module", "Can review modules: comment, approve or ask for changes"),
            ("restore_module", "Can restore an archived module to the catalog"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiration_date__isnull=True)
                | models.Q(release_date__isnull=True)
                | models.Q(expiration_date__gt=models.F("release_date")),
                name="module_expires_after_release",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("courses:module", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == ModuleStatus.PUBLISHED

    def is_expired(self, today: datetime.date | None = None) -> bool:
        """Whether the expiry date is past on `today`, the learner's own date
        (accounts.timezones.learner_today; docs/decisions/0005). Without a learner's date:
        only once the expiry date has ended everywhere on earth."""
        today = today or earliest_today()
        return self.expiration_date is not None and today > self.expiration_date

    def is_released(self, today: datetime.date | None = None) -> bool:
        """Whether the release date has come on `today`, the learner's own date; without
        one, once it has begun somewhere on earth."""
        today = today or latest_today()
        return self.release_date is not None and self.release_date <= today

    def is_open_for_credit(self, today: datetime.date | None = None) -> bool:
        return self.is_published and self.is_released(today) and not self.is_expired(today)

    @property
    def commercial_support_text(self) -> str:
        """What learners read under "Commercial support": the explicit statement of none, or
        the acknowledgement of the support received; "" while nobody has stated it."""
        if self.commercial_support == CommercialSupport.NONE:
            return " ".join(
                part
                for part in (
                    "This activity received no commercial support.",
                    self.commercial_support_statement.strip(),
                )
                if part
            )
        if self.commercial_support == CommercialSupport.RECEIVED:
            return self.commercial_support_statement.strip()
        return ""


class LearningObjective(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(
        max_length=300, help_text="What the learner will be able to do, e.g. “Recognize …”."
    )

    class Meta:
        ordering = ["module", "position", "pk"]

    def __str__(self):
        return self.text


class Reference(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveSmallIntegerField(default=0)
    citation = models.TextField()
    doi = models.CharField("DOI", max_length=200, blank=True, help_text="e.g. 10.1111/bjd.20873")
    url = models.URLField(
        "URL",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="When there is no DOI.",
    )

    class Meta:
        ordering = ["module", "position", "pk"]

    def __str__(self):
        return self.citation[:80]

    @property
    def href(self) -> str:
        """The link learners follow: the DOI resolver, else the URL if it is http(s)."""
        if self.doi:
            return doi_url(self.doi)
        return self.url if is_web_url(self.url) else ""


class FacultyRole(models.TextChoices):
    AUTHOR = "author", "Author"
    REVIEWER = "reviewer", "Reviewer"
    PLANNER = "planner", "Planner"
    FACULTY = "faculty", "Faculty"


class DisclosureStatus(models.TextChoices):
    NOT_COLLECTED = "not_collected", "Disclosure not yet collected"
    NONE = "none", "No relevant financial relationships"
    RELEVANT = "relevant", "Relevant financial relationships (listed, all mitigated)"
    # Set only by courses.disclosure_collection.apply_latest_disclosure: the person has
    # disclosed through the site, and the planner has not yet decided or mitigated every
    # relationship.
    PENDING = "pending", "Disclosure received; review of its relationships pending"


class FacultyMember(models.Model):
    """A person in control of the content, with their disclosure (ACCME Standard 3)."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="faculty")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200)
    degrees = models.CharField(max_length=100, blank=True, help_text="e.g. MD, PhD")
    role = models.CharField(max_length=20, choices=FacultyRole.choices)
    affiliation = models.TextField(blank=True, help_text="Titles and institutions, one per line.")
    email = models.EmailField(
        "e-mail address",
        blank=True,
        help_text="Where the invitation to disclose financial relationships is sent.",
    )
    disclosure_status = models.CharField(
        max_length=20, choices=DisclosureStatus.choices, default=DisclosureStatus.NOT_COLLECTED
    )
    disclosure_note = models.TextField(
        blank=True, help_text="Shown to learners with the disclosure."
    )
    mitigation = models.TextField(
        blank=True, help_text="How the relevant relationships were mitigated."
    )

    class Meta:
        ordering = ["module", "position", "pk"]
        verbose_name_plural = "faculty"

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.degrees}" if self.degrees else self.name


class FinancialRelationship(models.Model):
    faculty_member = models.ForeignKey(
        FacultyMember, on_delete=models.CASCADE, related_name="financial_relationships"
    )
    company = models.CharField("ineligible company", max_length=200)
    nature = models.CharField(
        "nature of the relationship", max_length=200, help_text="e.g. consultant, speaker"
    )

    class Meta:
        ordering = ["faculty_member", "company"]

    def __str__(self):
        return f"{self.company} ({self.nature})"


class ModuleCredit(models.Model):
    """A module's credit designation: a credit kind with its maximum and the data the kind
    requires (the ACPE Universal Activity Number; the MOC board and category). A module may
    carry several MOC designations, one per board."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="credits")
    credit_type = models.ForeignKey(
        CreditType, on_delete=models.PROTECT, related_name="+", verbose_name="credit kind"
    )
    max_credits = models.DecimalField(
        "maximum", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))]
    )
    uan = models.CharField(
        "ACPE UAN",
        max_length=40,
        blank=True,
        help_text="ACPE contact hours: the Universal Activity Number, e.g. "
        "JA4008162-0000-26-123-H01-P.",
    )
    moc_board = models.CharField(
        "MOC board", max_length=10, blank=True, choices=CertifyingBoard.choices
    )
    moc_category = models.CharField(
        "MOC category", max_length=2, blank=True, choices=MocCategory.choices
    )

    class Meta:
        ordering = ["module", "credit_type__position", "moc_board"]
        verbose_name = "credit designation"
        constraints = [
            models.UniqueConstraint(
                fields=["module", "credit_type", "moc_board"],
                name="one_designation_per_kind_and_board",
            ),
            models.CheckConstraint(
                condition=models.Q(max_credits__gt=0), name="module_credit_positive"
            ),
        ]

    def __str__(self):
        return f"{self.max_credits} {self.credit_type}"

    def certificate_snapshot(self, provider: str | None = None) -> dict:
        """What a certificate prints about the activity and its credit, copied when a learner
        claims credit, so that a later edit of the module never changes an issued record."""
        module = self.module
        return {
            "provider": provider or settings.CME_PROVIDER_NAME,
            "activity_title": module.title,
            "activity_type": "Enduring material",
            "accreditation_statement": module.accreditation_statement,
            "module_slug": module.slug,
            "module_edition": module.edition,
            "credit_type_code": self.credit_type.code,
            "credit_type_name": self.credit_type.name,
            "max_credits": str(self.max_credits),
            "credit_name_italic": self.credit_type.italic_name,
            "designation_statement": self.designation_statement(provider),
            "designation_statement_html": str(self.designation_statement_html(provider)),
            "release_date": module.release_date.isoformat() if module.release_date else None,
            "expiration_date": (
                module.expiration_date.isoformat() if module.expiration_date else None
            ),
        }

    def _statement_values(self, provider: str | None) -> dict:
        return {
            "provider": provider or settings.CME_PROVIDER_NAME,
            "amount": format_credits(self.max_credits),
            "credit": self.credit_type.credit_name(self.max_credits),
            "board": self.moc_board,
            "board_name": CertifyingBoard(self.moc_board).label if self.moc_board else "",
            "moc_category": self.get_moc_category_display() if self.moc_category else "",
            "uan": self.uan,
        }

    def designation_statement(self, provider: str | None = None) -> str:
        """The credit designation statement as plain text (for certificates and exports)."""
        return self.credit_type.designation_template.format(**self._statement_values(provider))

    def designation_statement_html(self, provider: str | None = None) -> str:
        """The same statement as HTML, with the credit name in italics where required."""
        values = self._statement_values(provider)
        if self.credit_type.italic_name:
            values["credit"] = format_html("<em>{}</em>", values["credit"])
        return format_html(escape(self.credit_type.designation_template), **values)

    def designation_problems(self) -> list[str]:
        """What this designation lacks before its module can be published, as the publish
        checks list it; [] when complete."""
        name = self.credit_type.name
        requires = set(self.credit_type.requires or [])
        problems = []
        if DesignationRequirement.UAN in requires:
            if not self.uan:
                problems.append(f"Give the ACPE Universal Activity Number (UAN) for {name}.")
            elif problem := uan_problem(self.uan):
                problems.append(problem)
        if DesignationRequirement.MOC_BOARD in requires and not self.moc_board:
            problems.append(f"Choose the board of the {name} designation.")
        if DesignationRequirement.MOC_CATEGORY in requires and not self.moc_category:
            problems.append(f"Choose the MOC category of the {name} designation.")
        if not self.credit_type.designation_template.strip():
            problems.append(f"{name} has no designation statement.")
        return problems


def format_credits(amount: Decimal | str) -> str:
    """0.25 → "0.25", 1.00 → "1", 1.50 → "1.5": how credit amounts read in statements."""
    text = f"{Decimal(amount):.2f}".rstrip("0").rstrip(".")
    return text or "0"


class DisclosureAcknowledgement(models.Model):
    """The first time a learner was shown a module edition's disclosures.

    Answers the accreditor's question "did every learner see the disclosures before the
    content?"; the post-test cannot start without it.
    """

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    shown_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "module"], name="one_disclosure_record_per_edition"
            ),
        ]

    def __str__(self):
        return f"{self.learner} saw disclosures of {self.module} at {self.shown_at:%Y-%m-%d %H:%M}"


class ReviewKind(models.TextChoices):
    PUBLICATION = "publication", "Review before publication"
    CONTENT_REVIEW = "content_review", "Three-year content review"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a reviewer"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    WITHDRAWN = "withdrawn", "Approval withdrawn (edited after approval)"


class EditorSection(models.TextChoices):
    """The sections of the module editor, which reviewers comment on one by one."""

    TEXT = "text", "Learner-facing text"
    ARTICLE = "article", "Article"
    OBJECTIVES = "objectives", "Objectives"
    FACULTY = "faculty", "Faculty and roles"
    DISCLOSURES = "disclosures", "Disclosures"
    REFERENCES = "references", "References"
    CREDIT = "credit", "Credit designations"
    ACCREDITATION = "accreditation", "Accreditation"
    POST_TEST = "post_test", "Post-test"
    GENERAL = "general", "The module as a whole"


class Review(models.Model):
    """One request that a reviewer check a module edition: before publication, or the
    content review due every three years (courses.lifecycle). Changed only by
    courses.reviews."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["module"],
                condition=models.Q(status="pending"),
                name="one_pending_review_per_module",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.module} ({self.get_status_display()})"


class ReviewComment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=20, choices=EditorSection.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(validators=[MaxLengthValidator(4000)])
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_section_display()}: {self.text[:60]}"


# Disclosure collection (ACCME Standard 3) ------------------------------------------------
# Everyone in control of content discloses their own financial relationships through a
# link sent by e-mail; every step is kept for the accreditor. Written only by
# courses.disclosure_collection.


class RelationshipNature(models.TextChoices):
    CONSULTANT = "consultant", "Consultant"
    SPEAKER = "speaker", "Speaker or member of a speakers' bureau"
    RESEARCH_GRANT = "research_grant", "Research grant or contracted research"
    OWNERSHIP = "ownership", "Stock, stock options or other ownership interest"
    EMPLOYEE = "employee", "Employee"
    ADVISORY_BOARD = "advisory_board", "Advisory board member"
    OTHER = "other", "Other"


class ImmutableRecord(models.Model):
    """A row kept as evidence for the accreditor: it is added once and never changed or
    deleted (raises courses.exceptions.RecordIsImmutable)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        from courses.exceptions import RecordIsImmutable

        if not self._state.adding:
            raise RecordIsImmutable(f"{self._meta.verbose_name} records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from courses.exceptions import RecordIsImmutable

        raise RecordIsImmutable(f"{self._meta.verbose_name} records cannot be deleted.")


class DisclosureInvitation(models.Model):
    """An invitation to one person in control of content to disclose, sent by e-mail with a
    link of its own (a signed token naming this row). A newer invitation voids the older."""

    faculty_member = models.ForeignKey(
        FacultyMember, on_delete=models.PROTECT, related_name="disclosure_invitations"
    )
    email = models.EmailField("sent to")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    is_renewal = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_from = models.GenericIPAddressField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-invited_at", "-pk"]

    def __str__(self):
        return f"Invitation of {self.faculty_member} ({self.invited_at:%Y-%m-%d})"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class DisclosureRecord(ImmutableRecord):
    """One signed disclosure, as submitted through an invitation's link; or the copy of one
    carried over to a new edition of the module (`carried_from`, no invitation), which keeps
    the signature and its date, so it must be renewed when the original must."""

    invitation = models.OneToOneField(
        DisclosureInvitation,
        on_delete=models.PROTECT,
        related_name="record",
        null=True,
        blank=True,
    )
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="carried_copies",
        null=True,
        blank=True,
        help_text="The record signed through a link that this copy carries to a new edition.",
    )
    faculty_member = models.ForeignKey(
        FacultyMember, on_delete=models.PROTECT, related_name="disclosure_records"
    )
    has_relationships = models.BooleanField()
    attestation = models.TextField(help_text="The statement the person attested, word for word.")
    signature = models.CharField("typed signature", max_length=200)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_from = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "disclosure"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(invitation__isnull=False) | models.Q(carried_from__isnull=False),
                name="disclosure_signed_through_a_link_or_carried_over",
            )
        ]

    def __str__(self):
        return f"Disclosure of {self.faculty_member} ({self.submitted_at:%Y-%m-%d})"


class DisclosedRelationship(ImmutableRecord):
    """A financial relationship with an ineligible company, as the person disclosed it."""

    record = models.ForeignKey(
        DisclosureRecord, on_delete=models.PROTECT, related_name="relationships"
    )
    position = models.PositiveSmallIntegerField(default=0)
    company = models.CharField("ineligible company", max_length=200)
    nature = models.CharField(max_length=20, choices=RelationshipNature.choices)
    nature_detail = models.CharField(max_length=200, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["record", "position", "pk"]
        verbose_name = "disclosed relationship"

    def __str__(self):
        return f"{self.company} ({self.nature_text})"

    @property
    def nature_text(self) -> str:
        """ "Consultant", or the person's own words for "Other"."""
        if self.nature == RelationshipNature.OTHER and self.nature_detail:
            return self.nature_detail
        return self.get_nature_display()


class RelationshipReview(ImmutableRecord):
    """The planner's decision on one disclosed relationship: whether it is relevant to the
    content (the company's products relate to it) and, if so, how it was mitigated. The
    latest review counts; earlier ones stay."""

    relationship = models.ForeignKey(
        DisclosedRelationship, on_delete=models.PROTECT, related_name="reviews"
    )
    is_relevant = models.BooleanField()
    mitigation = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = "relationship review"

    def __str__(self):
        return f"Review of {self.relationship}"
