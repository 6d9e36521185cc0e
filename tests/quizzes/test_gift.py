"""Exporting post-test questions as Moodle GIFT text, and importing them back."""

import pytest

from quizzes import gift
from quizzes.authoring import add_question
from quizzes.gift import (
    MAX_FILE_BYTES,
    MAX_QUESTIONS_PER_IMPORT,
    GiftError,
    GiftProblem,
    ParsedQuestion,
    export_gift,
    import_gift,
    parse_gift,
)
from quizzes.models import Question, QuestionKind
from tests.factories import (
    LearningObjectiveFactory,
    ModuleFactory,
    PostTestFactory,
    post_test_with_questions,
)

pytestmark = pytest.mark.django_db

SINGLE = QuestionKind.SINGLE_BEST_ANSWER
MULTIPLE = QuestionKind.MULTIPLE_RESPONSE
TRUE_FALSE = QuestionKind.TRUE_FALSE


def empty_post_test(objectives: int = 2):
    """A post-test with no questions, and its module's objectives in order."""
    module = ModuleFactory()
    return PostTestFactory(module=module), [
        LearningObjectiveFactory(module=module) for _ in range(objectives)
    ]


def add_every_kind(post_test, objectives):
    """Four questions with GIFT's special characters and accents wherever text goes."""
    first, second = objectives
    add_question(
        post_test,
        objective=second,
        kind=SINGLE,
        stem="Which dose {in mg/kg} is right: 1:2 or 2:1?",
        rationale="Per § 4 {see ref #3}.\nSecond line ~ with a tilde = and a backslash \\n.",
        choices=[("x = 2 ~ 3", True), ("#1 choice", False), ("Ñandú y café", False)],
    )
    add_question(
        post_test,
        objective=first,
        kind=MULTIPLE,
        stem="Which are ABCDE signs of melanoma?",
        rationale="Asymmetry, Border, Colour; size alone is not.",
        choices=[
            ("Asymmetry", True),
            ("Border: irregular", True),
            ("Colour {varied}", True),
            ("Small size", False),
            ("Itch", False),
        ],
    )
    add_question(
        post_test,
        objective=first,
        kind=TRUE_FALSE,
        stem="SPF 50 blocks twice the UVB of SPF 25 — ¿verdad?",
        rationale="No: 98% against 96%.",
        choices=[("True", False), ("False", True)],
    )
    add_question(
        post_test,
        objective=second,
        kind=MULTIPLE,
        stem="Pick the two emollients.",
        rationale="Both are emollients.",
        choices=[("Petrolatum", True), ("Urea 10%", True), ("Retinoid", False)],
    )


EXPORTED = """\
// objective: 2
::Q1:: Which dose \\{in mg/kg\\} is right\\: 1\\:2 or 2\\:1?
{
    =x \\= 2 \\~ 3
    ~\\#1 choice
    ~Ñandú y café
    ####Per § 4 \\{see ref \\#3\\}.\\nSecond line \\~ with a tilde \\= and a backslash \\\\n.
}

// objective: 1
::Q2:: Which are ABCDE signs of melanoma?
{
    ~%33.33333%Asymmetry
    ~%33.33333%Border\\: irregular
    ~%33.33333%Colour \\{varied\\}
    ~%-100%Small size
    ~%-100%Itch
    ####Asymmetry, Border, Colour; size alone is not.
}

// objective: 1
::Q3:: SPF 50 blocks twice the UVB of SPF 25 — ¿verdad?
{F####No\\: 98% against 96%.}

// objective: 2
::Q4:: Pick the two emollients.
{
    ~%50%Petrolatum
    ~%50%Urea 10%
    ~%-100%Retinoid
    ####Both are emollients.
}
"""


def test_export_writes_every_kind_in_gift_with_special_characters_escaped():
    post_test, objectives = empty_post_test()
    add_every_kind(post_test, objectives)

    assert export_gift(post_test) == EXPORTED


