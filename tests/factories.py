"""Factories for test data. Business steps (adding questions, recording disclosures) go
through the domain functions instead, as the product does."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Designation, Profile, User
from courses.demo import ensure_ama_credit_type
from courses.models import (
    CommercialSupport,
    DisclosureStatus,
    FacultyMember,
    LearningObjective,
    Module,
    ModuleCredit,
    ModuleStatus,
    Reference,
    Topic,
)
from quizzes.models import PostTest


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    first_name = "Maria"
    last_name = factory.Sequence(lambda n: f"Gómez{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")
    profile = factory.RelatedFactory("tests.factories.ProfileFactory", factory_related_name="user")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory, profile=None)
    certificate_name = factory.LazyAttribute(lambda p: p.user.get_full_name())
    designation = Designation.MD
    time_zone = "America/Chicago"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ModuleFactory(factory.django.DjangoModelFactory):
    """A published module, open for credit today, with no children."""

    class Meta:
        model = Module

    title = factory.Sequence(lambda n: f"Module {n}")
    slug = factory.Sequence(lambda n: f"module-{n}")
    summary = "A short summary."
    target_audience = "Dermatologists"
    estimated_minutes = 15
    body = "An article body."
    accreditation_statement = (
        "Demo CME Provider is accredited by the Accreditation Council for Continuing Medical "
        "Education (ACCME) to provide continuing medical education for physicians."
    )
    commercial_support = CommercialSupport.NONE
    release_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    expiration_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365)
    )
    last_reviewed_date = factory.SelfAttribute("release_date")
    status = ModuleStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class LearningObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningObjective

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Objective {n}")


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(int)
    citation = factory.Sequence(lambda n: f"Author A. Paper {n}. J Test. 2024;1:{n}.")
    doi = factory.Sequence(lambda n: f"10.1000/test.{n}")


class FacultyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacultyMember

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(int)
    name = factory.Sequence(lambda n: f"Faculty {n}")
    degrees = "MD"
    role = "author"
    disclosure_status = DisclosureStatus.NONE


class ModuleCreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModuleCredit

    module = factory.SubFactory(ModuleFactory)
    credit_type = factory.LazyFunction(ensure_ama_credit_type)
    max_credits = Decimal("0.25")


class PostTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostTest

    module = factory.SubFactory(ModuleFactory)


def post_test_with_questions(count: int = 5, *, module=None, kinds=None, **post_test_fields):
    """A published module whose post-test has `count` questions, written through the
    authoring function. Single-best-answer questions have choices A (correct), B, C, D."""
    from quizzes.authoring import add_question
    from quizzes.models import QuestionKind

    module = module or ModuleFactory()
    ModuleCreditFactory(module=module)
    objective = LearningObjectiveFactory(module=module)
    post_test = PostTestFactory(module=module, **post_test_fields)
    kinds = kinds or [QuestionKind.SINGLE_BEST_ANSWER] * count
    for n, kind in enumerate(kinds, start=1):
        if kind == QuestionKind.TRUE_FALSE:
            choices = [("True", True), ("False", False)]
        elif kind == QuestionKind.MULTIPLE_RESPONSE:
            choices = [("A", True), ("B", True), ("C", False), ("D", False)]
        else:
            choices = [("A", True), ("B", False), ("C", False), ("D", False)]
        add_question(
            post_test,
            objective=objective,
            kind=kind,
            stem=f"Question {n}?",
            rationale=f"Because of passage {n}.",
            choices=choices,
        )
    return post_test


def answers_for(attempt, *, correct: int | None = None) -> dict[int, list[int]]:
    """Answers to every item of `attempt`: the first `correct` items right (all if None),
    the rest wrong."""
    answers = {}
    for index, item in enumerate(attempt.items.order_by("position")):
        choices = list(item.question_version.choices.all())
        right = [c.pk for c in choices if c.is_correct]
        wrong = [c.pk for c in choices if not c.is_correct][:1]
        answers[item.pk] = right if correct is None or index < correct else wrong
    return answers
