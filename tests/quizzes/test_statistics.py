"""Item analysis of a post-test, checked against figures worked out by hand, and its charts
and CSV rows."""

import csv
import io
import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.spreadsheets import csv_text
from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.authoring import revise_question
from quizzes.charts import facility_bars_svg, score_histogram_svg
from quizzes.models import QuestionKind
from quizzes.statistics import (
    CSV_HEADER,
    ChoiceFrequency,
    item_analysis,
    item_analysis_csv_rows,
    upper_lower_group_size,
)
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"

# The hand-worked example: 10 learners, 4 single-best-answer questions (choices A, B, C, D;
# A is right), 70% to pass, so 3 of 4 right passes. Each string is the letters an attempt
# chose for Q1..Q4; attempts are made in this order, so their ids rise down the table.
# Q4 is reworded after the first round: its distractor "D" becomes "E" (a new version).
#
#  row learner no. choices  Q1 Q2 Q3 Q4  total  score  passed
#   1   L1     1   AABA     1  1  0  1    3     75     yes
#   2   L2     1   AAAA     1  1  1  1    4    100     yes
#   3   L3     1   ABCA     1  0  0  1    2     50     no
#   4   L4     1   ABAA     1  0  1  1    3     75     yes
#   5   L5     1   ACBA     1  0  0  1    2     50     no
#   6   L6     1   ABAA     1  0  1  1    3     75     yes
#   7   L7     1   ADAA     1  0  1  1    3     75     yes
#   8   L8     1   ABAD     1  0  1  0    2     50     no
#   9   L9     1   ACAD     1  0  1  0    2     50     no
#  10   L10    1   ABDB     1  0  0  0    1     25     no
#       -- Q4 revised: choices A, B, C, E --
#  11   L3     2   ABAA     1  0  1  1    3     75     yes
#  12   L5     2   AABA     1  1  0  1    3     75     yes
#  13   L8     2   ACAE     1  0  1  0    2     50     no
FIRST_ROUND = ["AABA", "AAAA", "ABCA", "ABAA", "ACBA", "ABAA", "ADAA", "ABAD", "ACAD", "ABDB"]
SECOND_ROUND = {3: "ABAA", 5: "AABA", 8: "ACAE"}  # learner number -> choices

N = 13  # graded attempts


def choose(attempt, letters: str) -> dict[int, list[int]]:
    """Answers selecting, for the item at each position, the choice with that letter."""
    items = attempt.items.order_by("position").select_related("question_version")
    return {
        item.pk: [item.question_version.choices.get(text=letter).pk]
        for item, letter in zip(items, letters, strict=True)
    }


def take(learner, post_test, letters: str):
    attempt = start_attempt(learner, post_test=post_test)
    return submit_attempt(attempt, answers=choose(attempt, letters))


@pytest.fixture
def worked_example():
    post_test = post_test_with_questions(4, passing_score=70, max_attempts=3)
    learners = [UserFactory() for _ in range(10)]
    for learner, letters in zip(learners, FIRST_ROUND, strict=True):
        record_disclosures_shown(learner, module=post_test.module)
        take(learner, post_test, letters)
    revise_question(
        post_test.questions.get(position=4),
        kind=QuestionKind.SINGLE_BEST_ANSWER,
        stem="Question 4, reworded?",
        rationale="Because of passage 4.",
        choices=[("A", True), ("B", False), ("C", False), ("E", False)],
    )
    for number, letters in SECOND_ROUND.items():
        take(learners[number - 1], post_test, letters)
    return post_test


def point_biserial_by_hand(n, sx, sy, sxy, syy):
    """r = (N Σxy - Σx Σy) / sqrt((N Σx² - (Σx)²)(N Σy² - (Σy)²)), with x² = x."""
    return (n * sxy - sx * sy) / math.sqrt((n * sx - sx**2) * (n * syy - sy**2))


