from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ReviewPolicy(models.TextChoices):
    AFTER_PASS_OR_LAST_ATTEMPT = (
        "after_pass_or_last",
        "After passing, or after the last attempt is used",
    )
    AFTER_PASS = "after_pass", "After passing only"
    AFTER_LAST_ATTEMPT = "after_last", "After the last attempt is used"
    AFTER_EACH_ATTEMPT = "after_each", "After each attempt"
    NEVER = "never", "Never"


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
    shuffle_questions = models.BooleanField(default=False)
    shuffle_choices = models.BooleanField(default=False)
    review_policy = models.CharField(
        "show correct answers and rationales",
        max_length=20,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT,
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
        ]

    def __str__(self):
        return f"Post-test of {self.module}"

    @property
    def has_attempt_limit(self) -> bool:
        return self.max_attempts is not None


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
