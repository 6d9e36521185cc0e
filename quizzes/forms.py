from django import forms
from django.core import signing

from quizzes.exceptions import InvalidAnswers
from quizzes.gift import MAX_FILE_BYTES, MAX_QUESTIONS_PER_IMPORT
from quizzes.models import AttemptDelay, AttemptGrantKind, PostTest, QuestionKind, ReviewPolicy


def posted_answers(data) -> dict[int, list[int]]:
    """The answer sheet of a posted attempt form: item ID → selected choice IDs, from its
    `item-<item id>` fields. Whether they fit the attempt is for
    `quizzes.attempts.submit_attempt` to say; a value that is not a number fits nothing."""
    answers = {}
    for name in data:
        if name.startswith("item-"):
            try:
                answers[int(name.removeprefix("item-"))] = [
                    int(value) for value in data.getlist(name) if value
                ]
            except ValueError as error:
                raise InvalidAnswers(
                    "The answers do not match this attempt's questions."
                ) from error
    return answers


class AttemptForm(forms.Form):
    """One field per item of an attempt: radio buttons for single-answer questions,
    checkboxes for multiple response. Field names are `item-<item id>`."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            version = item.question_version
            choices = [(str(choice.pk), choice.text) for choice in item.ordered_choices]
            errors = {"required": "Answer this question."}
            if version.kind == QuestionKind.MULTIPLE_RESPONSE:
                field = forms.MultipleChoiceField(
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                    error_messages={**errors, "required": "Select at least one answer."},
                )
            else:
                field = forms.ChoiceField(
                    choices=choices,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    error_messages=errors,
                )
            field.label = version.stem
            self.fields[self.field_name(item)] = field

    @staticmethod
    def field_name(item) -> str:
        return f"item-{item.pk}"

    def has_forged_choice(self) -> bool:
        """True when a submitted value is not a choice of its question: not a learner's
        mistake, but a forged or stale form."""
        return any(
            error.code == "invalid_choice"
            for field_errors in self.errors.as_data().values()
            for error in field_errors
        )

    def answers(self) -> dict[int, list[int]]:
        result = {}
        for item in self.items:
            value = self.cleaned_data.get(self.field_name(item))
            values = value if isinstance(value, list) else [value] if value else []
            result[item.pk] = [int(v) for v in values]
        return result

    def bound_items(self):
        """(item, bound field) pairs in the attempt's order, for the template."""
        return [(item, self[self.field_name(item)]) for item in self.items]


class GrantAttemptsForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to grant",
        choices=AttemptGrantKind.choices,
        widget=forms.RadioSelect,
        initial=AttemptGrantKind.ONE_MORE,
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept with the decision, with your name and the time.",
        error_messages={"required": "Give a reason: it is kept with the decision."},
    )


