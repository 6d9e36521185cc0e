"""Disclosure collection (courses/disclosure_collection.py): everyone in control of content
discloses through their own link, the planner reviews and mitigates, and every step stays
for the accreditor (ACCME Standard 3)."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from courses.disclosure_collection import (
    ATTESTATION,
    NONE_STATEMENT,
    SEND_INVITATION_TASK,
    TAMPERED_LINK,
    PersonState,
    RelationshipEntry,
    apply_latest_disclosure,
    disclosure_problems,
    email_invitation,
    invitation_link,
    invitation_token,
    invite_to_disclose,
    module_disclosures,
    open_invitation,
    review_relationship,
    submit_disclosure,
)
from courses.exceptions import DisclosureLinkRefused, DisclosureRefused, RecordIsImmutable
from courses.lifecycle import modules_due
from courses.models import (
    DisclosedRelationship,
    DisclosureInvitation,
    DisclosureRecord,
    DisclosureStatus,
    RelationshipNature,
    RelationshipReview,
)
from courses.publishing import create_new_edition, publication_problems
from tests.factories import FacultyMemberFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
IP = "203.0.113.7"
MITIGATION = "Peer review of the content by a reviewer without relationships."


@pytest.fixture
def planner(db):
    return UserFactory(email="planner@example.com", first_name="Pat", last_name="Planner")


@pytest.fixture
def person(db):
    module = ModuleFactory(title="Atopic dermatitis & itch")
    return FacultyMemberFactory(
        module=module,
        name="Siobhán O'Brien",
        degrees="MD",
        email="siobhan@example.org",
        disclosure_status=DisclosureStatus.NOT_COLLECTED,
    )


def invite(person, planner, **kwargs):
    return invite_to_disclose(person, by=planner, now=kwargs.pop("now", NOW), **kwargs)


def disclose_none(invitation, *, now=NOW):
    return submit_disclosure(
        invitation,
        has_relationships=False,
        relationships=[],
        signature="Siobhán O'Brien",
        attested=True,
        client_ip=IP,
        now=now,
    )


def disclose(invitation, *entries, now=NOW):
    return submit_disclosure(
        invitation,
        has_relationships=True,
        relationships=list(entries),
        signature="Siobhán O'Brien",
        attested=True,
        client_ip=IP,
        now=now,
    )


ACME = RelationshipEntry(company="Acme Pharma", nature=RelationshipNature.CONSULTANT)
GLOBEX = RelationshipEntry(
    company="Globex Devices",
    nature=RelationshipNature.SPEAKER,
    ended_on=datetime.date(2025, 12, 31),
)


# The invitation -------------------------------------------------------------------------


def test_an_invitation_expires_after_30_days_and_is_emailed_after_commit(
    person, planner, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(person, planner)
        assert sent_tasks == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()

    assert sent_tasks.args_of(SEND_INVITATION_TASK) == [(invitation.pk,)]
    assert invitation.invited_by == planner
    assert invitation.email == "siobhan@example.org"
    assert invitation.expires_at == NOW + datetime.timedelta(days=30)
    assert invitation.is_renewal is False


def test_the_address_given_with_the_invitation_is_kept_as_the_persons(person, planner):
    invite(person, planner, email="obrien@hospital.example")

    person.refresh_from_db()
    assert person.email == "obrien@hospital.example"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Give the e-mail address of Siobhán O'Brien, MD: the invitation is sent there."),
        ("not-an-address", "“not-an-address” is not an e-mail address."),
    ],
)
def test_an_invitation_without_a_valid_address_is_refused(person, planner, email, message):
    person.email = ""
    person.save()

    with pytest.raises(DisclosureRefused) as refusal:
        invite(person, planner, email=email)

    assert str(refusal.value) == message
    assert not DisclosureInvitation.objects.exists()


def test_the_email_is_plain_text_with_the_link_and_is_sent_once(person, planner):
    invitation = invite(person, planner)

    email_invitation(invitation.pk)
    email_invitation(invitation.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["siobhan@example.org"]
    assert message.subject == (
        "Please complete your disclosure of financial relationships for “Atopic dermatitis & itch”"
    )
    assert "Dear Siobhán O'Brien, MD," in message.body  # not escaped as HTML
    assert invitation_link(invitation) in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None


def test_a_new_invitation_voids_the_old_link(person, planner):
    old = invite(person, planner)
    new = invite(person, planner, now=NOW + datetime.timedelta(hours=1))

    with pytest.raises(DisclosureLinkRefused) as refusal:
        open_invitation(invitation_token(old), client_ip=IP, now=NOW + datetime.timedelta(hours=2))

    assert str(refusal.value) == (
        "This link was replaced by a newer invitation. Use the link in the most recent "
        "e-mail, or ask the course team for a new invitation."
    )
    assert open_invitation(invitation_token(new), client_ip=IP, now=NOW).pk == new.pk
    old.refresh_from_db()
    assert old.voided_at == NOW + datetime.timedelta(hours=1)
    email_invitation(old.pk)  # a voided invitation's e-mail, still queued, is not sent
    assert mail.outbox == []


# Opening the link ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "999" + token,
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_refused(person, planner, tamper):
    invitation = invite(person, planner)

    with pytest.raises(DisclosureLinkRefused) as refusal:
        open_invitation(tamper(invitation_token(invitation)), client_ip=IP)

    assert str(refusal.value) == TAMPERED_LINK


def test_opening_the_link_records_the_first_time_and_address(person, planner):
    invitation = invite(person, planner)
    token = invitation_token(invitation)

    open_invitation(token, client_ip=IP, now=NOW + datetime.timedelta(minutes=5))
    open_invitation(token, client_ip="198.51.100.1", now=NOW + datetime.timedelta(minutes=9))

    invitation.refresh_from_db()
    assert invitation.opened_at == NOW + datetime.timedelta(minutes=5)
    assert invitation.opened_from == IP


def test_an_expired_link_is_refused_and_nothing_is_saved(person, planner):
    invitation = invite(person, planner)
    later = NOW + datetime.timedelta(days=30)

    with pytest.raises(DisclosureLinkRefused) as refusal:
        open_invitation(invitation_token(invitation), client_ip=IP, now=later)
    assert str(refusal.value) == (
        "This link expired on 1 April 2026. Ask the course team for a new invitation."
    )
    with pytest.raises(DisclosureLinkRefused):
        disclose_none(invitation, now=later)
    assert not DisclosureRecord.objects.exists()
    invitation.refresh_from_db()
    assert invitation.opened_at is None


# Disclosing ------------------------------------------------------------------------------


def test_attesting_to_no_relationships_is_recorded_with_signature_and_address(person, planner):
    invitation = invite(person, planner)

    record = disclose_none(invitation, now=NOW + datetime.timedelta(days=1))

    assert record.faculty_member == person
    assert record.has_relationships is False
    assert record.attestation == f"{NONE_STATEMENT} {ATTESTATION}"
    assert record.signature == "Siobhán O'Brien"
    assert record.submitted_at == NOW + datetime.timedelta(days=1)
    assert record.submitted_from == IP
    assert list(record.relationships.all()) == []
    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.NONE
    assert disclosure_problems(person.module) == []


def test_relationships_are_recorded_as_given_and_await_the_planners_review(person, planner):
    record = disclose(invite(person, planner), ACME, GLOBEX)

    assert [(r.company, r.nature, r.ended_on) for r in record.relationships.all()] == [
        ("Acme Pharma", RelationshipNature.CONSULTANT, None),
        ("Globex Devices", RelationshipNature.SPEAKER, datetime.date(2025, 12, 31)),
    ]
    assert record.attestation == ATTESTATION
    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.PENDING
    assert disclosure_problems(person.module) == [
        "Decide whether the relationship of Siobhán O'Brien, MD with Acme Pharma is relevant "
        "to the content.",
        "Decide whether the relationship of Siobhán O'Brien, MD with Globex Devices is relevant "
        "to the content.",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"signature": "  "}, "Type your full name to sign your disclosure."),
        (
            {"attested": False},
            "Tick “I attest that this is complete and accurate.” to sign your disclosure.",
        ),
        (
            {"relationships": [RelationshipEntry(company=" ", nature="consultant")]},
            "Give the name of the company of relationship 1.",
        ),
        (
            {"relationships": [RelationshipEntry(company="Acme", nature="")]},
            "Choose the nature of relationship 1.",
        ),
        (
            {"relationships": [RelationshipEntry(company="Acme", nature="other")]},
            "Describe the nature of relationship 1 (you chose Other).",
        ),
        (
            {"relationships": []},
            "List at least one financial relationship, or state that you have none.",
        ),
        (
            {"has_relationships": False},
            "You stated that you have no financial relationships but listed some: remove "
            "them, or state that you have relationships.",
        ),
        (
            {
                "relationships": [
                    RelationshipEntry(
                        company="Acme", nature="speaker", ended_on=datetime.date(2026, 3, 3)
                    )
                ]
            },
            "Relationship 1 ends in the future: a relationship that continues has not ended.",
        ),
    ],
)
def test_an_incomplete_disclosure_is_refused_and_nothing_is_saved(
    person, planner, changes, message
):
    invitation = invite(person, planner)
    given = {
        "has_relationships": True,
        "relationships": [ACME],
        "signature": "Siobhán O'Brien",
        "attested": True,
        "client_ip": IP,
        "now": NOW,
        **changes,
    }

    with time_machine.travel(NOW, tick=False), pytest.raises(DisclosureRefused) as refusal:
        submit_disclosure(invitation, **given)

    assert str(refusal.value) == message
    assert not DisclosureRecord.objects.exists()
    assert not DisclosedRelationship.objects.exists()


def test_a_second_submission_through_the_same_link_is_refused(person, planner):
    invitation = invite(person, planner)
    first = disclose_none(invitation)

    with pytest.raises(DisclosureRefused) as refusal:
        disclose(invitation, ACME, now=NOW + datetime.timedelta(minutes=1))

    assert str(refusal.value) == (
        "You submitted this disclosure on 2 March 2026. To change it, ask the course team for "
        "a new invitation."
    )
    assert list(DisclosureRecord.objects.all()) == [first]
    assert not DisclosedRelationship.objects.exists()
    # The used link still opens (it shows what was submitted), even once expired.
    later = NOW + datetime.timedelta(days=60)
    assert open_invitation(invitation_token(invitation), client_ip=IP, now=later) == invitation


def test_records_kept_for_the_accreditor_cannot_be_changed_or_deleted(person, planner):
    record = disclose(invite(person, planner), ACME)
    relationship = record.relationships.get()
    review = review_relationship(relationship, is_relevant=False, by=planner)

    for row in (record, relationship, review):
        with pytest.raises(RecordIsImmutable):
            row.save()
        with pytest.raises(RecordIsImmutable):
            row.delete()
    record.refresh_from_db()
    assert record.signature == "Siobhán O'Brien"


# The planner's review ------------------------------------------------------------------


def test_a_relationship_found_not_relevant_leaves_nothing_to_mitigate(person, planner):
    relationship = disclose(invite(person, planner), ACME).relationships.get()

    review_relationship(relationship, is_relevant=False, by=planner)

    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.NONE
    assert list(person.financial_relationships.all()) == []
    assert disclosure_problems(person.module) == []


def test_a_relevant_relationship_must_be_mitigated_before_publishing(person, planner):
    relationship = disclose(invite(person, planner), ACME).relationships.get()

    review_relationship(relationship, is_relevant=True, by=planner)

    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.PENDING
    problem = (
        "Record how the relevant relationship of Siobhán O'Brien, MD with Acme Pharma was "
        "mitigated."
    )
    assert disclosure_problems(person.module) == [problem]
    assert problem in publication_problems(person.module)


def test_mitigation_is_recorded_with_who_and_when_and_fills_the_persons_disclosure(person, planner):
    record = disclose(invite(person, planner), ACME, GLOBEX)
    acme, globex = record.relationships.all()

    review_relationship(acme, is_relevant=True, mitigation=MITIGATION, by=planner, now=NOW)
    review_relationship(globex, is_relevant=True, mitigation=MITIGATION, by=planner, now=NOW)

    review = acme.reviews.get()
    assert (review.reviewed_by, review.reviewed_at, review.mitigation) == (
        planner,
        NOW,
        MITIGATION,
    )
    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.RELEVANT
    assert person.mitigation == MITIGATION
    assert [(r.company, r.nature) for r in person.financial_relationships.all()] == [
        ("Acme Pharma", "Consultant"),
        ("Globex Devices", "Speaker or member of a speakers' bureau (ended 31 December 2025)"),
    ]
    assert disclosure_problems(person.module) == []
    [entry] = module_disclosures(person.module, today=datetime.date(2026, 3, 3))
    assert entry.state == PersonState.MITIGATED


def test_a_later_review_replaces_the_earlier_one_which_stays_on_record(person, planner):
    relationship = disclose(invite(person, planner), ACME).relationships.get()
    review_relationship(relationship, is_relevant=False, by=planner, now=NOW)

    review_relationship(
        relationship,
        is_relevant=True,
        mitigation=MITIGATION,
        by=planner,
        now=NOW + datetime.timedelta(hours=1),
    )

    assert RelationshipReview.objects.filter(relationship=relationship).count() == 2
    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.RELEVANT


def test_a_mitigation_for_a_relationship_found_not_relevant_is_refused(person, planner):
    relationship = disclose(invite(person, planner), ACME).relationships.get()

    with pytest.raises(DisclosureRefused) as refusal:
        review_relationship(relationship, is_relevant=False, mitigation=MITIGATION, by=planner)

    assert str(refusal.value) == (
        "Only a relevant relationship is mitigated: leave the mitigation empty, or mark the "
        "relationship relevant."
    )
    assert not RelationshipReview.objects.exists()


# Renewal after 12 months ---------------------------------------------------------------


def test_a_disclosure_older_than_12_months_is_flagged_and_refused_until_renewed(person, planner):
    module = person.module
    disclose_none(invite(person, planner))
    renewal_problem = (
        "The disclosure of Siobhán O'Brien, MD is older than 12 months (signed on 2 March "
        "2026): invite them to renew it."
    )

    assert disclosure_problems(module, today=datetime.date(2027, 3, 1)) == []
    assert disclosure_problems(module, today=datetime.date(2027, 3, 2)) == [renewal_problem]
    [entry] = module_disclosures(module, today=datetime.date(2027, 3, 2))
    assert entry.state == PersonState.RENEWAL_DUE

    with time_machine.travel(datetime.datetime(2027, 3, 2, 12, tzinfo=datetime.UTC)):
        assert renewal_problem in publication_problems(module)
        renewal = invite(person, planner, now=timezone.now())
        assert renewal.is_renewal is True
        disclose_none(renewal, now=timezone.now())
        assert disclosure_problems(module) == []


def test_the_weekly_reminder_lists_disclosures_due_for_renewal(person, planner):
    disclose_none(invite(person, planner))

    due = modules_due(today=datetime.date(2027, 3, 3))

    assert [item.module for item in due] == [person.module]
    assert "disclosure of Siobhán O'Brien, MD to renew since 2 March 2027" in due[0].reasons


def test_a_relationship_of_a_replaced_disclosure_cannot_be_reviewed(person, planner):
    old = disclose(invite(person, planner), ACME)
    disclose_none(invite(person, planner, now=NOW), now=NOW + datetime.timedelta(days=1))

    with pytest.raises(DisclosureRefused) as refusal:
        review_relationship(old.relationships.get(), is_relevant=False, by=planner)

    assert str(refusal.value) == (
        "This disclosure was replaced by a newer one; review the relationships of the newer "
        "disclosure."
    )


# Legacy rows and the publish checks ------------------------------------------------------


def test_a_person_never_invited_counts_by_the_status_recorded_by_hand(db):
    module = ModuleFactory()
    FacultyMemberFactory(module=module, name="Dr Legacy", degrees="", disclosure_status="none")
    FacultyMemberFactory(
        module=module, name="Dr Pending", degrees="", disclosure_status="not_collected"
    )

    assert disclosure_problems(module) == [
        "Record the disclosure of Dr Pending (or state that they have no relevant financial "
        "relationships)."
    ]
    assert [entry.state for entry in module_disclosures(module)] == [
        PersonState.RECORDED_BY_HAND,
        PersonState.NOT_INVITED,
    ]


def test_once_invited_only_the_persons_own_record_counts(person, planner):
    person.disclosure_status = DisclosureStatus.NONE  # typed by hand earlier
    person.save()

    invite(person, planner)

    problem = "Siobhán O'Brien, MD has not disclosed yet (invited on 2 March 2026)."
    assert disclosure_problems(person.module) == [problem]
    assert problem in publication_problems(person.module)


def test_applying_without_a_record_leaves_the_status_typed_by_hand(db):
    person = FacultyMemberFactory(disclosure_status=DisclosureStatus.NONE)

    apply_latest_disclosure(person)

    person.refresh_from_db()
    assert person.disclosure_status == DisclosureStatus.NONE


# A new edition ----------------------------------------------------------------------------


def new_edition_of(person, planner):
    edition = create_new_edition(person.module, by=planner)
    return edition, edition.faculty.get(name=person.name)


def test_a_new_edition_carries_the_signed_disclosure_but_not_the_planners_decisions(
    person, planner
):
    record = disclose(invite(person, planner), ACME)
    review_relationship(
        record.relationships.get(), is_relevant=True, mitigation=MITIGATION, by=planner
    )
    assert disclosure_problems(person.module) == []

    with time_machine.travel(NOW + datetime.timedelta(days=30)):
        edition, copy = new_edition_of(person, planner)
        problems = disclosure_problems(edition)

    carried = copy.disclosure_records.get()
    assert carried.carried_from == record
    assert (carried.signature, carried.submitted_at) == (record.signature, record.submitted_at)
    assert list(carried.relationships.values_list("company", flat=True)) == ["Acme Pharma"]
    assert problems == [
        "Decide whether the relationship of Siobhán O'Brien, MD with Acme Pharma is relevant "
        "to the content."
    ]
    assert copy.disclosure_status == DisclosureStatus.PENDING
    assert not copy.financial_relationships.exists()  # nothing shown to learners until decided
    # The earlier edition keeps its own record and decisions.
    assert disclosure_problems(person.module) == []


def test_a_carried_disclosure_must_be_renewed_when_the_original_must(person, planner):
    disclose_none(invite(person, planner))
    edition, copy = new_edition_of(person, planner)

    assert disclosure_problems(edition, today=datetime.date(2027, 3, 1)) == []
    assert disclosure_problems(edition, today=datetime.date(2027, 3, 2)) == [
        "The disclosure of Siobhán O'Brien, MD is older than 12 months (signed on 2 March "
        "2026): invite them to renew it."
    ]
    assert copy.disclosure_status == DisclosureStatus.NONE


def test_a_third_edition_points_at_the_record_actually_signed(person, planner):
    record = disclose_none(invite(person, planner))
    _, copy = new_edition_of(person, planner)
    _, third_copy = new_edition_of(copy, planner)

    assert third_copy.disclosure_records.get().carried_from == record


def test_a_person_recorded_by_hand_is_copied_as_typed(db, planner):
    module = ModuleFactory()
    FacultyMemberFactory(module=module, name="Dr Legacy", degrees="", disclosure_status="none")

    edition = create_new_edition(module, by=planner)

    copy = edition.faculty.get()
    assert copy.disclosure_status == DisclosureStatus.NONE
    assert not copy.disclosure_records.exists()
    assert disclosure_problems(edition) == []


def test_a_record_neither_signed_through_a_link_nor_carried_over_cannot_exist(person):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        DisclosureRecord.objects.create(
            faculty_member=person, has_relationships=False, attestation="x", signature="x"
        )
