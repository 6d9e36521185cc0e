import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from courses.models import (
    DisclosureStatus,
    FacultyMember,
    LearningObjective,
    Module,
    ModuleStatus,
    Reference,
)
from courses.publishing import publication_problems
from demo.content import SLUG, load_demo_content
from quizzes.models import Choice, Question, QuestionKind, QuestionVersion

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Module,
            LearningObjective,
            Reference,
            FacultyMember,
            Question,
            QuestionVersion,
            Choice,
        )
    }


def test_loading_the_demo_twice_changes_nothing(capsys):
    call_command("load_demo_content")
    first = counts()
    updated_at = Module.objects.get(slug=SLUG).updated_at

    call_command("load_demo_content")

    assert counts() == first
    assert Module.objects.get(slug=SLUG).updated_at == updated_at
    assert "already loaded; nothing changed" in capsys.readouterr().out


def test_the_demo_module_is_published_and_open_with_the_seed_figures():
    module, created = load_demo_content()

    assert created
    assert module.status == ModuleStatus.PUBLISHED
    assert str(module.release_date) == "2025-09-01"
    assert str(module.expiration_date) == "2028-09-01"
    for fact in [
        "219 participants ages 13 and older",
        "between August 2022 and February 2024",
        "88 patients (40.2%)",
        "80% of these eruptions occurred within the first 3 doses",
        "6 distinct categories",
        "Erythema was most commonly reported (69.3%)",
        "coin-shaped plaques with exudates, which arose after the second dose",
        "forearms, back, upper arms, and lower legs",
        "58% were able to continue",
        "42% discontinued",
        "(27 days)",
        "(33 days)",
        "More than 60% of eruptions were non-pruritic",
        "presence of prurigo nodularis",
        "60 mg every 4 weeks vs 60 mg loading dose followed by 30 mg every 4 weeks until week 16",
    ]:
        assert fact in module.body, fact


def test_the_demo_has_the_five_references_with_working_doi_links():
    module, _ = load_demo_content()

    hrefs = [ref.href for ref in module.references.order_by("position")]

    assert hrefs == [
        "https://doi.org/10.1111/1346-8138.17877",
        "https://doi.org/10.1111/1346-8138.16932",
        "https://doi.org/10.1111/bjd.20873",
        "https://doi.org/10.1111/1346-8138.17085",
        "https://doi.org/10.2340/actadv.v104.40634",
    ]
    assert not any("http://doi:" in ref.citation for ref in module.references.all())


def test_the_demo_faculty_are_the_two_named_in_the_article_with_disclosures_marked_as_demo():
    """The demo states "no relevant relationships" so that it passes the publish checks, and
    says beside each that this is demonstration data: it never shows "Disclosure not yet
    collected" on a published module, and never passes an invented fact off as real."""
    module, _ = load_demo_content()

    faculty = list(module.faculty.order_by("position"))

    assert [f.display_name for f in faculty] == ["Peter Lio, MD", "Kelly Duong"]
    assert "Northwestern University School of Medicine" in faculty[0].affiliation
    assert "University of Illinois College of Medicine" in faculty[1].affiliation
    for person in faculty:
        assert person.disclosure_status == DisclosureStatus.NONE
        assert person.disclosure_note.startswith("Demonstration data:")
        assert not person.financial_relationships.exists()


def test_the_demo_is_published_through_the_publish_checks_with_an_audit_record():
    module, _ = load_demo_content()

    assert module.status == ModuleStatus.PUBLISHED
    assert module.published_at is not None
    assert publication_problems(module) == []
    entry = LogEntry.objects.get_for_object(module).get(
        action=LogEntry.Action.UPDATE, changes__has_key="status"
    )
    assert entry.changes["status"] == ["draft", "published"]
    assert entry.additional_data == {"reason": "Published"}


def test_the_demo_module_page_never_says_a_disclosure_is_not_collected(client):
    module, _ = load_demo_content()

    html = client.get(module.get_absolute_url()).content.decode()

    assert "not yet collected" not in html
    assert "This activity received no commercial support. (Demonstration data:" in html


def test_the_demo_post_test_has_answerable_questions_of_several_kinds():
    module, _ = load_demo_content()

    questions = list(module.post_test.questions.select_related("current_version", "objective"))

    assert len(questions) >= 5
    assert {q.current_version.kind for q in questions} >= {
        QuestionKind.SINGLE_BEST_ANSWER,
        QuestionKind.MULTIPLE_RESPONSE,
        QuestionKind.TRUE_FALSE,
    }
    assert {q.objective_id for q in questions} == set(
        module.objectives.values_list("pk", flat=True)
    )
    for question in questions:
        assert question.current_version.rationale


def test_every_figure_in_a_correct_demo_answer_is_stated_in_the_article():
    module, _ = load_demo_content()

    for choice in Choice.objects.filter(
        version__question__post_test__module=module, is_correct=True
    ):
        for figure in re.findall(r"\d+(?:\.\d+)?%?", choice.text):
            assert figure in module.body, (choice.text, figure)


def test_the_demo_is_designated_for_the_whole_team_as_demonstration_data():
    """AMA credit, ABIM MOC points, ANCC and ACPE contact hours, 0.25 each, under the Joint
    Accreditation statement marked as demonstration text."""
    module, _ = load_demo_content()

    designations = {
        (d.credit_type.code, d.moc_board): d for d in module.credits.select_related("credit_type")
    }

    assert sorted(designations) == [
        ("acpe-contact-hours", ""), ("ama-pra-category-1", ""), ("ancc-contact-hours", ""),
        ("moc-points", "ABIM"),
    ]  # fmt: skip
    assert {d.max_credits for d in designations.values()} == {Decimal("0.25")}
    assert designations[("ama-pra-category-1", "")].designation_statement() == (
        "Demo CME Provider designates this enduring material for a maximum of 0.25 "
        "AMA PRA Category 1 Credit™. Physicians should claim only the credit commensurate "
        "with the extent of their participation in the activity."
    )
    assert all(not d.designation_problems() for d in designations.values())
    assert module.accreditation_statement.startswith(
        "In support of improving patient care, Demo CME Provider is jointly accredited"
    )
    assert module.accreditation_statement.endswith(
        "(Demonstration text: this site is a demonstration, not an accredited provider.)"
    )


def test_a_demo_loaded_before_designations_gains_them_on_the_next_load():
    module, _ = load_demo_content()
    module.credits.exclude(credit_type__code="ama-pra-category-1").delete()

    load_demo_content()

    assert module.credits.count() == 4
