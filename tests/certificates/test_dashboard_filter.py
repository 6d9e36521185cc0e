"""The activities the credit dashboard's filter offers."""

import pytest
from django.urls import reverse

from courses.models import ModuleStatus
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def option(module) -> str:
    return f'<option value="{module.pk}">{module.title} (ed. {module.edition})</option>'


def test_the_filter_offers_published_activities_but_not_archived_or_draft_ones(
    client, cme_administrator
):
    published = ModuleFactory(title="Atopic dermatitis update", status=ModuleStatus.PUBLISHED)
    ModuleFactory(title="Atopic dermatitis 2019", status=ModuleStatus.ARCHIVED)
    ModuleFactory(title="Atopic dermatitis draft", status=ModuleStatus.DRAFT)
    client.force_login(cme_administrator)

    html = client.get(reverse("certificates:dashboard")).content.decode()

    assert option(published) in html
    assert "Atopic dermatitis 2019" not in html
    assert "Atopic dermatitis draft" not in html


def test_a_link_that_names_an_archived_activity_still_shows_it_chosen(client, cme_administrator):
    archived = ModuleFactory(title="Atopic dermatitis 2019", status=ModuleStatus.ARCHIVED)
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:dashboard"), {"module": str(archived.pk)})

    assert response.context["errors"] == {}
    assert (
        f'<option value="{archived.pk}" selected>Atopic dermatitis 2019 (ed. 1)</option>'
        in response.content.decode()
    )
