"""Moving post-test questions in and out as Moodle GIFT text.

Export writes every active question, in order, as GIFT that Moodle can read. Import reads
the three kinds this site grades (single best answer, multiple response, true or false),
checks the whole file, and either adds every question or, if anything is wrong, adds none
and says what is wrong, line by line.

A line ``// objective: n`` before a question names the module's n-th learning objective
(counting from 1, in the module's order), so that an export imports into another edition.
"""

import bisect
import dataclasses
import html
import itertools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.models import User
from courses.models import LearningObjective
from quizzes.authoring import add_question
from quizzes.models import Choice, PostTest, Question, QuestionKind, validate_choices

MAX_FILE_BYTES = 1024 * 1024
MAX_QUESTIONS_PER_IMPORT = 500
"""The most questions one GIFT file may add. A file under MAX_FILE_BYTES can hold about
95,000 short true-or-false questions, and writing each through `add_question` would keep a
web worker busy for minutes (gunicorn kills it after 30 s and nothing is imported). 500 is
several times the longest post-test an author writes, and imports in a few seconds. The
reader counts questions before it reads any of them, so a longer file is refused in a few
tens of milliseconds (``bench/gift_import.py``)."""
CHOICE_MAX_LENGTH = Choice._meta.get_field("text").max_length
INDENT = "    "
MISSING_WORD = "_____"