def test_attempt_figures_match_the_hand_count(worked_example):
    analysis = item_analysis(worked_example)

    assert analysis.attempts == N
    assert analysis.learners == 10
    # Scores: 25 once, 50 five times, 75 six times, 100 once.
    assert [(b.label, b.count) for b in analysis.score_distribution] == [
        ("0-10%", 0), ("10-20%", 0), ("20-30%", 1), ("30-40%", 0), ("40-50%", 0),
        ("50-60%", 5), ("60-70%", 0), ("70-80%", 6), ("80-90%", 0), ("90-100%", 1),
    ]  # fmt: skip
    assert analysis.mean_score == pytest.approx(float(Fraction(25 + 5 * 50 + 6 * 75 + 100, N)))
    # Passed: rows 1, 2, 4, 6, 7, 11, 12.
    assert analysis.passed_attempts == 7
    assert analysis.pass_rate == pytest.approx(7 / 13)
    # First attempts: rows 1-10, of which 1, 2, 4, 6, 7 passed.
    assert analysis.first_attempts == 10
    assert analysis.first_attempt_pass_rate == pytest.approx(5 / 10)
    # L1, L2, L4, L6, L7 passed on attempt 1, L3 and L5 on attempt 2; L8-L10 never did.
    assert analysis.learners_passed == 7
    assert analysis.mean_attempts_to_pass == pytest.approx(float(Fraction(5 * 1 + 2 * 2, 7)))


def test_facility_and_flags_match_the_hand_count(worked_example):
    questions = item_analysis(worked_example).questions

    assert [(q.position, q.responses, q.correct) for q in questions] == [
        (1, 13, 13),  # everyone
        (2, 13, 3),  # rows 1, 2, 12
        (3, 13, 8),  # rows 2, 4, 6, 7, 8, 9, 11, 13
        (4, 13, 9),  # rows 1-7, 11, 12 (both versions pooled)
    ]
    assert [q.facility for q in questions] == pytest.approx([1, 3 / 13, 8 / 13, 9 / 13])
    assert [q.stem for q in questions] == [
        "Question 1?",
        "Question 2?",
        "Question 3?",
        "Question 4, reworded?",  # the current version's stem
    ]
    assert [q.flags for q in questions] == [
        ("too easy",),  # 13/13 = 1 > 0.95
        ("too hard",),  # 3/13 ≈ 0.23 < 0.30
        ("negative discrimination",),  # r = -0.3, below
        (),
    ]
    assert questions[0].too_easy
    assert questions[1].too_hard
    assert questions[2].negative_discrimination
    assert not (questions[3].too_easy or questions[3].too_hard)


def test_point_biserial_correlates_each_item_with_the_rest_of_the_score(worked_example):
    """x = the item (1 right, 0 wrong), y = total - x, over the 13 attempts."""
    questions = item_analysis(worked_example).questions

    # Q1: everyone right, x does not vary (N Σx - (Σx)² = 13·13 - 13² = 0): undefined.
    assert questions[0].point_biserial is None
    # Q2: y by row = 2,3,2,3,2,3,3,2,2,1,3,2,2. Σx = 3, Σy = 30,
    #     Σxy = 2 + 3 + 2 (rows 1, 2, 12) = 7, Σy² = 74.
    #     r = (13·7 - 3·30) / sqrt((13·3 - 9)(13·74 - 900)) = 1 / sqrt(30·62) ≈ 0.0232
    q2 = point_biserial_by_hand(13, 3, 30, 7, 74)
    assert q2 == pytest.approx(1 / math.sqrt(1860))
    assert questions[1].point_biserial == pytest.approx(q2)
    # Q3: y = 3,3,2,2,2,2,2,1,1,1,2,3,1. Σx = 8, Σy = 25,
    #     Σxy = 3+2+2+2+1+1+2+1 = 14, Σy² = 55.
    #     r = (13·14 - 8·25) / sqrt((13·8 - 64)(13·55 - 625)) = -18 / sqrt(40·90) = -18/60
    #     Those who got Q3 right score less on the rest (mean 14/8) than those who did not
    #     (11/5): the negative discrimination flag.
    assert point_biserial_by_hand(13, 8, 25, 14, 55) == pytest.approx(-0.3)
    assert questions[2].point_biserial == pytest.approx(-0.3)
    # Q4: y = 2,3,1,2,1,2,2,2,2,1,2,2,2. Σx = 9, Σy = 24, Σxy = 17, Σy² = 48.
    #     r = (13·17 - 9·24) / sqrt((13·9 - 81)(13·48 - 576)) = 5 / sqrt(36·48) ≈ 0.1203
    q4 = point_biserial_by_hand(13, 9, 24, 17, 48)
    assert q4 == pytest.approx(5 / math.sqrt(36 * 48))
    assert questions[3].point_biserial == pytest.approx(q4)