class QuestionForm(forms.Form):
    """A question's wording, type, objective and rationale. Its choices come in the choice
    formset: which are correct from each row's `is_correct` (a single-best-answer question's
    radio button `correct_choice` is turned into it by `question_data`), or for a true-or-false
    question, whose two choices are made for the author, from `true_false_answer`."""

    objective = forms.ModelChoiceField(
        queryset=None,
        help_text="The learning objective this question assesses.",
        error_messages={"required": "Choose the learning objective this question assesses."},
    )
    kind = forms.ChoiceField(label="Question type", choices=QuestionKind.choices)
    stem = forms.CharField(
        label="Question",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the question."},
    )
    true_false_answer = forms.ChoiceField(
        label="The statement is",
        choices=[("True", "True"), ("False", "False")],
        required=False,
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the answer is right, pointing at the passage or reference that says so.",
        error_messages={
            "required": "Write the rationale: why the answer is right, pointing at the "
            "passage or reference that says so."
        },
    )
    is_active = forms.BooleanField(
        label="In use", required=False, initial=True, help_text="Untick to retire the question."
    )

    def __init__(self, *args, module, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = module.objectives.all()

    def clean(self):
        data = super().clean()
        if data.get("kind") == QuestionKind.TRUE_FALSE and not data.get("true_false_answer"):
            self.add_error("true_false_answer", "Choose whether the statement is true or false.")
        return data


class ChoiceForm(forms.Form):
    text = forms.CharField(
        label="Choice",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control choice-text"}),
        error_messages={"max_length": "A choice can have at most 500 characters."},
    )
    is_correct = forms.BooleanField(label="Correct", required=False)


MAX_CHOICES = 12


def choice_formset(data=None, *, initial=None, extra=None):
    """The choices of a question as rows: its saved choices and two empty rows, or five
    empty rows for a new question (a single-best-answer question needs at least three).
    `extra` overrides the number of empty rows (0 when rows are rearranged)."""
    if extra is None:
        extra = 2 if initial else 5
    extra = max(0, min(extra, MAX_CHOICES - len(initial or [])))
    formset_class = forms.formset_factory(
        ChoiceForm, extra=extra, max_num=MAX_CHOICES, absolute_max=MAX_CHOICES
    )
    return formset_class(data, initial=initial, prefix="choices")


def question_data(post):
    """The posted question form with the key carried by every choice row: for a
    single-best-answer question the radio button `correct_choice` (a row number) becomes
    that row's `is_correct`, so the formset reads one shape whatever the type (without the
    radio button, the rows' own `is_correct` stand)."""
    data = post.copy()
    if data.get("kind") == QuestionKind.SINGLE_BEST_ANSWER and "correct_choice" in data:
        correct = data.get("correct_choice", "")
        for index in range(posted_row_count(data)):
            name = f"choices-{index}-is_correct"
            if str(index) == correct:
                data[name] = "on"
            else:
                data.pop(name, None)
    return data


def posted_row_count(data) -> int:
    """The number of choice rows a posted form says it has, within 0..MAX_CHOICES."""
    try:
        count = int(data.get("choices-TOTAL_FORMS", 0))
    except ValueError:
        return 0
    return max(0, min(count, MAX_CHOICES))


def posted_rows(data) -> list[dict]:
    """The posted choice rows as {"text", "is_correct"}, in order, empty ones included."""
    return [
        {
            "text": data.get(f"choices-{index}-text", ""),
            "is_correct": bool(data.get(f"choices-{index}-is_correct")),
        }
        for index in range(posted_row_count(data))
    ]


def rearranged_rows(rows: list[dict], *, action: str, row: int | None) -> list[dict]:
    """The rows after a no-JavaScript editing button: "add" appends an empty row (at most
    MAX_CHOICES), "remove" drops row `row`, "up" swaps row `row` with the one above.
    Anything else, or a row that does not exist, leaves the rows as they are."""
    rows = list(rows)
    if action == "add" and len(rows) < MAX_CHOICES:
        rows.append({"text": "", "is_correct": False})
    elif action == "remove" and row is not None and 0 <= row < len(rows):
        del rows[row]
    elif action == "up" and row is not None and 0 < row < len(rows):
        rows[row - 1], rows[row] = rows[row], rows[row - 1]
    return rows


def choices_from(formset, *, kind: str | None = None, true_false_answer: str = ""):
    """The (text, is_correct) pairs of the question: for a true-or-false question the two
    choices "True" and "False" made for the author, `true_false_answer` correct; otherwise
    the filled rows, in order."""
    if kind == QuestionKind.TRUE_FALSE:
        return [("True", true_false_answer == "True"), ("False", true_false_answer == "False")]
    return [
        (form.cleaned_data["text"].strip(), form.cleaned_data.get("is_correct", False))
        for form in formset.forms
        if form.cleaned_data.get("text", "").strip()
    ]


class RegradeForm(forms.Form):
    correct = forms.MultipleChoiceField(
        label="Correct choices", widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to apply: kept with the regrade.",
    )

    versions = forms.MultipleChoiceField(
        label="Versions to regrade",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every version with the same wrong key is regraded unless you leave it out.",
    )
    # Set once the versions were shown, so that "none ticked" is told from "not shown yet".
    versions_shown = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(version.choices.all())
        self.fields["correct"].choices = [(str(c.pk), c.text) for c in choices]
        self.fields["correct"].initial = [str(c.pk) for c in choices if c.is_correct]
        others = version.question.versions.order_by("number")
        self.fields["versions"].choices = [(str(v.pk), f"Version {v.number}") for v in others]

    def key(self) -> set[int]:
        return {int(pk) for pk in self.cleaned_data["correct"]}

    def version_ids(self) -> set[int] | None:
        """The versions the author kept ticked; None before they were shown (all of them)."""
        if not self.cleaned_data.get("versions_shown"):
            return None
        return {int(pk) for pk in self.cleaned_data["versions"]}

    def show_versions(self, plan) -> None:
        """After a dry run: offer the versions sharing the key, ticked as in the plan (no
        choice to offer when only the corrected version has it)."""
        if len(plan.sharing) < 2:
            return
        self.fields["versions"].choices = [(str(v.pk), f"Version {v.number}") for v in plan.sharing]
        ticked = [str(p.version.pk) for p in plan.versions]
        self.data = self.data.copy()
        self.data.setlist("versions", ticked)
        self.data["versions_shown"] = "on"


class GiftImportForm(forms.Form):
    file = forms.FileField(
        label="GIFT file",
        help_text=f"A Moodle GIFT text file (UTF-8, at most 1 MiB and "
        f"{MAX_QUESTIONS_PER_IMPORT} questions). Nothing is imported if any question in it has "
        f"a problem.",
    )
    default_objective = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Objective for questions that name none",
        help_text="Questions can name one with a line “// objective: 2” before them.",
    )

    def __init__(self, *args, module, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_objective"].queryset = module.objectives.all()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError("The file is larger than 1 MiB.")
        return upload


class GiftConfirmForm(forms.Form):
    """The author's confirmation of a previewed import: the file's text and the default
    objective travel back signed (so nothing is stored between the two steps, and nothing
    the author did not see can be imported), for one post-test, for an hour."""

    SALT = "quizzes.gift_import"
    MAX_AGE = 60 * 60

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, post_test, **kwargs):
        super().__init__(*args, **kwargs)
        self.post_test = post_test

    @classmethod
    def for_preview(cls, *, post_test, text: str, default_objective) -> "GiftConfirmForm":
        token = signing.dumps(
            {
                "post_test": post_test.pk,
                "text": text,
                "objective": default_objective.pk if default_objective else None,
            },
            salt=cls.SALT,
            compress=True,
        )
        return cls(initial={"token": token}, post_test=post_test)

    def clean_token(self) -> dict:
        try:
            data = signing.loads(self.cleaned_data["token"], salt=self.SALT, max_age=self.MAX_AGE)
        except signing.SignatureExpired as exc:
            raise forms.ValidationError(
                "This preview is more than an hour old; upload the file again."
            ) from exc
        except signing.BadSignature as exc:
            raise forms.ValidationError(
                "This preview could not be read; upload the file again."
            ) from exc
        if data.get("post_test") != self.post_test.pk:
            raise forms.ValidationError("This preview belongs to another post-test.")
        return data

    def text(self) -> str:
        return self.cleaned_data["token"]["text"]

    def default_objective(self):
        pk = self.cleaned_data["token"]["objective"]
        return self.post_test.module.objectives.filter(pk=pk).first() if pk else None


