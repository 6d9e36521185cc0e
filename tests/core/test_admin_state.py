"""Nothing gets around the domain functions through the admin: a field whose change belongs
to a domain function (publication, archiving, a certificate's status, a claim, an attempt's
outcome, a learner's consent) is never an editable input in any admin change form or
inline; the admin offers actions that call the domain functions instead."""

import re

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from certificates.issuance import issue_certificate
from core.admin import state_fields_of
from courses.models import Module, ModuleStatus
from demo.content import load_demo_content
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.courses.test_publishing import approve
from tests.factories import ModuleFactory, UserFactory, post_test_with_questions

pytestmark = pytest.mark.django_db

# The specification: which fields of which models only a domain function may change.
STATE_FIELDS = {
    "courses.Module": {"status", "published_at", "edition", "previous_edition"},
    "certificates.Certificate": {"status", "issued_at", "emailed_at", "superseded_by", "pdf"},
    "certificates.CreditClaim": {"amount", "kind", "credit_type", "attempt", "snapshot"},
    "quizzes.Attempt": {"status", "score", "passed", "correct_count", "graded_at"},
    "quizzes.AttemptQuestion": {"is_correct"},
    "quizzes.Participation": {"extra_attempts"},
    "quizzes.Choice": {"is_correct", "text"},
    "quizzes.QuestionVersion": {"stem", "rationale", "kind"},
    "quizzes.Question": {"current_version"},
    "accounts.Profile": {"reports_to_boards", "reports_to_boards_changed_at"},
}

INPUT_NAME = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.IGNORECASE)


@pytest.mark.parametrize("label", sorted(STATE_FIELDS))
def test_each_model_declares_the_fields_only_its_domain_functions_change(label):
    declared = set(state_fields_of(apps.get_model(label)))

    assert STATE_FIELDS[label] <= declared


def editable_names(html: str) -> set[str]:
    """The names of the form inputs on a page, without formset prefixes (`choices-0-text`
    → `text`)."""
    return {name.rsplit("-", 1)[-1] for name in INPUT_NAME.findall(html)}


@pytest.fixture
def every_kind_of_record(db):
    """At least one row of every model: the demo module (draft and published editions, a
    post-test with versioned questions) and a learner's whole journey to an issued
    certificate."""
    demo, _ = load_demo_content()
    ModuleFactory(status=ModuleStatus.DRAFT, published_at=None)
    learner = UserFactory()
    post_test = post_test_with_questions(5)
    pass_post_test(learner, post_test)
    evaluate(learner, post_test.module)
    issue_certificate(claim(learner, post_test.module).certificates.get().pk)
    return demo


def test_no_admin_change_form_offers_a_state_field(client, every_kind_of_record):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    walked = []
    for model, model_admin in admin.site._registry.items():
        guarded = set(state_fields_of(model))
        for inline in model_admin.inlines:
            # An inline's link to its parent is set from the parent, whatever is posted.
            parent_link = {f.name for f in inline.model._meta.fields if f.related_model is model}
            guarded |= set(state_fields_of(inline.model)) - parent_link
        if not guarded:
            continue
        info = model._meta.app_label, model._meta.model_name
        for obj in model._default_manager.all()[:3]:
            url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            response = client.get(url)
            assert response.status_code == 200, url
            offered = editable_names(response.content.decode()) & guarded
            assert not offered, f"{url} offers {sorted(offered)} for editing"
            walked.append(model._meta.label)
        if model_admin.has_add_permission(_request_of(operator)):
            url = reverse("admin:{}_{}_add".format(*info))
            offered = editable_names(client.get(url).content.decode()) & guarded
            assert not offered, f"{url} offers {sorted(offered)} for editing"

    # The walk reached the records that matter (a vacuous walk would pass anything).
    assert {"courses.Module", "certificates.Certificate", "certificates.CreditClaim"} <= set(walked)


def _request_of(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_posting_published_in_the_module_change_form_does_not_publish(client, course_author):
    """The attack: an author set Status to Published in the admin, and an empty module went
    live with no published_at and no audit record."""
    module = ModuleFactory(status=ModuleStatus.DRAFT, published_at=None, accreditation_statement="")
    client.force_login(course_author)
    url = reverse("admin:courses_module_change", args=[module.pk])
    form = {
        "title": module.title,
        "slug": module.slug,
        "summary": module.summary,
        "target_audience": module.target_audience,
        "estimated_minutes": module.estimated_minutes,
        "body": module.body,
        "commercial_support": "none",
        "status": "published",
        "published_at": "2026-11-30 10:00",
    }
    for prefix in ("credits", "objectives", "faculty", "references"):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT
    assert module.published_at is None


def test_the_admin_publish_action_runs_the_publish_checks(client, cme_administrator):
    module = ModuleFactory(status=ModuleStatus.DRAFT, published_at=None)
    client.force_login(cme_administrator)

    response = client.post(
        reverse("admin:courses_module_changelist"),
        {"action": "publish_selected", "_selected_action": [module.pk]},
        follow=True,
    )

    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT
    assert f"“{module.title}” was not published: Add at least one learning objective." in (
        response.content.decode()
    )


def test_the_admin_publish_action_publishes_with_an_audit_record(client, cme_administrator):
    post_test = post_test_with_questions(5)
    module = Module.objects.get(pk=post_test.module.pk)
    Module.objects.filter(pk=module.pk).update(status=ModuleStatus.DRAFT, published_at=None)
    from tests.factories import FacultyMemberFactory

    FacultyMemberFactory(module=module)
    module.refresh_from_db()
    approve(module)  # only an approved edition is published (courses.reviews)
    client.force_login(cme_administrator)

    client.post(
        reverse("admin:courses_module_changelist"),
        {"action": "publish_selected", "_selected_action": [module.pk]},
    )

    module.refresh_from_db()
    assert module.status == ModuleStatus.PUBLISHED
    assert module.published_at is not None
    entry = LogEntry.objects.get_for_object(module).get(
        action=LogEntry.Action.UPDATE, changes__has_key="status"
    )
    assert entry.actor == cme_administrator
    assert entry.additional_data == {"reason": "Published"}


def test_the_admin_archive_action_refuses_a_draft(client, cme_administrator):
    module = ModuleFactory(status=ModuleStatus.DRAFT, published_at=None)
    client.force_login(cme_administrator)

    response = client.post(
        reverse("admin:courses_module_changelist"),
        {"action": "archive_selected", "_selected_action": [module.pk]},
        follow=True,
    )

    assert f"“{module.title}”: Only a published module can be archived." in (
        response.content.decode()
    )
    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT
