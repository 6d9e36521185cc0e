import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from courses.models import ModuleStatus
from tests.factories import ModuleFactory, TopicFactory

pytestmark = pytest.mark.django_db


def titles(response):
    return [m.title for m in response.context["modules"]]


@time_machine.travel(datetime.datetime(2026, 11, 30, 13, 0, tzinfo=datetime.UTC), tick=False)
def test_the_catalog_lists_only_published_released_unexpired_modules(client):
    today = timezone.localdate()
    ModuleFactory(title="Open")
    ModuleFactory(title="Draft", status=ModuleStatus.DRAFT)
    ModuleFactory(title="Archived", status=ModuleStatus.ARCHIVED)
    ModuleFactory(
        title="Expired",
        release_date=today - datetime.timedelta(days=400),
        expiration_date=today - datetime.timedelta(days=1),
    )
    ModuleFactory(title="Not yet released", release_date=today + datetime.timedelta(days=3))
    ModuleFactory(title="Expires today", expiration_date=today)

    response = client.get(reverse("courses:catalog"))

    assert sorted(titles(response)) == ["Expires today", "Open"]


def test_the_catalog_searches_titles_case_insensitively(client):
    ModuleFactory(title="Nemolizumab eruptions")
    ModuleFactory(title="Dupilumab conjunctivitis")

    response = client.get(reverse("courses:catalog"), {"q": "NEMOLI"})

    assert titles(response) == ["Nemolizumab eruptions"]


def test_the_catalog_filters_by_topic(client):
    derm = TopicFactory(name="Dermatology", slug="dermatology")
    cardio = TopicFactory(name="Cardiology", slug="cardiology")
    ModuleFactory(title="Skin").topics.add(derm)
    ModuleFactory(title="Heart").topics.add(cardio)

    response = client.get(reverse("courses:catalog"), {"topic": "cardiology"})

    assert titles(response) == ["Heart"]
    assert [t.slug for t in response.context["topics"]] == ["cardiology", "dermatology"]


def test_a_search_that_finds_nothing_says_so(client):
    ModuleFactory(title="Skin")

    response = client.get(reverse("courses:catalog"), {"q": "zzz"})

    assert "No activities match “zzz”." in response.content.decode()


def test_the_catalog_is_paginated_ten_to_a_page_and_keeps_the_search(client):
    for n in range(23):
        ModuleFactory(title=f"Dermatology module {n:02d}")

    first = client.get(reverse("courses:catalog"), {"q": "dermatology"})
    third = client.get(reverse("courses:catalog"), {"q": "dermatology", "page": 3})

    assert len(titles(first)) == 10
    assert "Page 1 of 3" in first.content.decode()
    assert "?q=dermatology&amp;page=2" in first.content.decode()
    assert len(titles(third)) == 3


@pytest.mark.parametrize("page_number", ["999", "abc", "-1"])
def test_a_page_number_out_of_range_or_malformed_shows_a_valid_page(client, page_number):
    ModuleFactory()

    response = client.get(reverse("courses:catalog"), {"page": page_number})

    assert response.status_code == 200
    assert len(titles(response)) == 1
