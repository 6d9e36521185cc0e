"""The disclosure pages (courses/views_disclosures.py): the public form behind an
invitation's link, the author area's Disclosures section, and the block learners read on
the module page."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.disclosure_collection import (
    SEND_INVITATION_TASK,
    TAMPERED_LINK,
    RelationshipEntry,
    invitation_token,
    invite_to_disclose,
    review_relationship,
    submit_disclosure,
)
from courses.models import (
    DisclosedRelationship,
    DisclosureInvitation,
    DisclosureRecord,
    DisclosureStatus,
)
from tests.factories import FacultyMemberFactory, ModuleFactory

pytestmark = pytest.mark.django_db

MITIGATION = "Peer review of the content by a reviewer without relationships."


@pytest.fixture
def person(db):
    return FacultyMemberFactory(
        module=ModuleFactory(title="Managing chronic urticaria"),
        name="Dana Whitfield",
        degrees="MD",
        email="dana@example.org",
        disclosure_status=DisclosureStatus.NOT_COLLECTED,
    )


@pytest.fixture
def invitation(person, course_author):
    return invite_to_disclose(person, by=course_author)


def form_url(invitation):
    return reverse("courses:disclose", kwargs={"token": invitation_token(invitation)})


def filled(**changes):
    data = {
        "has_relationships": "no",
        "signature": "Dana Whitfield",
        "attested": "on",
        "rel-TOTAL_FORMS": "3",
        "rel-INITIAL_FORMS": "0",
        "rel-MIN_NUM_FORMS": "0",
        "rel-MAX_NUM_FORMS": "30",
    }
    data.update(changes)
    return data


# The public form -------------------------------------------------------------------------


def test_the_link_opens_the_form_without_an_account_and_records_the_opening(client, invitation):
    response = client.get(form_url(invitation), REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Disclose your financial relationships" in html
    assert "“Managing chronic urticaria”" in html
    invitation.refresh_from_db()
    assert invitation.opened_at is not None
    assert invitation.opened_from == "203.0.113.9"


def test_attesting_to_none_is_recorded_and_the_page_then_shows_what_was_submitted(
    client, invitation, person
):
    response = client.post(form_url(invitation), filled(), REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302
    record = DisclosureRecord.objects.get()
    assert (record.has_relationships, record.signature, record.submitted_from) == (
        False,
        "Dana Whitfield",
        "203.0.113.9",
    )
    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.NONE
    page = client.get(response.url).content.decode()
    assert "Thank you: your disclosure is recorded." in page
    assert "You submitted this disclosure on" in page
    assert "Signed: Dana Whitfield" in page


def test_relationships_are_submitted_row_by_row(client, invitation):
    data = filled(
        has_relationships="yes",
        **{
            "rel-0-company": "Acme Pharma",
            "rel-0-nature": "consultant",
            "rel-1-company": "Globex Devices",
            "rel-1-nature": "other",
            "rel-1-nature_detail": "Royalties on a patent",
            "rel-1-has_ended": "on",
            "rel-1-ended_on": "2025-06-30",
        },
    )

    response = client.post(form_url(invitation), data)

    assert response.status_code == 302
    assert [
        (r.company, r.nature_text, r.ended_on) for r in DisclosedRelationship.objects.all()
    ] == [
        ("Acme Pharma", "Consultant", None),
        ("Globex Devices", "Royalties on a patent", datetime.date(2025, 6, 30)),
    ]


def test_a_second_submission_shows_what_was_submitted_and_saves_nothing(client, invitation):
    client.post(form_url(invitation), filled())

    response = client.post(
        form_url(invitation),
        filled(has_relationships="yes", **{"rel-0-company": "Acme", "rel-0-nature": "speaker"}),
    )

    assert response.status_code == 200
    assert "You submitted this disclosure on" in response.content.decode()
    assert DisclosureRecord.objects.count() == 1
    assert not DisclosedRelationship.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"has_relationships": "yes", "rel-0-nature": "consultant"},
            "Give the name of the company.",
        ),
        ({"signature": ""}, "Type your full name to sign your disclosure."),
        (
            {"attested": ""},
            "Tick “I attest that this is complete and accurate.” to sign your disclosure.",
        ),
        ({"has_relationships": ""}, "State whether you have financial relationships to list."),
        (
            {"has_relationships": "yes"},
            "List at least one financial relationship, or state that you have none.",
        ),
    ],
)
def test_bad_input_is_shown_with_a_clear_message_and_nothing_is_saved(
    client, invitation, changes, message
):
    response = client.post(form_url(invitation), filled(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DisclosureRecord.objects.exists()


def test_a_nul_byte_in_the_form_is_refused_and_nothing_is_saved(client, invitation):
    response = client.post(form_url(invitation), filled(signature="Dana\x00Whitfield"))

    assert response.status_code == 400
    assert not DisclosureRecord.objects.exists()


def test_more_rows_keeps_what_was_typed_and_saves_nothing(client, invitation):
    response = client.post(
        form_url(invitation),
        filled(has_relationships="yes", more="1", **{"rel-0-company": "Acme Pharma"}),
    )

    html = response.content.decode()
    assert html.count('class="border rounded p-3 mb-3 relationship-row"') == 6
    assert 'value="Acme Pharma"' in html
    assert "This field is required" not in html
    assert not DisclosureRecord.objects.exists()


def test_a_tampered_link_is_refused_with_a_clear_message(client, invitation):
    url = form_url(invitation)[:-2] + "x/"

    response = client.get(url)

    assert response.status_code == 400
    assert TAMPERED_LINK in response.content.decode()


def test_an_expired_link_is_refused_and_a_post_through_it_saves_nothing(
    client, person, course_author
):
    old = invite_to_disclose(
        person, by=course_author, now=timezone.now() - datetime.timedelta(days=31)
    )

    response = client.post(form_url(old), filled())

    assert response.status_code == 400
    assert "Ask the course team for a new invitation." in response.content.decode()
    assert not DisclosureRecord.objects.exists()


def test_the_form_refuses_a_post_without_its_csrf_token(invitation):
    response = Client(enforce_csrf_checks=True).post(form_url(invitation), filled())

    assert response.status_code == 403
    assert not DisclosureRecord.objects.exists()


def test_the_form_is_rate_limited_per_client(client, invitation):
    url = form_url(invitation)
    statuses = [client.get(url).status_code for _ in range(31)]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


# The author area -------------------------------------------------------------------------


def test_the_author_invites_from_the_author_page_and_the_email_is_queued_after_commit(
    client, person, course_author, sent_tasks, django_capture_on_commit_callbacks
):
    client.force_login(course_author)
    url = reverse(
        "courses:invite_to_disclose", kwargs={"slug": person.module.slug, "pk": person.pk}
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "dana.whitfield@hospital.example"}, follow=True)

    invitation = DisclosureInvitation.objects.get()
    assert sent_tasks.args_of(SEND_INVITATION_TASK) == [(invitation.pk,)]
    html = response.content.decode()
    assert (
        "Invitation to disclose sent to Dana Whitfield, MD at dana.whitfield@hospital.example."
        in html
    )
    assert "Invited at dana.whitfield@hospital.example" in html
    assert response.redirect_chain[-1][0] == reverse(
        "courses:author_module", kwargs={"slug": person.module.slug}
    )


def test_an_invitation_with_a_bad_address_is_refused_with_a_message(client, person, course_author):
    client.force_login(course_author)
    url = reverse(
        "courses:invite_to_disclose", kwargs={"slug": person.module.slug, "pk": person.pk}
    )

    response = client.post(url, {"email": "dana@"}, follow=True)

    assert (
        "Dana Whitfield, MD: Give a valid e-mail address, e.g. name@example.org."
        in response.content.decode()
    )
    assert not DisclosureInvitation.objects.exists()


def test_a_learner_cannot_invite_or_review(client, learner, person, invitation):
    client.force_login(learner)
    record = submit_disclosure(
        invitation,
        has_relationships=True,
        relationships=[RelationshipEntry(company="Acme", nature="consultant")],
        signature="Dana Whitfield",
        attested=True,
        client_ip=None,
    )
    slug = person.module.slug
    relationship = record.relationships.get()

    invite = client.post(
        reverse("courses:invite_to_disclose", kwargs={"slug": slug, "pk": person.pk}),
        {"email": "x@example.org"},
    )
    review = client.post(
        reverse("courses:review_relationship", kwargs={"slug": slug, "pk": relationship.pk}),
        {"is_relevant": "no"},
    )

    assert (invite.status_code, review.status_code) == (403, 403)
    assert DisclosureInvitation.objects.count() == 1
    assert not relationship.reviews.exists()


def test_the_planner_marks_a_relationship_relevant_and_mitigated_on_the_disclosures_page(
    client, person, invitation, course_author
):
    record = submit_disclosure(
        invitation,
        has_relationships=True,
        relationships=[RelationshipEntry(company="Acme Pharma", nature="consultant")],
        signature="Dana Whitfield",
        attested=True,
        client_ip=None,
    )
    relationship = record.relationships.get()
    client.force_login(course_author)
    page = reverse("courses:module_disclosures", kwargs={"slug": person.module.slug})
    assert "Needs review or mitigation" in client.get(page).content.decode()

    response = client.post(
        reverse(
            "courses:review_relationship",
            kwargs={"slug": person.module.slug, "pk": relationship.pk},
        ),
        {"is_relevant": "yes", "mitigation": MITIGATION, "back": "disclosures"},
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page
    assert (
        "The relationship of Dana Whitfield, MD with Acme Pharma: marked relevant and "
        "mitigated." in html
    )
    assert "Disclosed: relevant relationships mitigated" in html
    review = relationship.reviews.get()
    assert (review.is_relevant, review.mitigation, review.reviewed_by) == (
        True,
        MITIGATION,
        course_author,
    )


# The module page -------------------------------------------------------------------------


def test_the_module_page_shows_the_collected_disclosures_before_the_content(client, course_author):
    module = ModuleFactory(body="The article itself.")
    consultant = FacultyMemberFactory(
        module=module, name="Dana Whitfield", degrees="MD", disclosure_status="not_collected"
    )
    reviewer = FacultyMemberFactory(
        module=module, name="Lee Okafor", degrees="PharmD", disclosure_status="not_collected"
    )
    record = submit_disclosure(
        invite_to_disclose(consultant, by=course_author, email="dana@example.org"),
        has_relationships=True,
        relationships=[RelationshipEntry(company="Acme Pharma", nature="consultant")],
        signature="Dana Whitfield",
        attested=True,
        client_ip=None,
    )
    submit_disclosure(
        invite_to_disclose(reviewer, by=course_author, email="lee@example.org"),
        has_relationships=False,
        relationships=[],
        signature="Lee Okafor",
        attested=True,
        client_ip=None,
    )
    page = reverse("courses:module", kwargs={"slug": module.slug})
    before = client.get(page).content.decode()
    assert "Disclosure received; review of its relationships pending." in before
    assert "have been mitigated" not in before

    review_relationship(
        record.relationships.get(), is_relevant=True, mitigation=MITIGATION, by=course_author
    )

    html = client.get(page).content.decode()
    assert "Acme Pharma: Consultant" in html
    assert f"Mitigation: {MITIGATION}" in html
    assert "All relevant financial relationships listed above have been mitigated." in html
    lee = html.index("Lee Okafor, PharmD")
    assert html.index("No relevant financial relationships", lee) < html.index('id="article"')
    assert (
        html.index('id="disclosures"')
        < html.index("Acme Pharma")
        < html.index("The article itself.")
    )


def test_when_every_collected_disclosure_is_none_learners_are_told_so(client, course_author):
    module = ModuleFactory()
    person = FacultyMemberFactory(module=module, disclosure_status="not_collected")
    submit_disclosure(
        invite_to_disclose(person, by=course_author, email="p@example.org"),
        has_relationships=False,
        relationships=[],
        signature="P",
        attested=True,
        client_ip=None,
    )

    html = client.get(reverse("courses:module", kwargs={"slug": module.slug})).content.decode()

    assert (
        "None of the individuals in control of the content of this activity has a relevant "
        "financial relationship with an ineligible company." in html
    )


def test_the_invitation_email_goes_through_the_task(person, course_author, mailoutbox):
    from courses.tasks import send_disclosure_invitation

    invitation = invite_to_disclose(person, by=course_author)

    assert send_disclosure_invitation(invitation.pk) is True
    assert send_disclosure_invitation(invitation.pk) is True

    assert len(mailoutbox) == 1
    assert form_url(invitation) in mailoutbox[0].body
    assert mailoutbox[0].to == ["dana@example.org"]
