import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    CommercialSupport,
    DisclosureAcknowledgement,
    DisclosureStatus,
    ModuleStatus,
)
from tests.factories import (
    FacultyMemberFactory,
    LearningObjectiveFactory,
    ModuleCreditFactory,
    ModuleFactory,
    PostTestFactory,
    ReferenceFactory,
)

pytestmark = pytest.mark.django_db


def page_of(module):
    return reverse("courses:module", kwargs={"slug": module.slug})


@pytest.mark.parametrize("status", [ModuleStatus.DRAFT, ModuleStatus.ARCHIVED])
@pytest.mark.parametrize("user_fixture", [None, "learner"])
def test_draft_and_archived_modules_are_invisible_to_learners(
    client, request, status, user_fixture
):
    module = ModuleFactory(status=status)
    if user_fixture:
        client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(page_of(module)).status_code == 404


@pytest.mark.parametrize("status", [ModuleStatus.DRAFT, ModuleStatus.ARCHIVED])
@pytest.mark.parametrize("user_fixture", ["course_author", "cme_administrator"])
def test_authors_and_administrators_preview_unpublished_modules_with_a_banner(
    client, request, status, user_fixture
):
    module = ModuleFactory(status=status, body="The draft article.")
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)

    response = client.get(page_of(module))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"This module is {status.label.lower()}; learners cannot see it." in html
    assert "The draft article." in html
    assert not DisclosureAcknowledgement.objects.filter(learner=user).exists()


def test_a_published_module_has_no_preview_banner(client, course_author):
    module = ModuleFactory()
    client.force_login(course_author)

    assert "learners cannot see it" not in client.get(page_of(module)).content.decode()


def test_an_expired_module_stays_readable_and_says_credit_closed_since_when(client, learner):
    module = ModuleFactory(
        release_date=datetime.date(2022, 1, 10),
        expiration_date=datetime.date(2025, 1, 10),
        body="Still worth reading.",
    )
    client.force_login(learner)

    response = client.get(page_of(module))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Still worth reading." in html
    assert (
        "This activity expired at the end of 10 January 2025 in your time zone (America/Chicago). "
        "You can "
        "still read it, but its post-test and credit claim are closed."
    ) in " ".join(html.split())


def test_the_first_visit_records_that_the_learner_was_shown_the_disclosures(client, learner):
    module = ModuleFactory()
    client.force_login(learner)

    client.get(page_of(module))
    first = DisclosureAcknowledgement.objects.get(learner=learner, module=module).shown_at
    client.get(page_of(module))

    records = DisclosureAcknowledgement.objects.filter(learner=learner, module=module)
    assert records.count() == 1
    assert records.get().shown_at == first
    assert first <= timezone.now()


def test_an_anonymous_reader_leaves_no_disclosure_record(client):
    module = ModuleFactory()

    client.get(page_of(module))

    assert not DisclosureAcknowledgement.objects.exists()


def test_disclosures_and_statements_come_before_objectives_article_and_call_to_action(client):
    module = ModuleFactory(body="ARTICLE-BODY-TEXT")
    ModuleCreditFactory(module=module)
    FacultyMemberFactory(module=module, name="Dr Disclosed")
    LearningObjectiveFactory(module=module, text="OBJECTIVE-TEXT")
    ReferenceFactory(module=module)
    PostTestFactory(module=module)

    html = client.get(page_of(module)).content.decode()

    order = [
        html.index('id="accreditation"'),
        html.index("designates this enduring material"),
        html.index('id="disclosures"'),
        html.index("Dr Disclosed"),
        html.index('id="objectives"'),
        html.index("OBJECTIVE-TEXT"),
        html.index("ARTICLE-BODY-TEXT"),
        html.index('id="references"'),
        html.index('id="call-to-action"'),
    ]
    assert order == sorted(order)


def test_the_page_states_the_rules_for_earning_credit(client):
    module = ModuleFactory()
    PostTestFactory(module=module, passing_score=Decimal("75"), max_attempts=2)

    html = client.get(page_of(module)).content.decode()

    assert "Passing score 75%. You have 2 attempts to pass this post-test." in html


def test_unlimited_attempts_are_stated_in_words(client):
    module = ModuleFactory()
    PostTestFactory(module=module, max_attempts=None)

    html = client.get(page_of(module)).content.decode()

    assert "Passing score 70%. You may take this post-test as many times as you need" in html


def test_the_credit_name_is_italic_with_its_trademark_in_the_designation_statement(client):
    module = ModuleFactory()
    ModuleCreditFactory(module=module, max_credits=Decimal("1.50"))

    html = client.get(page_of(module)).content.decode()

    assert (
        "Demo CME Provider designates this enduring material for a maximum of 1.5 "
        "<em>AMA PRA Category 1 Credits™</em>. Physicians should claim only the credit "
        "commensurate with the extent of their participation in the activity."
    ) in html