class PostTestSettingsForm(forms.Form):
    """The post-test's settings as the author area offers them; which values may be saved
    is for quizzes.authoring.set_post_test_settings to say. The draw is one choice (every
    active question, a number per objective or a number in total) and one number."""

    ALL, PER_OBJECTIVE, TOTAL = "all", "per_objective", "total"

    passing_score = forms.DecimalField(
        label="Passing score (%)",
        min_value=1,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text="The minimum performance level, shown to learners before they start, e.g. 70.",
        error_messages={
            "required": "Give the passing score, a percentage from 1 to 100.",
            "invalid": "Give the passing score as a number, e.g. 70.",
            "min_value": "The passing score must be a percentage from 1 to 100, e.g. 70.",
            "max_value": "The passing score must be a percentage from 1 to 100, e.g. 70.",
            "max_decimal_places": "The passing score may have at most two decimal places.",
            "max_digits": "The passing score must be a percentage from 1 to 100, e.g. 70.",
        },
    )
    max_attempts = forms.IntegerField(
        label="Attempts a learner has to pass",
        min_value=1,
        max_value=99,
        help_text="Told to learners before they start; CME administrators can grant more.",
        error_messages={
            "required": "Give the number of attempts a learner has to pass: from 1 to 99.",
            "invalid": "Give the number of attempts as a whole number, e.g. 3.",
            "min_value": "Give the number of attempts a learner has to pass: from 1 to 99.",
            "max_value": "Give the number of attempts a learner has to pass: from 1 to 99.",
        },
    )
    attempt_delay = forms.ChoiceField(
        label="Delay between attempts",
        choices=AttemptDelay.choices,
        help_text="How long a learner waits after an attempt that did not pass.",
    )
    draw = forms.ChoiceField(
        label="Questions in each attempt",
        choices=[
            (ALL, "Every active question"),
            (PER_OBJECTIVE, "A number of questions per objective, drawn at each attempt"),
            (TOTAL, "A number of questions in total, drawn at each attempt"),
        ],
        widget=forms.RadioSelect,
        initial=ALL,
    )
    draw_count = forms.IntegerField(
        label="How many questions to draw",
        required=False,
        min_value=1,
        max_value=500,
        help_text="Per objective or in total, as chosen above; leave empty for every question.",
        error_messages={
            "invalid": "Give how many questions to draw as a whole number, e.g. 8.",
            "min_value": "Draw at least one question.",
            "max_value": "Draw at most 500 questions.",
        },
    )
    shuffle_questions = forms.BooleanField(
        label="Show the questions in a new order at each attempt", required=False
    )
    shuffle_choices = forms.BooleanField(
        label="Show each question's choices in a new order at each attempt",
        required=False,
        help_text="True-or-false questions keep True before False.",
    )
    review_policy = forms.ChoiceField(
        label="When learners see the correct answers and rationales",
        choices=ReviewPolicy.choices,
        widget=forms.RadioSelect,
    )

    @classmethod
    def initial_for(cls, post_test) -> dict:
        """The form's initial values: the post-test's settings, or a new post-test's
        defaults (70%, 3 attempts, choices shuffled) when `post_test` is None."""
        if post_test is None:
            post_test = PostTest()
        if post_test.draw_per_objective is not None:
            draw, count = cls.PER_OBJECTIVE, post_test.draw_per_objective
        elif post_test.draw_total is not None:
            draw, count = cls.TOTAL, post_test.draw_total
        else:
            draw, count = cls.ALL, None
        return {
            "passing_score": post_test.passing_score.normalize(),
            "max_attempts": post_test.max_attempts,
            "attempt_delay": post_test.attempt_delay,
            "draw": draw,
            "draw_count": count,
            "shuffle_questions": post_test.shuffle_questions,
            "shuffle_choices": post_test.shuffle_choices,
            "review_policy": post_test.review_policy,
        }

    def clean(self):
        cleaned = super().clean()
        draws = cleaned.get("draw") in (self.PER_OBJECTIVE, self.TOTAL)
        if draws and not cleaned.get("draw_count") and "draw_count" not in self.errors:
            self.add_error("draw_count", "Give how many questions each attempt draws.")
        return cleaned

    def settings(self) -> dict:
        """The keyword arguments of quizzes.authoring.set_post_test_settings."""
        data = self.cleaned_data
        draw, count = data["draw"], data.get("draw_count")
        return {
            "passing_score": data["passing_score"],
            "max_attempts": data["max_attempts"],
            "attempt_delay": data["attempt_delay"],
            "review_policy": data["review_policy"],
            "shuffle_questions": data["shuffle_questions"],
            "shuffle_choices": data["shuffle_choices"],
            "draw_per_objective": count if draw == self.PER_OBJECTIVE else None,
            "draw_total": count if draw == self.TOTAL else None,
        }