_SPECIAL = "~=#{}:"
_ESCAPES = {**{c: c for c in _SPECIAL}, "\\": "\\", "n": "\n"}
# A format marker is one of Moodle's four, written as Moodle writes it, at the very start of
# a field; "[Plain] radiograph" is text. Export protects text that looks like a marker.
_FORMAT_MARKER = re.compile(r"\s*\[(html|moodle|plain|markdown)\]")
_LOOKS_LIKE_MARKER = re.compile(r"\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
_OBJECTIVE_COMMENT = re.compile(r"//\s*objective\s*:(.*)", re.IGNORECASE)
_CATEGORY = re.compile(r"\$CATEGORY:", re.IGNORECASE)
_WEIGHT = re.compile(r"\s*%([^%]*)%")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_QUESTION_LINE = re.compile(r"^[^\S\n]*(?!//|\$CATEGORY:)\S", re.MULTILINE | re.IGNORECASE)
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_WEIGHT_TOLERANCE = Decimal("0.01")


@dataclasses.dataclass(frozen=True)
class GiftProblem:
    """Something wrong in a GIFT file; line 0 means the file as a whole."""

    line: int
    message: str

    def __str__(self):
        return f"Line {self.line}: {self.message}" if self.line else self.message


class GiftError(Exception):
    """A GIFT file that cannot be imported, with every problem found in it."""

    def __init__(self, errors: list[GiftProblem]):
        self.errors = sorted(errors, key=lambda problem: problem.line)
        super().__init__(str(self))

    def __str__(self):
        return "\n".join(str(problem) for problem in self.errors)


NO_RATIONALE_NOTE = (
    "no rationale (general feedback after ####): imported as needing one; the module cannot "
    "be published until an author writes it."
)
ALL_OR_NOTHING_NOTE = (
    "multiple response is graded all-or-nothing here: the learner must tick exactly the "
    "correct choices; the file's partial weights ({weights}) are not used."
)


@dataclasses.dataclass(frozen=True)
class ParsedQuestion:
    """One question read from a GIFT file, as the site will store it; `notes` are what the
    import report tells the author about it (e.g. it needs a rationale)."""

    kind: str
    stem: str
    rationale: str
    choices: list[tuple[str, bool]]
    objective_position: int | None
    line: int
    notes: tuple[str, ...] = ()


# Export


def export_gift(post_test: PostTest) -> str:
    """Every active question of `post_test`, in order, as GIFT text; the same questions
    always give the same text."""
    objective_numbers = {
        pk: number
        for number, pk in enumerate(_objectives_of(post_test).values_list("pk", flat=True), 1)
    }
    questions = (
        post_test.questions.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version")
        .prefetch_related("current_version__choices")
        .order_by("position", "pk")
    )
    blocks = [
        _format_question(question, objective_number=objective_numbers.get(question.objective_id))
        for question in questions
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _format_question(question: Question, *, objective_number: int | None) -> str:
    version = question.current_version
    choices = [(choice.text, choice.is_correct) for choice in version.choices.all()]
    lines = [f"// objective: {objective_number}"] if objective_number else []
    lines.append(f"::Q{question.position}:: {_escape(version.stem)}")
    feedback = f"####{_escape(version.rationale)}" if version.rationale.strip() else ""
    if version.kind == QuestionKind.TRUE_FALSE:
        is_true = any(text.casefold() == "true" and correct for text, correct in choices)
        lines.append(f"{{{'T' if is_true else 'F'}{feedback}}}")
        return "\n".join(lines)
    if version.kind == QuestionKind.MULTIPLE_RESPONSE:
        share = _format_weight(Decimal(100) / sum(1 for _, correct in choices if correct))
        marks = {True: f"~%{share}%", False: "~%-100%"}
    else:
        marks = {True: "=", False: "~"}
    lines.append("{")
    for text, correct in choices:
        mark = marks[correct]
        if text.startswith("%") and not mark.endswith("%"):
            mark += "%100%" if correct else "%0%"  # so the text's own % is not read as a weight
        lines.append(f"{INDENT}{mark}{_escape(text)}")
    if feedback:
        lines.append(f"{INDENT}{feedback}")
    lines.append("}")
    return "\n".join(lines)


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    text = re.sub(r"[\\~=#{}:]", lambda match: "\\" + match.group(), text)
    if _LOOKS_LIKE_MARKER.match(text):
        text = "[plain]" + text  # so that "[html] tags …" is read back as text, here and in Moodle
    return text.replace("\n", "\\n")


def _format_weight(weight: Decimal) -> str:
    """100/3 → "33.33333", as Moodle writes it; 50 → "50"."""
    return f"{weight:.5f}".rstrip("0").rstrip(".")


# Import


def parse_gift(text: bytes | str) -> list[ParsedQuestion]:
    """The questions of a GIFT file, or GiftError listing every problem in it (a file of
    more than MAX_QUESTIONS_PER_IMPORT questions has that one problem)."""
    questions, problems = _read_gift(text)
    if problems:
        raise GiftError(problems)
    return questions


@dataclasses.dataclass(frozen=True)
class ImportPreview:
    """What an import would add, for the author to confirm: each question with the objective
    it would assess, and the notes of the import report."""

    questions: list[tuple[ParsedQuestion, LearningObjective]]

    @property
    def notes(self) -> list[GiftProblem]:
        return [GiftProblem(q.line, note) for q, _ in self.questions for note in q.notes]


def preview_gift(
    post_test: PostTest,
    text: bytes | str,
    *,
    default_objective: LearningObjective | None = None,
) -> ImportPreview:
    """Read and check a GIFT file against `post_test`, writing nothing: an ImportPreview,
    or GiftError listing every problem (a file of more than MAX_QUESTIONS_PER_IMPORT
    questions is refused before any question in it is read).

    A question preceded by ``// objective: n`` assesses the module's n-th learning
    objective; any other assesses `default_objective`.
    """
    questions, problems = _read_gift(text)
    objectives = list(_objectives_of(post_test))
    if default_objective is not None and default_objective.module_id != post_test.module_id:
        problems.append(
            GiftProblem(
                0,
                f"The default objective “{default_objective}” belongs to another module.",
            )
        )
    assessed = []
    for question in questions:
        objective, problem = _find_objective(
            question, objectives=objectives, default_objective=default_objective
        )
        if problem:
            problems.append(problem)
        assessed.append(objective)
    if problems:
        raise GiftError(problems)
    return ImportPreview(list(zip(questions, assessed, strict=True)))


def import_gift(
    post_test: PostTest,
    text: bytes | str,
    *,
    default_objective: LearningObjective | None = None,
    by: User | None = None,
) -> list[Question]:
    """Add the questions of a GIFT file after the post-test's existing ones: all of them,
    or, if the file has any problem, none (GiftError lists them all; see `preview_gift`).
    Questions without a rationale are added with an empty one, which the publish checks
    refuse until an author writes it. Like any question added, the import withdraws a
    reviewer's approval of the draft; `by` is recorded as its author."""
    preview = preview_gift(post_test, text, default_objective=default_objective)
    with transaction.atomic():
        PostTest.objects.select_for_update().get(pk=post_test.pk)  # one import at a time
        last = post_test.questions.aggregate(last=Max("position"))["last"] or 0
        return [
            add_question(
                post_test,
                objective=objective,
                kind=question.kind,
                stem=question.stem,
                rationale=question.rationale,
                choices=question.choices,
                position=last + number,
                by=by,
            )
            for number, (question, objective) in enumerate(preview.questions, 1)
        ]


def _objectives_of(post_test: PostTest):
    return LearningObjective.objects.filter(module_id=post_test.module_id).order_by(
        "position", "pk"
    )


def _find_objective(
    question: ParsedQuestion,
    *,
    objectives: list[LearningObjective],
    default_objective: LearningObjective | None,
) -> tuple[LearningObjective | None, GiftProblem | None]:
    number = question.objective_position
    if number is None:
        if default_objective is None:
            return None, GiftProblem(
                question.line,
                "this question names no learning objective; put “// objective: n” on the line "
                "before it, or choose a default objective for the import.",
            )
        return default_objective, None
    if number > len(objectives):
        has = f"{len(objectives)} learning objective{'s' if len(objectives) != 1 else ''}"
        return None, GiftProblem(
            question.line, f"this question names objective {number}, but the module has {has}."
        )
    return objectives[number - 1], None


def _read_gift(text: bytes | str) -> tuple[list[ParsedQuestion], list[GiftProblem]]:
    try:
        text = _decode(text)
    except GiftError as exc:
        return [], exc.errors
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    count = _count_questions(text)
    if count > MAX_QUESTIONS_PER_IMPORT:
        return [], [_too_many_questions(count)]
    reader = _Reader()
    questions = reader.read(_question_chunks(text))
    if not questions and not reader.problems:
        reader.problems.append(GiftProblem(0, "The file contains no questions."))
    return questions, reader.problems


def _too_many_questions(count: int) -> GiftProblem:
    return GiftProblem(
        0,
        f"The file has {count:,} questions; one import takes at most "
        f"{MAX_QUESTIONS_PER_IMPORT}. Split it into files of {MAX_QUESTIONS_PER_IMPORT} "
        f"questions or fewer and import each.",
    )


def _decode(text: bytes | str) -> str:
    too_big = GiftProblem(
        0, "The file is larger than 1 MiB; split it into smaller files and import each."
    )
    not_utf8 = "The file is not valid UTF-8 text ({}); save it as UTF-8 and import it again."
    if len(text) > MAX_FILE_BYTES:
        raise GiftError([too_big])
    if isinstance(text, str):
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as exc:
            where = f"character {exc.start + 1} cannot be written as UTF-8"
            raise GiftError([GiftProblem(0, not_utf8.format(where))]) from exc
        if size > MAX_FILE_BYTES:
            raise GiftError([too_big])
        return text
    try:
        return bytes(text).decode("utf-8")
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start + 1} cannot be read"
        raise GiftError([GiftProblem(0, not_utf8.format(where))]) from exc


def _count_questions(text: str) -> int:
    """How many questions `_question_chunks` will find: blocks between blank lines with a
    line that is neither a comment nor a category. Regular expressions do the work, so that
    a 1 MiB file of 95,000 questions is counted in about 30 ms, before any is read."""
    return sum(1 for block in _BLANK_LINE.split(text) if _QUESTION_LINE.search(block))


def _question_chunks(text: str):
    """Each question's lines, as ([(line number, objective comment match)], [(line
    number, line)]): the objective comments before it and its own text; objective comments
    after the last question come last, with no text. `text` has "\\n" line ends."""
    comments: list[tuple[int, re.Match]] = []
    for chunk in _split_on_blank_lines(text.split("\n")):
        content = []
        for line_number, line in chunk:
            stripped = line.strip()
            if stripped.startswith("//"):
                objective = _OBJECTIVE_COMMENT.match(stripped)
                if objective:
                    comments.append((line_number, objective))
            elif not _CATEGORY.match(stripped):
                content.append((line_number, line))
        if content:
            yield comments, content
            comments = []
    if comments:
        yield comments, []


@dataclasses.dataclass
class _Answer:
    mark: str  # "=" or "~"
    weight: Decimal | None
    text: str
    feedback: str
    line: int


class _Reader:
    """Reads one GIFT file, collecting questions and problems as it goes."""

    def __init__(self):
        self.problems: list[GiftProblem] = []

    def report(self, line: int, message: str) -> None:
        self.problems.append(GiftProblem(line, message))

    def read(self, chunks) -> list[ParsedQuestion]:
        """The questions of the chunks `_question_chunks` split off."""
        questions = []
        for comments, content in chunks:
            pending = [
                (line_number, self.read_objective(match, line_number))
                for line_number, match in comments
            ]
            if not content:
                for line_number, _ in pending:
                    self.report(
                        line_number, "this objective comment is not followed by a question."
                    )
                continue
            objective_position = None
            if pending:
                first_line, objective_position = pending[0]
                for extra_line, _ in pending[1:]:
                    self.report(
                        extra_line,
                        f"a second objective comment for the same question (the first is on "
                        f"line {first_line}).",
                    )
                pending = []
            question = self.read_question(content, objective_position=objective_position)
            if question:
                questions.append(question)
        return questions

    def read_objective(self, match: re.Match, line_number: int) -> int | None:
        value = match.group(1).strip()
        if value.isdigit() and int(value) >= 1:
            return int(value)
        self.report(
            line_number,
            f"“{value}” is not an objective number; write “// objective: 1” for the first "
            f"learning objective of the module.",
        )
        return None

    def read_question(
        self, content: list[tuple[int, str]], *, objective_position: int | None
    ) -> ParsedQuestion | None:
        text = "\n".join(line for _, line in content)
        starts = list(itertools.accumulate((len(line) + 1 for _, line in content), initial=0))

        def line_at(offset: int) -> int:
            return content[bisect.bisect_right(starts, offset) - 1][0]

        first_line = content[0][0]
        problems_before = len(self.problems)
        position = len(text) - len(text.lstrip())
        if text.startswith("::", position):
            title_end = _find_unescaped(text, "::", position + 2)
            if title_end < 0:
                self.report(first_line, "the title that starts with :: is not closed with ::.")
                return None
            position = title_end + 2
        opening = _find_unescaped(text, "{", position)
        stray = _find_unescaped(text, "}", position)
        if opening < 0:
            if stray >= 0:
                self.report(line_at(stray), "a } closes an answer block that was never opened.")
            else:
                self.report(
                    first_line,
                    "this question has no answers; put them in braces { } after the question "
                    "text (descriptions without answers are not imported).",
                )
            return None
        if 0 <= stray < opening:
            self.report(line_at(stray), "a } closes an answer block that was never opened.")
            return None
        closing = _find_unescaped(text, "}", opening + 1)
        reopening = _find_unescaped(text, "{", opening + 1)
        if closing < 0 or 0 <= reopening < closing:
            self.report(
                line_at(opening),
                "the answer block opened with { is not closed with } before the question ends.",
            )
            return None
        after = text[closing + 1 :]
        if _find_unescaped(after, "{") >= 0:
            self.report(
                line_at(closing + 1 + _find_unescaped(after, "{")),
                "a question may have only one answer block { }; separate questions with a "
                "blank line.",
            )
            return None
        if _find_unescaped(after, "}") >= 0:
            self.report(
                line_at(closing + 1 + _find_unescaped(after, "}")),
                "a } closes an answer block that was never opened.",
            )
            return None

        before = text[position:opening]
        stem = _field_text(f"{before}{MISSING_WORD}{after}" if after.strip() else before)
        if not stem:
            self.report(first_line, "this question has no text before its answers.")

        block = self.read_block(
            text[opening + 1 : closing], offset=opening + 1, line_at=line_at, first_line=first_line
        )
        if block is None or len(self.problems) > problems_before:
            return None
        kind, choices, rationale, notes = block
        if not rationale:
            notes = (*notes, NO_RATIONALE_NOTE)
        try:
            validate_choices(kind, choices)
        except ValidationError as exc:
            for message in exc.messages:
                self.report(first_line, message[:1].lower() + message[1:])
            return None
        return ParsedQuestion(
            kind=kind,
            stem=stem,
            rationale=rationale,
            choices=choices,
            objective_position=objective_position,
            line=first_line,
            notes=tuple(notes),
        )

    def read_block(
        self, block: str, *, offset: int, line_at: Callable[[int], int], first_line: int
    ) -> tuple[str, list[tuple[str, bool]], str, tuple[str, ...]] | None:
        """(kind, choices, rationale, notes) of the text between { and }, or None if it is
        not a kind this site grades."""
        block_line = line_at(offset - 1)
        general_at = _find_unescaped(block, "####")
        body = block if general_at < 0 else block[:general_at]
        general = "" if general_at < 0 else _field_text(block[general_at + 4 :])
        stripped = body.strip()
        if not stripped:
            self.report(block_line, "essay questions ({}) are not supported.")
            return None
        if stripped.startswith("#"):
            self.report(block_line, "numerical questions ({#…}) are not supported.")
            return None
        key, *feedbacks = _split_unescaped(stripped, "#")
        if key.strip().upper() in _TRUE_FALSE:
            is_true = _TRUE_FALSE[key.strip().upper()]
            rationale = _join_paragraphs([general, *(_field_text(f) for f in feedbacks)])
            choices = [("True", is_true), ("False", not is_true)]
            return QuestionKind.TRUE_FALSE, choices, rationale, ()

        answers = self.read_answers(body, offset=offset, line_at=line_at)
        if answers is None:
            return None
        marks = {answer.mark for answer in answers}
        if "~" not in marks:
            if any(_find_unescaped(answer.text, "->") >= 0 for answer in answers):
                self.report(block_line, "matching questions (=… -> …) are not supported.")
            else:
                self.report(
                    block_line,
                    "short-answer questions (only = answers) are not supported; mark the "
                    "incorrect choices with ~.",
                )
            return None
        rationale = _join_paragraphs(
            [general, *(f"“{a.text}”: {a.feedback}" for a in answers if a.feedback)]
        )
        if "=" in marks:
            choices = self.read_single_best_answer(answers, first_line=first_line)
            return QuestionKind.SINGLE_BEST_ANSWER, choices, rationale, ()
        choices, notes = self.read_multiple_response(answers, first_line=first_line)
        return QuestionKind.MULTIPLE_RESPONSE, choices, rationale, notes

    def read_answers(
        self, body: str, *, offset: int, line_at: Callable[[int], int]
    ) -> list[_Answer] | None:
        marks = [i for i in _unescaped_positions(body) if body[i] in "=~"]
        leading = body[: marks[0]] if marks else body
        if leading.strip():
            self.report(
                line_at(offset + len(leading) - len(leading.lstrip())),
                f"“{_field_text(leading)}” is not a choice; start each choice with = (correct) "
                f"or ~ (incorrect), or write T or F for true or false.",
            )
            return None
        answers = []
        for start, end in zip(marks, [*marks[1:], len(body)], strict=True):
            line = line_at(offset + start)
            raw = body[start + 1 : end]
            weight = None
            match = _WEIGHT.match(raw)
            if match:
                try:
                    weight = Decimal(match.group(1).strip())
                except InvalidOperation:
                    weight = None
                if weight is None or not weight.is_finite() or not -100 <= weight <= 100:
                    self.report(
                        line, f"“%{match.group(1)}%” is not a weight between -100% and 100%."
                    )
                    return None
                raw = raw[match.end() :]
            text, *feedbacks = _split_unescaped(raw, "#")
            answer = _Answer(
                mark=body[start],
                weight=weight,
                text=_field_text(text),
                feedback=_join_paragraphs(_field_text(f) for f in feedbacks),
                line=line,
            )
            if len(answer.text) > CHOICE_MAX_LENGTH:
                self.report(
                    line,
                    f"a choice may have at most {CHOICE_MAX_LENGTH} characters; this one "
                    f"has {len(answer.text)}.",
                )
            answers.append(answer)
        return answers

    def read_single_best_answer(
        self, answers: list[_Answer], *, first_line: int
    ) -> list[tuple[str, bool]]:
        correct = sum(1 for answer in answers if answer.mark == "=")
        if correct != 1:
            self.report(
                first_line,
                f"a single-best-answer question needs exactly one correct choice (=); "
                f"it has {correct}.",
            )
        for answer in answers:
            full = Decimal(100) if answer.mark == "=" else Decimal(0)
            if answer.weight is not None and answer.weight != full:
                self.report(
                    answer.line,
                    f"“{answer.text}” has partial credit ({_format_weight(answer.weight)}%); "
                    f"in a single-best-answer question only the choice marked = earns credit.",
                )
        return [(answer.text, answer.mark == "=") for answer in answers]

    def read_multiple_response(
        self, answers: list[_Answer], *, first_line: int
    ) -> tuple[list[tuple[str, bool]], tuple[str, ...]]:
        """Choices with a positive weight are correct, the rest (no weight, 0% or a
        penalty) incorrect; the site grades all-or-nothing, and a note says so when the
        file meant partial credit (Moodle's documented examples weigh wrong choices 0% or
        -50% as often as -100%)."""
        weights = [answer.weight or Decimal(0) for answer in answers]
        correct = [weight for weight in weights if weight > 0]
        if not correct:
            self.report(
                first_line,
                "this question has no correct choice: mark the one right answer with =, or, "
                "when several are right, give each of them an equal share such as ~%50%.",
            )
            return [], ()
        total = sum(correct)
        if abs(total - 100) > _WEIGHT_TOLERANCE * len(correct):
            self.report(
                first_line,
                f"the weights of the correct choices add up to {_format_weight(total)}%; for "
                f"all-or-nothing scoring they must add up to 100%.",
            )
        partial = sorted({w for w in weights if w <= 0 and w != -100}, reverse=True)
        notes = ()
        if partial:
            shown = ", ".join(f"{_format_weight(w)}%" for w in partial)
            notes = (ALL_OR_NOTHING_NOTE.format(weights=shown),)
        choices = [(a.text, w > 0) for a, w in zip(answers, weights, strict=True)]
        return choices, notes


# Small text helpers


def _split_on_blank_lines(lines: list[str]):
    """Groups of (line number, line) separated by blank lines."""
    chunk = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            chunk.append((number, line))
        elif chunk:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _unescaped_positions(text: str):
    """Offsets of the characters in `text` that no backslash escapes."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        yield i
        i += 1


def _find_unescaped(text: str, target: str, start: int = 0) -> int:
    for i in _unescaped_positions(text):
        if i >= start and text.startswith(target, i):
            return i
    return -1


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, start = [], 0
    for i in _unescaped_positions(text):
        if text[i] == separator:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _field_text(raw: str) -> str:
    """A GIFT field as this site stores it (plain text): GIFT's escapes undone and, after a
    format marker at its start, [html] and [markdown] turned into plain text (tags
    removed, paragraphs and line breaks kept, entities such as &nbsp; and &amp; decoded);
    [plain] and [moodle] text as written."""
    match = _FORMAT_MARKER.match(raw)
    text = _unescape((raw[match.end() :] if match else raw).strip()).strip()
    if match and match.group(1) == "html":
        return _html_to_text(text)
    if match and match.group(1) == "markdown":
        return _html_to_text(markdown.markdown(text))
    return text


def _html_to_text(fragment: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>", "\n", fragment)
    text = re.sub(r"(?i)</(?:p|div|li|h[1-6]|tr)\s*>", "\n\n", text)
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = [" ".join(line.replace("\xa0", " ").split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group()), text, flags=re.DOTALL)


def _join_paragraphs(paragraphs) -> str:
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
