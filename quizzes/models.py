from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse


class ReviewPolicy(models.TextChoices):
    AFTER_PASS_OR_LAST_ATTEMPT = (
        "after_pass_or_last",
        "After passing, or after the last attempt is used",
    )
    AFTER_PASS = "after_pass", "After passing only"
    AFTER_LAST_ATTEMPT = "after_last", "After the last attempt is used"
    AFTER_EACH_ATTEMPT = "after_each", "After each attempt"
    NEVER = "never", "Never"


class AttemptDelay(models.TextChoices):
    """How long a learner waits after a graded attempt before starting the next one."""

    NONE = "none", "No delay"
    ONE_HOUR = "1h", "1 hour"
    ONE_DAY = "24h", "24 hours"
    NEXT_DAY = "next_day", "Until the next day in the learner's time zone"


class PostTest(models.Model):
    """The assessment of one module edition, and the rules a learner is told before starting."""

    module = models.OneToOneField(
        "courses.Module", on_delete=models.CASCADE, related_name="post_test"
    )
    passing_score = models.DecimalField(
        "passing score (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text="The minimum performance level, shown to learners before they start.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        "maximum attempts",
        null=True,
        blank=True,
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Leave empty for unlimited attempts.",
    )
    shuffle_questions = models.BooleanField(
        default=False,
        help_text="Each attempt shows the questions in a new order. An attempt after the "
        "learner has been shown the answers is shuffled whatever this says.",
    )
    shuffle_choices = models.BooleanField(
        default=True,
        help_text="Each attempt shows each question's choices in a new order (true-or-false "
        "questions keep True before False). An attempt after the learner has been shown the "
        "answers is shuffled whatever this says.",
    )
    review_policy = models.CharField(
        "show correct answers and rationales",
        max_length=20,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT,
        help_text="When learners see the correct answers and rationales: on the result page "
        "and in their personal-data download alike.",
    )
    draw_per_objective = models.PositiveSmallIntegerField(
        "questions drawn per objective",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Each attempt draws this many of the active questions assessing each "
        "objective. Leave empty to give every question (or to draw a number in total).",
    )
    draw_total = models.PositiveSmallIntegerField(
        "questions drawn in total",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Each attempt draws this many of the active questions, whatever their "
        "objective. Leave empty to give every question (or to draw per objective).",
    )
    attempt_delay = models.CharField(
        "delay between attempts",
        max_length=20,
        choices=AttemptDelay.choices,
        default=AttemptDelay.NONE,
        help_text="How long a learner waits after an attempt that did not pass before the "
        "next one.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(passing_score__gt=0, passing_score__lte=100),
                name="passing_score_between_0_and_100",
            ),
            models.CheckConstraint(
                condition=models.Q(max_attempts__isnull=True) | models.Q(max_attempts__gte=1),
                name="max_attempts_at_least_one",
            ),
            models.CheckConstraint(
                condition=models.Q(draw_per_objective__isnull=True)
                | models.Q(draw_total__isnull=True),
                name="draw_per_objective_or_in_total",
                violation_error_message="Draw questions per objective or in total, not both: "
                "empty one of the two.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(draw_per_objective__isnull=True) | models.Q(draw_per_objective__gte=1)
                )
                & (models.Q(draw_total__isnull=True) | models.Q(draw_total__gte=1)),
                name="draw_at_least_one",
                violation_error_message="Draw at least one question.",
            ),
        ]

    def __str__(self):
        return f"Post-test of {self.module}"

    @property
    def has_attempt_limit(self) -> bool:
        return self.max_attempts is not None

    @property
    def draws_from_pool(self) -> bool:
        return self.draw_per_objective is not None or self.draw_total is not None


class QuestionKind(models.TextChoices):
    SINGLE_BEST_ANSWER = "single", "Single best answer"
    MULTIPLE_RESPONSE = "multiple", "Multiple response (select all that apply)"
    TRUE_FALSE = "true_false", "True or false"


