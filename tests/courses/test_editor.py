"""The module editor (courses.authoring and courses.views_editor)."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from courses import authoring
from courses.exceptions import AuthoringRefused
from courses.models import LearningObjective, Module, ModuleStatus, ReviewStatus
from courses.reviews import approve_review, submit_for_review
from tests.factories import (
    LearningObjectiveFactory,
    ModuleCreditFactory,
    ModuleFactory,
    UserFactory,
    ensure_ama_credit_type,
)

pytestmark = pytest.mark.django_db

TEXT = {
    "title": "Acne in adults",
    "slug": "acne-in-adults",
    "summary": "What works.",
    "target_audience": "Dermatologists",
    "estimated_minutes": 30,
    "release_date": datetime.date(2026, 1, 1),
    "expiration_date": datetime.date(2028, 1, 1),
}


def draft(**fields):
    return ModuleFactory(status=ModuleStatus.DRAFT, published_at=None, **fields)


def form_data(prefix, **values):
    return {f"{prefix}-{name}": value for name, value in values.items()}


# Domain ------------------------------------------------------------------------------


def test_a_new_module_is_a_draft_with_the_providers_statement(course_author, settings):
    settings.CME_PROVIDER_NAME = "Acme CME"
    settings.CME_JOINTLY_ACCREDITED = False

    module = authoring.create_module(by=course_author, **TEXT)

    assert module.status == ModuleStatus.DRAFT
    assert module.body == ""
    assert module.accreditation_statement.startswith("Acme CME is accredited by the Accreditation")
    entry = LogEntry.objects.get_for_object(module).get()
    assert entry.actor == course_author
    assert entry.additional_data == {"reason": "Created in the module editor"}


def test_a_taken_address_is_refused(course_author):
    ModuleFactory(slug="acne-in-adults")

    with pytest.raises(AuthoringRefused) as refusal:
        authoring.create_module(by=course_author, **TEXT)

    assert str(refusal.value) == "The address “acne-in-adults” is taken by another module."


def test_editing_the_article_is_audited_with_the_author_and_section(course_author):
    module = draft()

    authoring.update_article(module, by=course_author, body="# New")

    module.refresh_from_db()
    assert module.body == "# New"
    entry = LogEntry.objects.get_for_object(module).latest("timestamp")
    assert entry.actor == course_author
    assert entry.additional_data == {"reason": "Edited in the module editor: article"}
    assert entry.changes_dict["body"] == ["An article body.", "# New"]


def test_a_published_modules_text_can_be_corrected_but_not_its_address(course_author):
    module = ModuleFactory()
    fields = {**TEXT, "slug": module.slug, "title": "Corrected title"}

    authoring.update_module_text(module, by=course_author, topics=[], **fields)
    with pytest.raises(AuthoringRefused) as refusal:
        authoring.update_module_text(module, by=course_author, topics=[], **TEXT)

    assert str(refusal.value) == (
        "A published module keeps its address: links and certificates point at it."
    )
    module.refresh_from_db()
    assert (module.title, module.slug) == ("Corrected title", fields["slug"])


def test_a_published_modules_designations_and_accreditation_are_locked(course_author):
    module = ModuleFactory()

    with pytest.raises(AuthoringRefused) as refusal:
        authoring.add_designation(
            module, by=course_author, credit_type=ensure_ama_credit_type(), max_credits=1
        )
    assert str(refusal.value) == (
        "Credit designations of a published module cannot change: learners' attempts, "
        "evaluations and claims were made against them. Start a new edition to change them."
    )
    with pytest.raises(AuthoringRefused):
        authoring.update_accreditation(
            module,
            by=course_author,
            accreditation_statement="Other",
            pars_activity_id="",
            commercial_support="none",
            commercial_support_statement="",
        )
    assert module.credits.count() == 0
    module.refresh_from_db()
    assert module.accreditation_statement != "Other"


def test_an_archived_module_cannot_be_edited(course_author):
    module = ModuleFactory(status=ModuleStatus.ARCHIVED)

    with pytest.raises(AuthoringRefused) as refusal:
        authoring.update_article(module, by=course_author, body="Changed")

    assert str(refusal.value) == (
        "An archived module cannot be edited: restore it or start a new edition."
    )


def test_objectives_are_added_moved_and_removed_in_order(course_author):
    module = draft()
    first = authoring.add_objective(module, by=course_author, text="First")
    second = authoring.add_objective(module, by=course_author, text="Second")
    third = authoring.add_objective(module, by=course_author, text="Third")

    authoring.move_objective(third, by=course_author, up=True)
    authoring.move_objective(first, by=course_author, up=True)  # already first: stays
    authoring.remove_objective(second, by=course_author)

    assert list(module.objectives.values_list("text", "position")) == [
        ("First", 0),
        ("Third", 1),
    ]
    assert not LearningObjective.objects.filter(pk=second.pk).exists()


def test_an_objective_assessed_by_questions_cannot_be_removed(course_author):
    from tests.factories import post_test_with_questions

    module = draft()
    post_test_with_questions(1, module=module)
    objective = module.objectives.get()

    with pytest.raises(AuthoringRefused) as refusal:
        authoring.remove_objective(objective, by=course_author)

    assert str(refusal.value) == (
        f"Questions assess “{objective.text}”: give them another objective first."
    )
    assert module.objectives.count() == 1


@pytest.mark.parametrize(
    ("text", "citation", "doi", "url"),
    [
        (
            "Smith A. Acne. J Derm. 2021;1:2. https://doi.org/10.1111/bjd.20873",
            "Smith A. Acne. J Derm. 2021;1:2.",
            "10.1111/bjd.20873",
            "",
        ),
        ("Smith A. Acne. 2021. 10.1111/bjd.20873", "Smith A. Acne. 2021.", "10.1111/bjd.20873", ""),
        (
            "Smith A. Acne. 2021. doi:10.1111/bjd.20873",
            "Smith A. Acne. 2021.",
            "10.1111/bjd.20873",
            "",
        ),
        (
            "Smith A. Acne. https://example.org/acne",
            "Smith A. Acne.",
            "",
            "https://example.org/acne",
        ),
    ],
)
def test_a_pasted_reference_is_split_into_citation_and_link(
    course_author, text, citation, doi, url
):
    reference = authoring.add_reference(draft(), by=course_author, text=text)

    assert (reference.citation, reference.doi, reference.url) == (citation, doi, url)


def test_a_doi_of_the_wrong_shape_is_refused(course_author):
    module = draft()

    with pytest.raises(AuthoringRefused) as refusal:
        authoring.add_reference(module, by=course_author, text="Smith A. Acne. doi:11.12/x")

    assert str(refusal.value) == (
        "“doi:11.12/x” is not a DOI: a DOI starts with 10., a registrant code of 4 to 9 "
        "digits, a slash and a suffix, e.g. 10.1111/bjd.20873."
    )
    assert module.references.count() == 0


def test_a_second_designation_of_the_same_kind_is_refused(course_author):
    module = draft()
    ModuleCreditFactory(module=module)

    with pytest.raises(AuthoringRefused) as refusal:
        authoring.add_designation(
            module, by=course_author, credit_type=ensure_ama_credit_type(), max_credits=1
        )

    assert str(refusal.value) == (
        f"This module is already designated for {ensure_ama_credit_type().name}."
    )


def test_an_edit_after_approval_withdraws_it_and_says_why(course_author, cme_administrator):
    module = draft()
    review = submit_for_review(module, by=course_author)
    approve_review(review, by=cme_administrator)

    authoring.add_objective(module, by=course_author, text="Late addition")

    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN
    assert review.withdrawn_reason == "Approval withdrawn: objectives changed after approval."


# Pages -------------------------------------------------------------------------------


EDITOR_PAGES = ["courses:edit_module", "courses:new_module"]


@pytest.mark.parametrize("name", EDITOR_PAGES)
def test_learners_cannot_open_the_editor(client, learner, name):
    module = draft()
    client.force_login(learner)
    url = reverse(name) if name == "courses:new_module" else reverse(name, args=[module.slug])

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("user_fixture", ["course_author", "cme_administrator"])
def test_authors_and_administrators_open_the_editor(client, request, user_fixture):
    module = draft()
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(reverse("courses:edit_module", args=[module.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    for heading in ["Learner-facing text", "Article", "Learning objectives", "Faculty and roles",
                    "Disclosures", "References", "Credit designations", "Accreditation",
                    "Post-test"]:  # fmt: skip
        assert f">{heading}</h2>" in html
    assert "/admin/" not in html.split("<main", 1)[1]


def test_creating_a_module_through_the_page(client, course_author):
    client.force_login(course_author)

    response = client.post(
        reverse("courses:new_module"),
        form_data(
            "text", **{**TEXT, "release_date": "2026-01-01", "expiration_date": "2028-01-01"}
        ),
    )

    module = Module.objects.get(slug="acne-in-adults")
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:edit_module", args=[module.slug])
    assert module.status == ModuleStatus.DRAFT


def test_an_invalid_section_keeps_what_was_typed_without_javascript(client, course_author):
    module = draft()
    client.force_login(course_author)

    response = client.post(
        reverse("courses:save_text", args=[module.slug]),
        form_data(
            "text",
            **{**TEXT, "slug": module.slug, "title": "Typed title", "release_date": "2027-01-01",
               "expiration_date": "2026-01-01"},
        ),
    )  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 200
    assert "The expiry date must come after the release date." in html
    assert 'value="Typed title"' in html
    assert 'data-dirty="1"' in html
    module.refresh_from_db()
    assert module.title != "Typed title"


def test_a_valid_section_without_javascript_redirects_to_the_section(client, course_author):
    module = draft()
    client.force_login(course_author)

    response = client.post(
        reverse("courses:save_article", args=[module.slug]), {"article-body": "# Hello"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("courses:edit_module", args=[module.slug]) + (
        "#section-article"
    )
    module.refresh_from_db()
    assert module.body == "# Hello"


def test_htmx_saves_answer_with_the_section_alone_and_its_message(client, course_author):
    module = draft()
    client.force_login(course_author)

    response = client.post(
        reverse("courses:add_objective", args=[module.slug]),
        {"objective-new-text": "Recognise acne"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="section-objectives"')
    assert "Objective added." in html
    assert "<html" not in html
    assert module.objectives.get().text == "Recognise acne"


def test_htmx_refusal_is_shown_in_the_section(client, course_author):
    module = draft()
    client.force_login(course_author)

    response = client.post(
        reverse("courses:add_reference", args=[module.slug]),
        {"reference-text": "Smith A. doi:11.1/x"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "is not a DOI" in html
    assert "Smith A. doi:11.1/x" in html
    assert module.references.count() == 0


def test_the_preview_uses_the_learners_sanitiser(client, course_author):
    module = draft()
    client.force_login(course_author)

    response = client.post(
        reverse("courses:preview_article", args=[module.slug]),
        {"article-body": "# Title\n\n<script>alert(1)</script>**bold**"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "<h3" in html and "<strong>bold</strong>" in html
    assert "<script" not in html


def test_the_no_javascript_preview_saves_nothing(client, course_author):
    module = draft()
    client.force_login(course_author)

    response = client.post(
        reverse("courses:save_article", args=[module.slug]),
        {"article-body": "**typed**", "preview": "1"},
    )

    assert "<strong>typed</strong>" in response.content.decode()
    module.refresh_from_db()
    assert module.body == "An article body."


def test_the_published_page_says_what_can_no_longer_change(client, course_author):
    module = ModuleFactory()
    ModuleCreditFactory(module=module, max_credits=Decimal("1"))
    client.force_login(course_author)

    html = client.get(reverse("courses:edit_module", args=[module.slug])).content.decode()

    assert "This section cannot change on a published module" in html
    assert "Its credit designations, accreditation and post-test settings cannot" in html


def test_a_learner_cannot_post_to_a_section(client, learner):
    module = draft()
    client.force_login(learner)

    response = client.post(
        reverse("courses:add_objective", args=[module.slug]), {"objective-new-text": "X"}
    )

    assert response.status_code == 403
    assert module.objectives.count() == 0


def test_the_author_pages_link_to_the_editor_not_the_admin(client, course_author):
    module = draft()
    LearningObjectiveFactory(module=module)
    client.force_login(course_author)

    for url in [
        reverse("courses:author_modules"),
        reverse("courses:author_module", args=[module.slug]),
    ]:
        html = client.get(url).content.decode()
        assert "/admin/" not in html.split("<main", 1)[1]
    html = client.get(reverse("courses:author_module", args=[module.slug])).content.decode()
    assert reverse("courses:edit_module", args=[module.slug]) in html


def test_a_reviewer_who_is_no_author_cannot_edit():
    from django.contrib.auth.models import Group

    from accounts.roles import REVIEWERS

    reviewer = UserFactory(is_staff=False)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))

    assert reviewer.has_perm("courses.review_module")
    assert not reviewer.has_perm("courses.change_module")
    assert not reviewer.has_perm("courses.change_learningobjective")


def test_a_person_is_added_with_the_address_their_invitation_to_disclose_goes_to(
    client, course_author
):
    module = draft()
    client.force_login(course_author)

    client.post(
        reverse("courses:add_faculty", args=[module.slug]),
        form_data(
            "faculty-new",
            name="Dana Whitfield",
            degrees="MD",
            role="author",
            affiliation="",
            email=" dana@example.org ",
        ),
    )
    response = client.get(reverse("courses:edit_module", args=[module.slug]))

    person = module.faculty.get()
    assert (person.name, person.email) == ("Dana Whitfield", "dana@example.org")
    assert f'id="invite-email-{person.pk}" value="dana@example.org"' in response.text


# A designation corrected in place -------------------------------------------------------


def acpe_designation(module, uan="JA4008162-0000-26-123-H01-P"):
    from courses.credit_kinds import ACPE_CONTACT_HOURS, standard_kind

    return ModuleCreditFactory(
        module=module, credit_type=standard_kind(ACPE_CONTACT_HOURS), max_credits=1, uan=uan
    )


def test_a_mistyped_uan_is_corrected_in_place_on_the_page(client, course_author):
    module = draft()
    designation = acpe_designation(module, uan="JA4008162-0000-26-123-H01")  # no audience
    client.force_login(course_author)

    response = client.post(
        reverse("courses:change_designation", args=[module.slug, designation.pk]),
        {
            f"credit-{designation.pk}-max_credits": "1.5",
            f"credit-{designation.pk}-uan": "JA4008162-0000-26-123-H01-P",
        },
        HTTP_HX_REQUEST="true",
    )

    designation.refresh_from_db()
    assert (designation.pk, designation.uan) == (designation.pk, "JA4008162-0000-26-123-H01-P")
    assert designation.max_credits == Decimal("1.5")
    assert designation.designation_problems() == []
    assert "Designation saved." in response.content.decode()
    entry = LogEntry.objects.get_for_object(designation).latest("timestamp")
    assert entry.actor == course_author


def test_a_designation_changed_after_approval_withdraws_it(course_author, cme_administrator):
    module = draft()
    designation = acpe_designation(module)
    review = submit_for_review(module, by=course_author)
    approve_review(review, by=cme_administrator)

    authoring.change_designation(designation, by=course_author, max_credits=Decimal("2"))

    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN


def test_a_published_designation_cannot_be_changed_and_a_zero_maximum_is_refused(
    client, course_author
):
    published = ModuleCreditFactory()
    with pytest.raises(AuthoringRefused):
        authoring.change_designation(published, by=course_author, max_credits=Decimal("2"))

    module = draft()
    designation = acpe_designation(module)
    client.force_login(course_author)
    response = client.post(
        reverse("courses:change_designation", args=[module.slug, designation.pk]),
        {f"credit-{designation.pk}-max_credits": "0", f"credit-{designation.pk}-uan": "x"},
    )

    assert "Ensure this value is greater than or equal to 0.25." in response.content.decode()
    designation.refresh_from_db()
    assert (designation.max_credits, designation.uan) == (1, "JA4008162-0000-26-123-H01-P")