def test_upper_lower_index_takes_27_percent_rounded_half_up_and_shares_ties(worked_example):
    """27% of 13 = 3.51, so each group weighs 4 attempts. Totals: 4 (row 2), 3 (rows 1, 4,
    6, 7, 11, 12), 2 (rows 3, 5, 8, 9, 13), 1 (row 10).
    Upper: row 2 with weight 1, then 3 places for the 6 rows with total 3: weight 3/6 each.
    Lower: row 10 with weight 1, then 3 places for the 5 rows with total 2: weight 3/5 each.
    """
    analysis = item_analysis(worked_example)

    assert analysis.upper_lower_group_size == 4
    # p_upper = (x of row 2 + 1/2 · right among rows 1, 4, 6, 7, 11, 12) / 4
    # p_lower = (x of row 10 + 3/5 · right among rows 3, 5, 8, 9, 13) / 4
    half, three_fifths = Fraction(1, 2), Fraction(3, 5)
    expected = [
        # Q1: everyone right.
        (1 + half * 6) / 4 - (1 + three_fifths * 5) / 4,
        # Q2: row 2 right, rows 1 and 12 right; lower all wrong. 2/4 - 0.
        (1 + half * 2) / 4 - (0 + three_fifths * 0) / 4,
        # Q3: row 2 right, rows 4, 6, 7, 11 right; lower rows 8, 9, 13 right.
        #     3/4 - 9/20 = 3/10: positive although r < 0, as the groups are formed on the
        #     total, which includes Q3 itself.
        (1 + half * 4) / 4 - (0 + three_fifths * 3) / 4,
        # Q4: upper all right; lower rows 3, 5 right. 1 - 3/10 = 7/10.
        (1 + half * 6) / 4 - (0 + three_fifths * 2) / 4,
    ]
    assert expected == [0, Fraction(1, 2), Fraction(3, 10), Fraction(7, 10)]
    assert [q.upper_lower_index for q in analysis.questions] == pytest.approx(
        [float(d) for d in expected]
    )


def test_upper_lower_index_is_zero_when_every_attempt_ties():
    """Four attempts, each with one of three right, on different questions: n = 1 (1.08
    rounded), and both groups are every attempt at weight 1/4, so p_upper = p_lower."""
    post_test = post_test_with_questions(3)
    for letters in ("ABB", "BAB", "BBA", "ABB"):
        learner = UserFactory()
        record_disclosures_shown(learner, module=post_test.module)
        take(learner, post_test, letters)

    questions = item_analysis(post_test).questions

    assert [q.facility for q in questions] == pytest.approx([2 / 4, 1 / 4, 1 / 4])
    assert [q.upper_lower_index for q in questions] == [0, 0, 0]


@pytest.mark.parametrize(
    ("attempts", "size"), [(0, 0), (1, 0), (2, 1), (13, 4), (50, 14), (100, 27), (1000, 270)]
)
def test_upper_lower_group_size_rounds_27_percent_half_up(attempts, size):
    assert upper_lower_group_size(attempts) == size


