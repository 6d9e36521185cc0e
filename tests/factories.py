"""Factories for test data. Business steps (adding questions, recording disclosures) go
through the domain functions instead, as the product does."""

import base64
import datetime
import hashlib
import hmac
import struct
import time
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from accounts.models import Designation, Profile, User
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
from demo.content import ensure_ama_credit_type
from quizzes.models import PostTest

# The secret of the authenticator app the factory sets up for staff (base32, as apps take it).
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = STAFF_TOTP_SECRET, *, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for `secret` at time `at` (now if None):
    RFC 6238 with 30-second steps and HMAC-SHA1, computed here independently of allauth."""
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


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

    @factory.post_generation
    def email_confirmed(obj, create, extracted, **kwargs):
        """The address is confirmed (as after following the sign-up link) unless the test
        passes `email_confirmed=False`."""
        if create and extracted is not False:
            EmailAddress.objects.create(
                user=obj, email=obj.email.lower(), primary=True, verified=True
            )

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        """Staff (`is_staff` or `is_superuser`) have an authenticator app set up with
        STAFF_TOTP_SECRET, as the site requires; `totp=False` leaves it out, `totp=True`
        gives a learner one."""
        wanted = extracted if extracted is not None else (obj.is_staff or obj.is_superuser)
        if create and wanted:
            TOTP.activate(obj, STAFF_TOTP_SECRET)


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
    pars_activity_id = factory.Sequence(lambda n: f"{200000000 + n:09d}")
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