class Question(models.Model):
    """A question's place in a post-test. Its wording lives in versions: once a learner has
    answered a version, an edit makes a new one, so attempts keep showing what they answered."""

    post_test = models.ForeignKey(PostTest, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    objective = models.ForeignKey(
        "courses.LearningObjective",
        on_delete=models.PROTECT,
        related_name="questions",
        help_text="The learning objective this question assesses.",
    )
    current_version = models.OneToOneField(
        "QuestionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    # Changed only by quizzes.authoring (a new version on each answered edit); read-only in every
    # admin.
    STATE_FIELDS = ("post_test", "current_version")

    class Meta:
        ordering = ["post_test", "position", "pk"]

    def __str__(self):
        stem = self.current_version.stem if self.current_version_id else "(no text yet)"
        return f"Q{self.position}: {stem[:60]}"


class QuestionVersion(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(
        max_length=20, choices=QuestionKind.choices, default=QuestionKind.SINGLE_BEST_ANSWER
    )
    stem = models.TextField()
    rationale = models.TextField(
        help_text="Why the answer is right, pointing at the passage or reference that says so."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Changed only by quizzes.authoring (versions once answered); read-only in every admin.
    STATE_FIELDS = ("question", "number", "kind", "stem", "rationale")

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="unique_version_number"),
        ]

    def __str__(self):
        return f"{self.stem[:60]} (v{self.number})"


class Choice(models.Model):
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)

    # Changed only by quizzes.authoring and quizzes.regrading (a corrected key regrades attempts);
    # read-only in every admin.
    STATE_FIELDS = ("version", "text", "is_correct")

    class Meta:
        ordering = ["version", "position", "pk"]

    def __str__(self):
        return self.text


def validate_choices(kind: str, choices: list[tuple[str, bool]]) -> None:
    """Refuse a set of (text, is_correct) choices that cannot make a fair question."""
    correct = sum(1 for _, is_correct in choices if is_correct)
    texts = [text.strip() for text, _ in choices]
    if any(not text for text in texts):
        raise ValidationError("Every choice needs text.")
    if len(set(t.casefold() for t in texts)) != len(texts):
        raise ValidationError("Two choices have the same text.")
    if kind == QuestionKind.SINGLE_BEST_ANSWER:
        if len(choices) < 3:
            raise ValidationError("A single-best-answer question needs at least three choices.")
        if correct != 1:
            raise ValidationError(
                f"A single-best-answer question needs exactly one correct choice; it has {correct}."
            )
    elif kind == QuestionKind.MULTIPLE_RESPONSE:
        if correct < 1:
            raise ValidationError("A multiple-response question needs at least one correct choice.")
        if correct == len(choices):
            raise ValidationError(
                "A multiple-response question needs at least one incorrect choice."
            )
    elif kind == QuestionKind.TRUE_FALSE and (
        sorted(t.casefold() for t in texts) != ["false", "true"] or correct != 1
    ):
        raise ValidationError(
            "A true-or-false question has the two choices “True” and “False”, one correct."
        )


class Participation(models.Model):
    """A learner's standing with one post-test: the row every attempt start and submit
    locks, so the attempt limit holds under any concurrency, and where administrators'
    extra attempts are counted."""

    learner = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="participations"
    )
    post_test = models.ForeignKey(PostTest, on_delete=models.CASCADE, related_name="+")
    extra_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Attempts granted by administrators beyond the post-test's limit."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Changed only by quizzes.attempts.grant_attempts; read-only in every admin.
    STATE_FIELDS = ("learner", "post_test", "extra_attempts")

    class Meta:
        permissions = [("grant_attempts", "Can grant learners extra post-test attempts")]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "post_test"], name="one_participation_per_post_test"
            ),
        ]

    def __str__(self):
        return f"{self.learner} in {self.post_test}"

    @property
    def attempt_limit(self) -> int | None:
        """None when the post-test allows unlimited attempts."""
        if self.post_test.max_attempts is None:
            return None
        return self.post_test.max_attempts + self.extra_attempts


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    GRADED = "graded", "Submitted and graded"