def test_choice_frequencies_pool_versions_by_choice_text(worked_example):
    questions = item_analysis(worked_example).questions

    def table(question):
        return [(c.text, c.is_correct, c.in_current_version, c.count) for c in question.choices]

    assert table(questions[0]) == [
        ("A", True, True, 13), ("B", False, True, 0), ("C", False, True, 0),
        ("D", False, True, 0),
    ]  # fmt: skip
    # Q2 column: A A B B C B D B C B B A C.
    assert table(questions[1]) == [
        ("A", True, True, 3), ("B", False, True, 6), ("C", False, True, 3),
        ("D", False, True, 1),
    ]  # fmt: skip
    assert [c.share for c in questions[1].choices] == pytest.approx(
        [3 / 13, 6 / 13, 3 / 13, 1 / 13]
    )
    # Q4: the current version offers A, B, C, E. "D" (rows 8, 9) exists only in version 1.
    assert table(questions[3]) == [
        ("A", True, True, 9), ("B", False, True, 1), ("C", False, True, 0),
        ("E", False, True, 1), ("D", False, False, 2),
    ]  # fmt: skip
    assert questions[3].choices[-1] == ChoiceFrequency("D", False, False, 2, 2 / 13)


def test_csv_rows_list_each_question_then_its_choices(worked_example):
    rows = list(item_analysis_csv_rows(item_analysis(worked_example)))

    assert rows[0] == CSV_HEADER
    assert len(rows) == 1 + 4 + (4 + 4 + 4 + 5)
    assert rows[1] == (1, "Question 1?", 13, "1.0000", "", "0.0000", "too easy", "", "", "", "")
    assert rows[2] == (1, "", "", "", "", "", "", "A", "yes", 13, "1.0000")
    q3 = rows.index(next(r for r in rows if r[:2] == (3, "Question 3?")))
    assert rows[q3] == (
        3, "Question 3?", 13, "0.6154", "-0.3000", "0.3000", "negative discrimination",
        "", "", "", "",
    )  # fmt: skip
    assert rows[-1] == (4, "", "", "", "", "", "", "D", "no", 2, "0.1538")


def test_the_csv_never_starts_a_cell_with_a_formula():
    """The rows carry the authors' text as it is; the spreadsheet writer neutralizes it."""
    post_test = post_test_with_questions(1)
    question = post_test.questions.get()
    revise_question(
        question,
        kind=QuestionKind.SINGLE_BEST_ANSWER,
        stem='=HYPERLINK("http://example.com")',
        rationale="r",
        choices=[("A", True), ("B", False), ("@cmd", False)],
    )

    text = "".join(csv_text(item_analysis_csv_rows(item_analysis(post_test))))

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == '\'=HYPERLINK("http://example.com")'
    assert rows[-1][7] == "'@cmd"


def make_attempts(post_test, count: int) -> None:
    """`count` learners, one attempt each, the n-th with its first n % 5 answers right."""
    for n in range(count):
        learner = UserFactory()
        record_disclosures_shown(learner, module=post_test.module)
        attempt = start_attempt(learner, post_test=post_test)
        submit_attempt(attempt, answers=answers_for(attempt, correct=n % 5))


def count_queries(post_test) -> int:
    with CaptureQueriesContext(connection) as queries:
        item_analysis(post_test)
    return len(queries.captured_queries)


def test_query_count_does_not_grow_with_attempts():
    post_test = post_test_with_questions(4)
    make_attempts(post_test, 10)
    with_10 = count_queries(post_test)

    make_attempts(post_test, 30)
    assert item_analysis(post_test).attempts == 40
    with_40 = count_queries(post_test)

    assert with_10 == with_40 == 7


def test_query_count_does_not_grow_with_questions():
    small, large = post_test_with_questions(2), post_test_with_questions(9)
    make_attempts(small, 3)
    make_attempts(large, 3)

    assert count_queries(small) == count_queries(large) == 7


