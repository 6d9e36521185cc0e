"""The post-test settings page of the author area (/author/modules/<slug>/post-test/) and
quizzes.authoring.set_post_test_settings: creating the post-test of a draft module,
changing its settings with readable refusals, audited, withdrawing a reviewer's approval,
and the settings of a published or archived module kept as learners took them."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import REVIEWERS
from courses.models import ModuleStatus, ReviewStatus
from courses.reviews import approve_review, submit_for_review
from quizzes.authoring import set_post_test_settings
from quizzes.exceptions import PostTestSettingsRefused
from quizzes.models import AttemptDelay, PostTest, ReviewPolicy
from tests.factories import (
    LearningObjectiveFactory,
    ModuleFactory,
    PostTestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SETTINGS = {
    "passing_score": Decimal("80"),
    "max_attempts": 2,
    "review_policy": ReviewPolicy.AFTER_PASS,
    "shuffle_questions": True,
    "shuffle_choices": False,
    "draw_per_objective": None,
    "draw_total": 8,
    "attempt_delay": AttemptDelay.ONE_DAY,
}
OUT_OF_RANGE = "The passing score must be a percentage from 1 to 100, e.g. 70."
NOT_A_NUMBER = "Give the passing score as a number, e.g. 70."
TWO_PLACES = "The passing score may have at most two decimal places, e.g. 66.67."
ATTEMPTS = "Give the number of attempts a learner has to pass: from 1 to 99."
BOTH_DRAWS = "Draw questions per objective or in total, not both: empty one of the two."
PUBLISHED_REFUSAL = (
    "The post-test settings of a published module cannot change: learners' attempts were "
    "taken under them. Start a new edition to change them."
)


def draft(**fields):
    return ModuleFactory(status=ModuleStatus.DRAFT, published_at=None, **fields)


def stored(post_test) -> dict:
    post_test.refresh_from_db()
    return {name: getattr(post_test, name) for name in SETTINGS}


@pytest.fixture
def reviewer(db):
    user = UserFactory(email="reviewer@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


# The domain function -----------------------------------------------------------------


class TestSetPostTestSettings:
    def test_a_draft_without_a_post_test_gets_one_with_the_settings_given(self, course_author):
        module = draft()

        post_test = set_post_test_settings(module, by=course_author, **SETTINGS)

        assert PostTest.objects.get(module=module) == post_test
        assert stored(post_test) == SETTINGS

    def test_a_drafts_post_test_settings_change_and_the_change_is_audited(self, course_author):
        post_test = PostTestFactory(module=draft())

        set_post_test_settings(post_test.module, by=course_author, **SETTINGS)

        assert stored(post_test) == SETTINGS
        entry = LogEntry.objects.get_for_object(post_test).latest("timestamp")
        assert entry.actor == course_author
        assert entry.additional_data == {"reason": "Post-test settings saved in the author area"}
        assert entry.changes_dict["passing_score"] == ["70.00", "80.00"]
        assert entry.changes_dict["max_attempts"] == ["3", "2"]

    def test_a_published_modules_settings_are_refused_and_kept(self, course_author):
        post_test = PostTestFactory(module=ModuleFactory())
        before = stored(post_test)

        with pytest.raises(PostTestSettingsRefused) as refusal:
            set_post_test_settings(post_test.module, by=course_author, **SETTINGS)

        assert str(refusal.value) == PUBLISHED_REFUSAL
        assert stored(post_test) == before

    def test_a_published_module_without_a_post_test_gets_none(self, course_author):
        module = ModuleFactory()

        with pytest.raises(PostTestSettingsRefused) as refusal:
            set_post_test_settings(module, by=course_author, **SETTINGS)

        assert str(refusal.value) == PUBLISHED_REFUSAL
        assert not PostTest.objects.filter(module=module).exists()

    def test_an_archived_modules_settings_are_refused(self, course_author):
        post_test = PostTestFactory(module=ModuleFactory(status=ModuleStatus.ARCHIVED))

        with pytest.raises(PostTestSettingsRefused) as refusal:
            set_post_test_settings(post_test.module, by=course_author, **SETTINGS)

        assert str(refusal.value) == (
            "An archived module cannot be edited: restore it or start a new edition."
        )

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"passing_score": Decimal("0")}, OUT_OF_RANGE),
            ({"passing_score": Decimal("100.5")}, OUT_OF_RANGE),
            ({"passing_score": Decimal("70.555")}, TWO_PLACES),
            ({"max_attempts": 0}, ATTEMPTS),
            ({"max_attempts": None}, ATTEMPTS),
            ({"draw_per_objective": 2, "draw_total": 8}, BOTH_DRAWS),
            ({"draw_total": 0}, "Draw at least one question."),
            ({"review_policy": "sometimes"}, "Choose when learners see the correct answers."),
            ({"attempt_delay": "1w"}, "Choose the delay between attempts."),
        ],
    )  # fmt: skip
    def test_values_out_of_range_are_refused_with_what_to_change(
        self, course_author, change, message
    ):
        post_test = PostTestFactory(module=draft())
        before = stored(post_test)

        with pytest.raises(PostTestSettingsRefused) as refusal:
            set_post_test_settings(post_test.module, by=course_author, **{**SETTINGS, **change})

        assert str(refusal.value) == message
        assert stored(post_test) == before

    def test_a_change_withdraws_the_reviewers_approval_of_the_draft(self, course_author, reviewer):
        post_test = PostTestFactory(module=draft())
        review = approve_review(submit_for_review(post_test.module, by=course_author), by=reviewer)

        set_post_test_settings(post_test.module, by=course_author, **SETTINGS)

        review.refresh_from_db()
        assert review.status == ReviewStatus.WITHDRAWN
        assert review.withdrawn_reason == (
            "Approval withdrawn: the post-test settings changed after approval."
        )

    def test_saving_the_same_settings_again_keeps_the_approval(self, course_author, reviewer):
        post_test = PostTestFactory(module=draft(), **SETTINGS)
        review = approve_review(submit_for_review(post_test.module, by=course_author), by=reviewer)

        set_post_test_settings(post_test.module, by=course_author, **SETTINGS)

        review.refresh_from_db()
        assert review.status == ReviewStatus.APPROVED


# The page ----------------------------------------------------------------------------


def settings_url(module):
    return reverse("quizzes:post_test_settings", kwargs={"slug": module.slug})


def posted(**changes):
    data = {
        "passing_score": "75",
        "max_attempts": "3",
        "attempt_delay": "1h",
        "draw": "per_objective",
        "draw_count": "2",
        "shuffle_questions": "on",
        "shuffle_choices": "on",
        "review_policy": "after_pass_or_last",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def author(client, course_author):
    client.force_login(course_author)
    return client


class TestSettingsPage:
    def test_a_draft_without_a_post_test_offers_to_create_one_with_the_usual_defaults(self, author):
        module = draft()

        response = author.get(settings_url(module))

        assert response.status_code == 200
        assert '<h1 class="h2">Set up the post-test</h1>' in response.text
        form = response.context["form"]
        assert form["passing_score"].value() == Decimal("70")
        assert form["max_attempts"].value() == 3
        assert form["draw"].value() == "all"
        assert form["shuffle_choices"].value() is True
        assert "Create the post-test" in response.text

    def test_creating_the_post_test_leads_back_to_the_editors_post_test_section(self, author):
        module = draft()

        response = author.post(settings_url(module), posted(), follow=True)

        editor = reverse("courses:edit_module", kwargs={"slug": module.slug})
        assert response.redirect_chain == [(f"{editor}#section-post_test", 302)]
        assert "The post-test is created: now add its questions." in response.text
        post_test = PostTest.objects.get(module=module)
        assert (post_test.passing_score, post_test.max_attempts) == (Decimal("75.00"), 3)
        assert (post_test.draw_per_objective, post_test.draw_total) == (2, None)
        assert post_test.attempt_delay == AttemptDelay.ONE_HOUR

    def test_unticked_boxes_and_a_total_draw_are_saved_as_such(self, author):
        post_test = PostTestFactory(module=draft(), draw_per_objective=2)

        response = author.post(
            settings_url(post_test.module),
            posted(draw="total", draw_count="8", shuffle_questions=None, shuffle_choices=None),
            follow=True,
        )

        assert "The post-test settings are saved." in response.text
        post_test.refresh_from_db()
        assert (post_test.draw_per_objective, post_test.draw_total) == (None, 8)
        assert (post_test.shuffle_questions, post_test.shuffle_choices) == (False, False)

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"passing_score": "0"}, "passing_score", OUT_OF_RANGE),
            ({"passing_score": "seventy"}, "passing_score", NOT_A_NUMBER),
            ({"max_attempts": ""}, "max_attempts", ATTEMPTS),
            ({"draw_count": ""}, "draw_count", "Give how many questions each attempt draws."),
            ({"draw_count": "0"}, "draw_count", "Draw at least one question."),
        ],
    )  # fmt: skip
    def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_saved(
        self, author, change, field, message
    ):
        module = draft()

        response = author.post(settings_url(module), posted(**change))

        assert response.status_code == 400
        assert response.context["form"].errors[field] == [message]
        assert escape(message) in response.text
        assert "Nothing was saved: correct the settings marked below." in response.text
        assert not PostTest.objects.filter(module=module).exists()

    def test_the_publish_checks_of_the_post_test_are_listed(self, author):
        module = draft()
        LearningObjectiveFactory(module=module, text="Recognize DRESS")
        PostTestFactory(module=module)

        response = author.get(settings_url(module))

        assert response.context["problems"] == [
            "The post-test needs at least 5 questions; it has 0.",
            "No question assesses the objective “Recognize DRESS”.",
        ]
        assert 'id="post-test-problems"' in response.text

    def test_a_published_modules_settings_are_shown_without_a_form(self, author):
        post_test = PostTestFactory(module=ModuleFactory(), passing_score=Decimal("80"))

        response = author.get(settings_url(post_test.module))

        assert response.status_code == 200
        assert escape(PUBLISHED_REFUSAL) in response.text
        assert "post-test-settings-form" not in response.text
        assert 'id="post-test-settings"' in response.text

    def test_a_post_to_a_published_modules_settings_is_refused_and_changes_nothing(self, author):
        post_test = PostTestFactory(module=ModuleFactory())
        before = stored(post_test)

        response = author.post(settings_url(post_test.module), posted(passing_score="90"))

        assert response.status_code == 400
        assert response.context["form"].non_field_errors() == [PUBLISHED_REFUSAL]
        assert stored(post_test) == before

    def test_the_module_editor_links_to_the_page(self, author):
        module = draft()

        response = author.get(reverse("courses:edit_module", kwargs={"slug": module.slug}))

        assert f'<a href="{settings_url(module)}">Set up the post-test</a>' in response.text

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_learners_and_reviewers_may_not_change_the_settings(
        self, client, learner, reviewer, method
    ):
        module = draft()
        for user in (learner, reviewer):
            client.force_login(user)

            response = getattr(client, method)(settings_url(module), posted())

            assert response.status_code == 403
        assert not PostTest.objects.filter(module=module).exists()

    def test_an_unknown_module_is_not_found(self, author):
        response = author.get(reverse("quizzes:post_test_settings", kwargs={"slug": "nothing"}))

        assert response.status_code == 404