def test_references_link_to_the_doi_resolver(client):
    module = ModuleFactory()
    ReferenceFactory(module=module, doi="10.1111/bjd.20873")

    html = client.get(page_of(module)).content.decode()

    assert '<a href="https://doi.org/10.1111/bjd.20873" rel="noopener noreferrer">' in html


def test_relevant_relationships_are_named_with_company_and_nature_and_mitigation(client):
    module = ModuleFactory()
    person = FacultyMemberFactory(
        module=module,
        disclosure_status=DisclosureStatus.RELEVANT,
        mitigation="Content reviewed by an independent physician reviewer.",
    )
    person.financial_relationships.create(company="Acme Pharma", nature="Consultant")
    FacultyMemberFactory(module=module, disclosure_status=DisclosureStatus.NONE)

    html = client.get(page_of(module)).content.decode()

    assert "Acme Pharma: Consultant" in html
    assert "Mitigation: Content reviewed by an independent physician reviewer." in html
    assert "All relevant financial relationships listed above have been mitigated." in html


def test_when_nobody_has_a_relationship_the_learner_is_told_so(client):
    module = ModuleFactory()
    FacultyMemberFactory(module=module, disclosure_status=DisclosureStatus.NONE)

    html = client.get(page_of(module)).content.decode()

    assert "None of the individuals in control of the content of this activity" in html


def hostile_module(**fields):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    return ModuleFactory(
        title=f"Title {hostile}",
        summary=f"Summary {hostile}",
        target_audience=hostile,
        accreditation_statement=hostile,
        commercial_support=CommercialSupport.RECEIVED,
        commercial_support_statement=hostile,
        body=hostile,
        **fields,
    )


def test_hostile_text_in_every_module_field_is_shown_inert(client):
    module = hostile_module()
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    FacultyMemberFactory(module=module, name=hostile, affiliation=hostile, disclosure_note=hostile)
    LearningObjectiveFactory(module=module, text=hostile)
    ReferenceFactory(module=module, citation=hostile, doi="", url="javascript:alert(1)")

    html = client.get(page_of(module)).content.decode()

    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html
    assert 'href="javascript:' not in html


def build_module_with(size: int):
    module = ModuleFactory()
    PostTestFactory(module=module)
    ModuleCreditFactory(module=module)
    for _ in range(size):
        LearningObjectiveFactory(module=module)
        ReferenceFactory(module=module)
        person = FacultyMemberFactory(module=module, disclosure_status=DisclosureStatus.RELEVANT)
        person.financial_relationships.create(company="Acme", nature="Speaker")
    return module


def queries_to_show(client, module) -> int:
    client.get(page_of(module))  # the first visit records the disclosures
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_of(module))
    assert response.status_code == 200
    return len(queries)


def test_the_module_page_makes_the_same_number_of_queries_whatever_its_size(client, learner):
    client.force_login(learner)

    small = queries_to_show(client, build_module_with(1))
    large = queries_to_show(client, build_module_with(20))

    assert small == large


def test_the_certificate_snapshot_keeps_what_was_true_at_claim_time():
    module = ModuleFactory(title="Original title")
    offering = ModuleCreditFactory(module=module, max_credits=Decimal("0.25"))

    snapshot = offering.certificate_snapshot()
    module.title = "Edited title"
    module.save()
    offering.max_credits = Decimal("1.00")
    offering.save()

    stored = json.loads(json.dumps(snapshot))
    assert stored["activity_title"] == "Original title"
    assert stored["max_credits"] == "0.25"
    assert stored["credit_type_name"] == "AMA PRA Category 1 Credit™"
    assert stored["activity_type"] == "Enduring material"
    assert stored["provider"] == "Demo CME Provider"
    assert stored["designation_statement"].startswith(
        "Demo CME Provider designates this enduring material for a maximum of 0.25 "
    )
    assert stored["release_date"] == module.release_date.isoformat()
    assert offering.certificate_snapshot()["activity_title"] == "Edited title"


def test_a_blank_commercial_support_statement_no_longer_claims_there_was_none(client):
    """Before, a blank field printed "This activity received no commercial support."."""
    module = ModuleFactory(
        status=ModuleStatus.DRAFT, commercial_support="", commercial_support_statement=""
    )

    assert module.commercial_support_text == ""
    module.commercial_support = CommercialSupport.NONE
    assert module.commercial_support_text == "This activity received no commercial support."


def test_the_module_page_acknowledges_the_support_received(client):
    module = ModuleFactory(
        commercial_support=CommercialSupport.RECEIVED,
        commercial_support_statement="Supported by an educational grant from Example Pharma.",
    )

    html = client.get(page_of(module)).content.decode()

    assert "Supported by an educational grant from Example Pharma." in html
    assert "received no commercial support" not in html