def test_no_attempts_gives_an_empty_analysis():
    post_test = post_test_with_questions(3)

    analysis = item_analysis(post_test)

    assert (analysis.attempts, analysis.learners, analysis.passed_attempts) == (0, 0, 0)
    assert [b.count for b in analysis.score_distribution] == [0] * 10
    assert analysis.mean_score is None
    assert analysis.pass_rate is None
    assert analysis.first_attempt_pass_rate is None
    assert analysis.learners_passed == 0
    assert analysis.mean_attempts_to_pass is None
    assert analysis.upper_lower_group_size == 0
    assert [(q.position, q.responses) for q in analysis.questions] == [(1, 0), (2, 0), (3, 0)]
    for question in analysis.questions:
        assert (question.facility, question.point_biserial, question.upper_lower_index) == (
            None,
            None,
            None,
        )
        assert question.flags == ()
        assert [(c.count, c.share) for c in question.choices] == [(0, None)] * 4
    for svg in (score_histogram_svg(analysis), facility_bars_svg(analysis)):
        root = ET.fromstring(svg)  # well-formed
        assert root.get("role") == "img"
    assert "No graded attempts yet" in score_histogram_svg(analysis)


def test_in_progress_attempts_are_not_counted(worked_example):
    learner = UserFactory()
    record_disclosures_shown(learner, module=worked_example.module)
    start_attempt(learner, post_test=worked_example)

    analysis = item_analysis(worked_example)

    assert (analysis.attempts, analysis.learners) == (13, 10)
    assert analysis.questions[0].responses == 13


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 ")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def test_charts_have_a_title_and_a_description_of_the_data(worked_example):
    analysis = item_analysis(worked_example)

    histogram = parse(score_histogram_svg(analysis))
    bars = parse(facility_bars_svg(analysis))

    assert histogram.find(f"{SVG}title").text == "Score distribution"
    assert histogram.find(f"{SVG}desc").text == (
        "Histogram of 13 graded attempts by score, in bins of 10 percentage points (the last "
        "includes 100%). 0-10%: 0; 10-20%: 0; 20-30%: 1; 30-40%: 0; 40-50%: 0; 50-60%: 5; "
        "60-70%: 0; 70-80%: 6; 80-90%: 0; 90-100%: 1. Mean score 63.5%."
    )
    histogram_labels = [t.text for t in histogram.iter(f"{SVG}text")]
    assert {"Score (%)", "Attempts", "90-100%", "6"} <= set(histogram_labels)
    assert bars.find(f"{SVG}title").text == "Facility by question"
    desc = bars.find(f"{SVG}desc").text
    assert "Q2 (Question 2?): 23% correct of 13 responses, too hard" in desc
    assert "Q4 (Question 4, reworded?): 69% correct of 13 responses;" not in desc  # last item
    assert desc.endswith("Q4 (Question 4, reworded?): 69% correct of 13 responses.")
    bar_labels = [t.text for t in bars.iter(f"{SVG}text")]
    assert {"Q1", "Q4", "100% — too easy", "69%", "Facility (share of responses correct)"} <= (
        set(bar_labels)
    )


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_chart_colours_contrast_at_least_3_to_1_with_white(worked_example):
    analysis = item_analysis(worked_example)
    markup = score_histogram_svg(analysis) + facility_bars_svg(analysis)

    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', markup))

    assert len(colours) >= 3
    for colour in colours:
        assert 1.05 / (relative_luminance(colour) + 0.05) >= 3, colour


def test_charts_escape_a_hostile_stem():
    post_test = post_test_with_questions(2)
    hostile = '<script>alert("x")</script> & "quotes"'
    revise_question(
        post_test.questions.get(position=1),
        kind=QuestionKind.SINGLE_BEST_ANSWER,
        stem=hostile,
        rationale="r",
        choices=[("A", True), ("<b>B</b>", False), ("C", False)],
    )
    make_attempts(post_test, 2)
    analysis = item_analysis(post_test)

    histogram, bars = score_histogram_svg(analysis), facility_bars_svg(analysis)

    for svg in (histogram, bars):
        assert "<script" not in svg
        parse(svg)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in bars
    assert f"Q1 ({hostile})" in ET.fromstring(bars).find(f"{SVG}desc").text