def test_an_export_imports_into_another_module_and_exports_again_identically():
    source, objectives = empty_post_test()
    add_every_kind(source, objectives)
    exported = export_gift(source)
    target, target_objectives = empty_post_test()

    imported = import_gift(target, exported)

    assert export_gift(target) == exported
    assert [q.position for q in imported] == [1, 2, 3, 4]
    assert [q.objective for q in imported] == [
        target_objectives[1], target_objectives[0], target_objectives[0], target_objectives[1],
    ]  # fmt: skip
    first = imported[0].current_version
    assert first.stem == "Which dose {in mg/kg} is right: 1:2 or 2:1?"
    assert first.rationale == (
        "Per § 4 {see ref #3}.\nSecond line ~ with a tilde = and a backslash \\n."
    )
    assert list(first.choices.values_list("text", "is_correct")) == [
        ("x = 2 ~ 3", True), ("#1 choice", False), ("Ñandú y café", False),
    ]  # fmt: skip


def test_export_is_deterministic_in_position_order_and_leaves_out_inactive_questions():
    post_test, (objective, _) = empty_post_test()
    for position, stem in [(3, "Third"), (1, "First"), (2, "Retired")]:
        add_question(
            post_test,
            objective=objective,
            kind=TRUE_FALSE,
            stem=stem,
            rationale="Why.",
            choices=[("True", True), ("False", False)],
            position=position,
        )
    Question.objects.filter(current_version__stem="Retired").update(is_active=False)

    exported = export_gift(post_test)

    assert exported == export_gift(post_test)
    assert exported == (
        "// objective: 1\n::Q1:: First\n{T####Why.}\n\n// objective: 1\n::Q3:: Third\n{T####Why.}\n"
    )


def test_an_empty_post_test_exports_nothing():
    post_test, _ = empty_post_test()

    assert export_gift(post_test) == ""


MOODLE_FILE = """\
// Exported by hand from a Moodle question bank.
$CATEGORY: $course$/top/Dermatology

// objective: 2
::Sunscreen:: [markdown]Which **SPF** protects best\\: 15 or 50?
{
    ~15 # Too low.
    // a comment inside the answers
    =50
    ~None of them \\{really\\}
    #### Higher SPF blocks more UVB.\\nSee ref \\#2.
}

::TF1::The sky is blue.{TRUE####Rayleigh scattering.}

The earth is flat. {F ####It is not.}

::TF3:: [html]Water boils at 100 °C at sea level.{true####At 1 atm.}

Grant is {~buried =entombed ~living ####He lies above ground.} in Grant's tomb.

::Signs::Select every warning sign\\:
{
    ~%50%Asymmetry
    ~%50%Border \\= irregular
    ~%-100%Small size
    ####A and B\\#1; size is not one.
}
"""


def test_a_hand_written_moodle_file_is_parsed_with_comments_titles_escapes_and_formats():
    questions = parse_gift(MOODLE_FILE)

    assert questions == [
        ParsedQuestion(
            kind=SINGLE,
            stem="Which SPF protects best: 15 or 50?",
            rationale="Higher SPF blocks more UVB.\nSee ref #2.\n\n“15”: Too low.",
            choices=[("15", False), ("50", True), ("None of them {really}", False)],
            objective_position=2,
            line=5,
        ),
        ParsedQuestion(
            kind=TRUE_FALSE,
            stem="The sky is blue.",
            rationale="Rayleigh scattering.",
            choices=[("True", True), ("False", False)],
            objective_position=None,
            line=14,
        ),
        ParsedQuestion(
            kind=TRUE_FALSE,
            stem="The earth is flat.",
            rationale="It is not.",
            choices=[("True", False), ("False", True)],
            objective_position=None,
            line=16,
        ),
        ParsedQuestion(
            kind=TRUE_FALSE,
            stem="Water boils at 100 °C at sea level.",
            rationale="At 1 atm.",
            choices=[("True", True), ("False", False)],
            objective_position=None,
            line=18,
        ),
        ParsedQuestion(
            kind=SINGLE,
            stem="Grant is _____ in Grant's tomb.",
            rationale="He lies above ground.",
            choices=[("buried", False), ("entombed", True), ("living", False)],
            objective_position=None,
            line=20,
        ),
        ParsedQuestion(
            kind=MULTIPLE,
            stem="Select every warning sign:",
            rationale="A and B#1; size is not one.",
            choices=[("Asymmetry", True), ("Border = irregular", True), ("Small size", False)],
            objective_position=None,
            line=22,
        ),
    ]


def test_a_hand_written_moodle_file_is_imported_with_the_default_objective():
    post_test, (first, second) = empty_post_test()

    imported = import_gift(post_test, MOODLE_FILE, default_objective=first)

    assert [q.objective for q in imported] == [second, first, first, first, first, first]
    assert [q.current_version.kind for q in imported] == [
        SINGLE, TRUE_FALSE, TRUE_FALSE, TRUE_FALSE, SINGLE, MULTIPLE,
    ]  # fmt: skip
    assert Question.objects.filter(post_test=post_test).count() == 6


def test_a_utf8_file_with_a_byte_order_mark_and_windows_line_ends_is_read():
    data = "\ufeff// objective: 1\r\n::Q1:: Café?\r\n{T####Oui.}\r\n\r\n::Q2:: Non?\r\n{F####Non.}"

    questions = parse_gift(data.encode("utf-8"))

    assert [(q.stem, q.line, q.objective_position) for q in questions] == [
        ("Café?", 2, 1),
        ("Non?", 5, None),
    ]


ERRORS_FILE = """\
::A:: Two right answers {
    =one
    =two
    ~three
    ####r
}

::B:: Unclosed {=a ~b ~c ####r

::C:: How much? {#3:1}

::D:: Match {=cat -> food =dog -> bone}

::E:: Name him {=Grant =grant ####r}

::F:: Tell us {}

::G:: {=a ~b ~c ####r}

::H:: Weights
{
    ~%50%a
    ~%40%b
    ~c
    ####r
}

::I:: Duplicates {=Same ~same ~other ####r}

::J:: No feedback {=a ~b ~c}

// objective: 5
::K:: Fine {=a ~b ~c ####r}

::L:: Also fine {T####r}

// objective: 1
"""


def test_a_file_with_several_problems_is_refused_whole_with_every_line_and_reason():
    post_test = post_test_with_questions(2)
    before = Question.objects.count()

    with pytest.raises(GiftError) as excinfo:
        import_gift(post_test, ERRORS_FILE)

    assert [str(problem) for problem in excinfo.value.errors] == [
        "Line 1: a single-best-answer question needs exactly one correct choice (=); it has 2.",
        "Line 8: the answer block opened with { is not closed with } before the question ends.",
        "Line 10: numerical questions ({#…}) are not supported.",
        "Line 12: matching questions (=… -> …) are not supported.",
        "Line 14: short-answer questions (only = answers) are not supported; mark the "
        "incorrect choices with ~.",
        "Line 16: essay questions ({}) are not supported.",
        "Line 18: this question has no text before its answers.",
        "Line 20: the weights of the correct choices add up to 90%; for all-or-nothing "
        "scoring they must add up to 100%.",
        "Line 28: two choices have the same text.",
        "Line 30: this question names no learning objective; put “// objective: n” on the "
        "line before it, or choose a default objective for the import.",
        "Line 33: this question names objective 5, but the module has 1 learning objective.",
        "Line 35: this question names no learning objective; put “// objective: n” on the "
        "line before it, or choose a default objective for the import.",
        "Line 37: this objective comment is not followed by a question.",
    ]
    assert Question.objects.count() == before


