"""A learner whose profile gives no profession is told on the claim page why no credit of
their own is offered, and where to say it (issue 12, "Rough edges a newcomer met")."""

import pytest
from django.urls import reverse

from accounts.models import Profile

pytestmark = pytest.mark.django_db

NO_DESIGNATION = (
    "Your profile does not say your profession, so we cannot tell which credit is yours. "
    '<a class="alert-link" href="/accounts/profile/">Add your professional designation to '
    "your profile</a>, then come back to claim."
)


def test_a_learner_without_a_designation_is_told_why_and_sent_to_the_profile(
    client, evaluated_learner, module
):
    Profile.objects.filter(user=evaluated_learner).update(designation="")
    client.force_login(evaluated_learner)

    html = client.get(reverse("certificates:claim", kwargs={"slug": module.slug})).content.decode()

    assert NO_DESIGNATION in html


def test_a_learner_with_a_designation_is_not_told_to_add_one(client, evaluated_learner, module):
    client.force_login(evaluated_learner)

    html = client.get(reverse("certificates:claim", kwargs={"slug": module.slug})).content.decode()

    assert "Your profile does not say your profession" not in html
