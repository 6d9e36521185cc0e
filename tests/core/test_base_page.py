"""What every page carries from templates/base.html."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_links_the_sites_own_favicon(client):
    html = client.get(reverse("courses:catalog")).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_the_favicon_is_an_svg_served_from_the_sites_static_files(client):
    path = finders.find("favicon.svg")

    assert path is not None
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