def test_the_error_lists_its_problems_one_per_line():
    error = GiftError(
        [GiftProblem(7, "b."), GiftProblem(0, "The file is empty."), GiftProblem(2, "a.")]
    )

    assert str(error) == "The file is empty.\nLine 2: a.\nLine 7: b."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("::Q1:: Sky {=blue ~%25%grey ~red ####r}", "Line 1: “grey” has partial credit (25%); "
         "in a single-best-answer question only the choice marked = earns credit."),
        ("::Q1:: Sky {~blue ~grey ~red ####r}", "Line 1: this question has no correct choice: "
         "mark the one right answer with =, or, when several are right, give each of them an "
         "equal share such as ~%50%."),
        ("::Q1:: Sky {~%abc%blue ~red ####r}", "Line 1: “%abc%” is not a weight between -100% "
         "and 100%."),
        ("::Q1:: Sky {=blue ~red ####r}", "Line 1: a single-best-answer question needs at least "
         "three choices."),
        ("::Q1:: Sky {~%100%blue ~%-100%grey ####r}\n", None),
        ("::Q1 Sky {T####r}", "Line 1: the title that starts with :: is not closed with ::."),
        ("Just a description.", "Line 1: this question has no answers; put them in braces { } "
         "after the question text (descriptions without answers are not imported)."),
        ("Sky } {T####r}", "Line 1: a } closes an answer block that was never opened."),
        ("Sky {T####r} and {F####r}", "Line 1: a question may have only one answer block { }; "
         "separate questions with a blank line."),
        ("Sky\n{\nblue\n=a ~b ~c}", "Line 3: “blue” is not a choice; start each choice with = "
         "(correct) or ~ (incorrect), or write T or F for true or false."),
        ("// objective: two\nSky {T####r}", "Line 1: “two” is not an objective number; write "
         "“// objective: 1” for the first learning objective of the module."),
        ("// objective: 1\n// objective: 2\nSky {T####r}", "Line 2: a second objective comment "
         "for the same question (the first is on line 1)."),
        ("// only a comment\n$CATEGORY: top\n", "The file contains no questions."),
        (f"Sky {{={'x' * 501} ~b ~c ####r}}", "Line 1: a choice may have at most 500 characters; "
         "this one has 501."),
    ],
)  # fmt: skip
def test_a_question_this_site_cannot_grade_is_refused_with_a_reason(text, problem):
    if problem is None:
        assert [q.kind for q in parse_gift(text)] == [MULTIPLE]
        return
    with pytest.raises(GiftError) as excinfo:
        parse_gift(text)

    assert str(excinfo.value) == problem