class Attempt(models.Model):
    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="attempts"
    )
    learner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    post_test = models.ForeignKey(PostTest, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(auto_now_add=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField("score (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField()
    tallied = models.BooleanField(
        default=False,
        db_default=False,
        help_text="This graded attempt's figures are in the post-test's tallies (quizzes.tallies).",
    )

    # Changed only by quizzes.attempts and quizzes.grading (`tallied` only by quizzes.tallies);
    # read-only in every admin.
    STATE_FIELDS = (
        "participation",
        "learner",
        "post_test",
        "number",
        "status",
        "graded_at",
        "score",
        "passed",
        "correct_count",
        "question_count",
        "tallied",
    )

    class Meta:
        ordering = ["post_test", "learner", "number"]
        indexes = [
            # The fold's queue and the read's backlog: graded attempts not yet tallied.
            models.Index(
                fields=["post_test"],
                condition=models.Q(status="graded", tallied=False),
                name="attempt_graded_untallied",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "post_test"],
                condition=models.Q(status="in_progress"),
                name="one_attempt_in_progress_per_learner",
            ),
            models.UniqueConstraint(
                fields=["learner", "post_test", "number"], name="unique_attempt_number"
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="score_between_0_and_100",
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_progress", graded_at__isnull=True, score__isnull=True)
                | models.Q(status="graded", graded_at__isnull=False, score__isnull=False),
                name="graded_attempts_have_a_score",
            ),
        ]

    def __str__(self):
        return f"Attempt {self.number} of {self.learner} at {self.post_test}"

    def get_absolute_url(self):
        return reverse("quizzes:attempt", kwargs={"pk": self.pk})

    @property
    def is_graded(self) -> bool:
        return self.status == AttemptStatus.GRADED


class AttemptQuestion(models.Model):
    """One question exactly as an attempt gave it: the version, its place, and the order of
    its choices."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="attempt_items"
    )
    position = models.PositiveSmallIntegerField()
    choice_order = models.JSONField(help_text="Choice IDs in the order the learner saw them.")
    is_correct = models.BooleanField(null=True)

    # Changed only by quizzes.attempts, quizzes.grading and quizzes.regrading; read-only in every
    # admin.
    STATE_FIELDS = ("attempt", "question_version", "position", "choice_order", "is_correct")

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_item_position"),
            models.UniqueConstraint(
                fields=["attempt", "question_version"], name="one_item_per_question_version"
            ),
        ]

    def __str__(self):
        return f"{self.attempt} Q{self.position}"


class AttemptResponse(models.Model):
    """One choice a learner selected for one item (several for multiple response)."""

    item = models.ForeignKey(AttemptQuestion, on_delete=models.CASCADE, related_name="responses")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "choice"], name="choice_selected_once"),
        ]

    def __str__(self):
        return f"{self.item}: {self.choice}"


class AttemptTally(models.Model):
    """How many tallied graded attempts of a post-test share one key: attempt number, total
    (items correct; -1 when unknown), score, outcome, and whether the attempt is the
    learner's first graded one and their first passing one. Written only by quizzes.tallies,
    which adds and withdraws whole attempts; `shard` is the attempt's id modulo
    quizzes.tallies.TALLY_SHARDS, so each row sums attempts that exist and never goes below 0
    (no CHECK says so: PostgreSQL checks an upsert's proposed row, which for a withdrawal is
    negative, before it finds the row to update).

    The foreign keys of the tally tables have no database constraint (Django still
    cascades deletions): a constraint's check would take a KEY SHARE lock on the post-test,
    version and choice rows at every fold, which waits for (and holds up) a learner's start
    (it locks the post-test row) and deadlocks with a regrade (it locks the versions)."""

    post_test = models.ForeignKey(
        PostTest, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )  # the unique constraint's first column
    number = models.PositiveSmallIntegerField()
    total = models.SmallIntegerField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    passed = models.BooleanField()
    first_graded = models.BooleanField()
    first_passing = models.BooleanField()
    shard = models.PositiveSmallIntegerField()
    attempts = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "post_test",
                    "number",
                    "total",
                    "score",
                    "passed",
                    "first_graded",
                    "first_passing",
                    "shard",
                ],
                name="one_attempt_tally_per_key",
            ),
        ]

    def __str__(self):
        return (
            f"{self.attempts} attempts no. {self.number} scoring {self.score} ({self.post_test_id})"
        )


class ItemTally(models.Model):
    """Responses to one question version, and how many were correct, over the tallied graded
    attempts of a post-test with one total (items correct; -1 when unknown). Written only by
    quizzes.tallies; `shard` as on AttemptTally."""

    post_test = models.ForeignKey(
        PostTest, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )  # the unique constraint's first column
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    total = models.SmallIntegerField()
    shard = models.PositiveSmallIntegerField()
    responses = models.BigIntegerField(default=0)
    correct = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post_test", "question_version", "total", "shard"],
                name="one_item_tally_per_key",
            ),
        ]

    def __str__(self):
        return f"{self.correct}/{self.responses} on version {self.question_version_id}"


class ChoiceTally(models.Model):
    """How often one choice was selected in the tallied graded attempts of a post-test.
    Written only by quizzes.tallies; `shard` as on AttemptTally."""

    post_test = models.ForeignKey(
        PostTest, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )  # the unique constraint's first column
    choice = models.ForeignKey(
        Choice, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    shard = models.PositiveSmallIntegerField()
    picks = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post_test", "choice", "shard"], name="one_choice_tally_per_key"
            ),
        ]

    def __str__(self):
        return f"choice {self.choice_id} picked {self.picks} times"


class AttemptGrantKind(models.TextChoices):
    ONE_MORE = "one_more", "One more attempt"
    RESET = "reset", "Reset attempts"


class AttemptGrant(models.Model):
    """An administrator's decision to give a learner more attempts, with who, when and why."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="grants"
    )
    kind = models.CharField(max_length=20, choices=AttemptGrantKind.choices)
    attempts_added = models.PositiveSmallIntegerField()
    reason = models.TextField()
    granted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="attempt_grant_has_a_reason"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.participation} ({self.reason[:40]})"


class Regrade(models.Model):
    """A corrected answer key applied to attempts already graded, with who, when, why, and
    every attempt whose outcome changed."""

    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="regrades"
    )
    part_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="other_versions",
        help_text="The first regrade of the same correction, when it reached several versions.",
    )
    old_key = models.JSONField(help_text="Correct choice IDs before.")
    new_key = models.JSONField(help_text="Correct choice IDs after.")
    reason = models.TextField()
    applied_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(
        default=list,
        help_text="Each regraded attempt: id, learner id, score and outcome before and after.",
    )
    certificates_to_review = models.JSONField(
        default=list,
        help_text="Certificates of learners who no longer pass, for an administrator to decide.",
    )

    class Meta:
        ordering = ["-applied_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="regrade_has_a_reason"),
        ]

    def __str__(self):
        return f"Regrade of {self.question_version} on {self.applied_at:%Y-%m-%d}"