def test_a_file_over_one_mebibyte_is_refused_before_it_is_read():
    post_test, (objective, _) = empty_post_test()
    text = "::Q1:: Sky {T####r}\n\n" + "// padding\n" * (MAX_FILE_BYTES // 11)

    for data in (text, text.encode("utf-8")):
        with pytest.raises(GiftError) as excinfo:
            import_gift(post_test, data, default_objective=objective)

        assert str(excinfo.value) == (
            "The file is larger than 1 MiB; split it into smaller files and import each."
        )
    assert not Question.objects.exists()


def true_false_questions(count: int) -> str:
    """`count` valid true-or-false questions, each naming objective 1."""
    return "".join(f"// objective: 1\n::Q{n}:: Statement {n} {{T####r}}\n\n" for n in range(count))


def test_a_file_of_more_questions_than_one_import_takes_is_refused_whole():
    post_test, _ = empty_post_test()

    with pytest.raises(GiftError) as excinfo:
        import_gift(post_test, true_false_questions(MAX_QUESTIONS_PER_IMPORT + 1))

    assert str(excinfo.value) == (
        "The file has 501 questions; one import takes at most 500. Split it into files of 500 "
        "questions or fewer and import each."
    )
    assert not Question.objects.exists()


def test_the_question_cap_counts_every_question_of_a_large_file_without_reading_them():
    """95,000 short questions fit under 1 MiB; the refusal names how many there are, and
    problems in questions past the cap are not reported (they are never read)."""
    text = "a{T####b}\n\n" * 95_000 + "::Bad:: {=x}\n"

    with pytest.raises(GiftError) as excinfo:
        parse_gift(text)

    assert [str(problem) for problem in excinfo.value.errors] == [
        "The file has 95,001 questions; one import takes at most 500. Split it into files of "
        "500 questions or fewer and import each."
    ]


def test_comments_categories_and_blank_lines_are_not_counted_as_questions():
    text = "$CATEGORY: $course$/Dermatology\n\n// a note\n\n\n" + true_false_questions(
        MAX_QUESTIONS_PER_IMPORT
    )

    assert len(parse_gift(text)) == MAX_QUESTIONS_PER_IMPORT


def test_a_file_of_exactly_the_cap_is_imported():
    post_test, (first, _) = empty_post_test()

    added = import_gift(post_test, true_false_questions(MAX_QUESTIONS_PER_IMPORT))

    assert len(added) == MAX_QUESTIONS_PER_IMPORT
    assert set(post_test.questions.values_list("objective", flat=True)) == {first.pk}


def test_a_file_that_is_not_utf8_is_refused():
    post_test, _ = empty_post_test()

    with pytest.raises(GiftError) as excinfo:
        import_gift(post_test, "::Q1:: Café? {T####Oui.}".encode("latin-1"))

    assert str(excinfo.value) == (
        "The file is not valid UTF-8 text (byte 11 cannot be read); save it as UTF-8 and "
        "import it again."
    )
    assert not Question.objects.exists()


def test_objective_numbers_follow_the_module_objectives_in_their_order():
    module = ModuleFactory()
    third = LearningObjectiveFactory(module=module, position=30)
    first = LearningObjectiveFactory(module=module, position=10)
    second = LearningObjectiveFactory(module=module, position=20)
    post_test = PostTestFactory(module=module)
    text = "// objective: 3\nA {T####r}\n\n// objective: 1\nB {T####r}\n\nC {T####r}"

    imported = import_gift(post_test, text, default_objective=second)

    assert [q.objective for q in imported] == [third, first, second]
    assert export_gift(post_test).count("// objective: 2\n::Q3:: C\n") == 1


def test_a_default_objective_from_another_module_is_refused():
    post_test, _ = empty_post_test()
    elsewhere = LearningObjectiveFactory()

    with pytest.raises(GiftError) as excinfo:
        import_gift(post_test, "A {T####r}", default_objective=elsewhere)

    assert str(excinfo.value) == f"The default objective “{elsewhere}” belongs to another module."


def test_imported_questions_come_after_the_existing_ones():
    post_test = post_test_with_questions(2)
    objective = post_test.questions.first().objective

    imported = import_gift(post_test, "A {T####r}\n\nB {F####r}", default_objective=objective)

    assert [q.position for q in imported] == [3, 4]
    assert [str(q) for q in post_test.questions.order_by("position")] == [
        "Q1: Question 1?", "Q2: Question 2?", "Q3: A", "Q4: B",
    ]  # fmt: skip


def test_three_correct_answers_export_as_moodle_thirds_and_import_back():
    source, (objective, _) = empty_post_test()
    add_question(
        source,
        objective=objective,
        kind=MULTIPLE,
        stem="Pick three.",
        rationale="These three.",
        choices=[("a", True), ("b", False), ("c", True), ("d", True)],
    )
    exported = export_gift(source)
    target, _ = empty_post_test()

    [imported] = import_gift(target, exported)

    assert "~%33.33333%a\n    ~%-100%b\n    ~%33.33333%c\n    ~%33.33333%d\n" in exported
    assert list(imported.current_version.choices.values_list("text", "is_correct")) == [
        ("a", True), ("b", False), ("c", True), ("d", True),
    ]  # fmt: skip
    assert export_gift(target) == exported


def test_thirds_rounded_as_authors_write_them_are_accepted():
    [question] = parse_gift("Pick {~%33.33%a ~%33.333%b ~%33.33%c ~%-100%d ####r}")

    assert question.choices == [("a", True), ("b", True), ("c", True), ("d", False)]


# What authors bring from Moodle


MOODLE_HTML_EXPORT = """\
// question: 1234  name: Forearm
::Forearm::[html]<p>Where did the eruptions <strong>most often</strong> begin?</p>{
\t~[html]<p>Face&nbsp;and neck</p>
\t=[html]<p>Forearms</p>
\t~[html]<p>Trunk &amp; back</p>
\t####[html]<p>Forearms (41%)<br>then the face.</p>
}
"""


def test_a_moodle_html_export_is_read_as_plain_text_with_entities_decoded():
    """The field's example: the learner read "<p>Forearms</p>"."""
    (question,) = parse_gift(MOODLE_HTML_EXPORT)

    assert question.stem == "Where did the eruptions most often begin?"
    assert question.choices == [
        ("Face and neck", False),
        ("Forearms", True),
        ("Trunk & back", False),
    ]
    assert question.rationale == "Forearms (41%)\nthen the face."


def test_markdown_text_is_read_as_plain_text():
    (question,) = parse_gift("[markdown]Is *this* the **answer**?{T####[markdown]Yes, `it` is.}")

    assert (question.stem, question.rationale) == ("Is this the answer?", "Yes, it is.")


@pytest.mark.parametrize(
    "text",
    ["[Plain] radiograph of the forearm", "[html] is a format marker", "[X-ray] findings"],
)
def test_a_bracketed_word_that_is_not_a_format_marker_survives_export_and_import(text):
    """The field's example: "[Plain] radiograph…" lost its first word on import, and the
    export-import-export round trip differed."""
    post_test, (objective, _) = empty_post_test()
    add_question(
        post_test,
        objective=objective,
        kind=SINGLE,
        stem=text,
        rationale=text,
        choices=[(text, True), ("Other", False), ("Another", False)],
    )
    exported = export_gift(post_test)
    copy, _ = empty_post_test()

    (imported,) = import_gift(copy, exported, default_objective=copy.module.objectives.first())

    version = imported.current_version
    assert (version.stem, version.rationale) == (text, text)
    assert version.choices.get(is_correct=True).text == text
    assert export_gift(copy) == exported


def test_moodles_documented_question_without_general_feedback_is_imported_needing_a_rationale():
    (question,) = parse_gift("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")

    assert question.rationale == ""
    assert question.notes == (gift.NO_RATIONALE_NOTE,)


@pytest.mark.parametrize(
    ("answers", "weights"),
    [
        ("~%50%Grant ~%50%Grant's wife ~Grant's father", "0%"),
        ("~%50%Grant ~%50%Grant's wife ~%-50%Grant's father ~%-100%No one", "-50%"),
    ],
)
def test_moodles_multiple_response_with_unweighted_or_half_penalty_wrong_choices_is_imported(
    answers, weights
):
    (question,) = parse_gift(f"What two people are entombed in Grant's tomb? {{{answers} ####r}}")

    assert question.kind == MULTIPLE
    assert [c for c, correct in question.choices if correct] == ["Grant", "Grant's wife"]
    assert next(c for c, correct in question.choices if not correct) == "Grant's father"
    assert question.notes == (gift.ALL_OR_NOTHING_NOTE.format(weights=weights),)


def test_a_question_imported_without_a_rationale_blocks_publishing_until_one_is_written(
    course_author,
):
    from courses.models import ModuleStatus
    from courses.publishing import publication_problems

    post_test = post_test_with_questions(5)
    post_test.module.status = ModuleStatus.DRAFT
    post_test.module.save()

    import_gift(post_test, "::Tomb:: Who is buried? {~Grant ~Jefferson =no one}",
                default_objective=post_test.module.objectives.get())  # fmt: skip

    assert "Write the rationale of question 6 (“Who is buried?”): why its answer is right." in (
        publication_problems(post_test.module)
    )


def test_unsupported_kinds_are_still_refused_with_their_lines_and_nothing_is_imported():
    post_test, (objective, _) = empty_post_test()
    text = (
        "Fine {T####r}\n\n"
        "Two plus two? {=four =4}\n\n"
        "Weight? {#3:1}\n\n"
        "Match {=cat -> food =dog -> bone}\n\n"
        "Write an essay. {}\n"
    )

    with pytest.raises(GiftError) as excinfo:
        import_gift(post_test, text, default_objective=objective)

    assert [problem.line for problem in excinfo.value.errors] == [3, 5, 7, 9]
    assert not post_test.questions.exists()
