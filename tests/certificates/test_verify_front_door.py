"""The front door to verification: /verify/ looks a certificate up by its number or its
verification code, and every page that might send someone there links to it."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from certificates.issuance import issue_certificate
from tests.certificates.conftest import claim

pytestmark = pytest.mark.django_db

LOOKUP = reverse("certificates:verify_lookup")
NOT_FOUND = (
    "No certificate has this number or verification code. Check it against the certificate: "
    "numbers look like CME-2026-1A2B3C4D."
)


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issued_certificate(evaluated_learner, module):
    certificate = claim(evaluated_learner, module).certificates.get()
    return issue_certificate(certificate.pk)


def look_up(client, text):
    return client.get(LOOKUP, {"certificate": text})


def test_the_front_door_is_a_form_asking_for_the_number_or_code(client):
    response = client.get(LOOKUP)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h2 mb-3">Verify a certificate</h1>' in html
    assert '<form method="get" action="/verify/"' in html
    assert "Certificate number or verification code" in html
    assert NOT_FOUND not in html


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(lambda c: c.number, id="number"),
        pytest.param(lambda c: f"  {c.number.lower()}\t", id="number-in-lower-case-with-spaces"),
        pytest.param(lambda c: c.verification_code, id="verification-code"),
        pytest.param(
            lambda c: f"https://cme.example.org{c.get_verification_path()}", id="pasted-link"
        ),
    ],
)
def test_a_number_or_code_leads_to_the_certificates_verification_page(
    client, issued_certificate, typed
):
    response = look_up(client, typed(issued_certificate))

    assert response.status_code == 302
    assert response.url == issued_certificate.get_verification_path()


def test_an_unknown_number_and_an_unknown_code_get_the_same_answer_from_one_query(
    client, issued_certificate, django_assert_num_queries
):
    unknown_number = "CME-2026-00000000"
    unknown_code = "x" * len(issued_certificate.verification_code)

    with django_assert_num_queries(1):
        by_number = look_up(client, unknown_number)
    with django_assert_num_queries(1):
        by_code = look_up(client, unknown_code)

    assert by_number.status_code == by_code.status_code == 404
    number_page = by_number.content.decode()
    code_page = by_code.content.decode()
    assert NOT_FOUND in number_page
    assert number_page.replace(unknown_number, "?") == code_page.replace(unknown_code, "?")
    assert issued_certificate.number not in number_page  # nothing is listed


def test_the_verification_code_is_matched_exactly(client, issued_certificate):
    """Codes are case-sensitive random strings; only numbers are matched in any case."""
    response = look_up(client, issued_certificate.verification_code.swapcase())

    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def test_an_empty_search_asks_for_the_number(client):
    response = look_up(client, "   ")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the certificate number or verification code printed on the certificate." in html
    assert NOT_FOUND not in html


def test_a_mistyped_verification_link_offers_the_form_with_what_was_typed(client):
    response = client.get(reverse("certificates:verify", kwargs={"code": "mistyped-code"}))

    html = response.content.decode()
    assert response.status_code == 404
    assert NOT_FOUND in html
    assert '<form method="get" action="/verify/"' in html
    assert 'value="mistyped-code"' in html


def test_the_front_door_and_the_verification_pages_share_one_rate_limit(client):
    statuses = [look_up(client, f"CME-2026-{n:08d}").status_code for n in range(30)]
    then_front_door = look_up(client, "CME-2026-99999999").status_code
    then_verification_page = client.get(
        reverse("certificates:verify", kwargs={"code": "guess"})
    ).status_code

    assert statuses == [404] * 30
    assert then_front_door == then_verification_page == 429


def test_the_footer_links_to_the_front_door(client):
    html = client.get(reverse("courses:catalog")).content.decode()

    assert '<a href="/verify/">Verify a certificate</a>' in html


def test_the_page_not_found_links_to_the_front_door(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert (
        '<p>Checking a certificate? <a href="/verify/">Verify it by its number or verification '
        "code</a>.</p>"
    ) in response.content.decode()


def test_the_certificate_page_gives_the_verification_link_in_full_and_the_front_door(
    client, issued_certificate, settings
):
    settings.SITE_URL = "https://cme.example.org/"
    client.force_login(issued_certificate.claim.learner)
    url = "https://cme.example.org" + issued_certificate.get_verification_path()

    html = client.get(issued_certificate.get_absolute_url()).content.decode()

    assert f'<a class="text-break" href="{url}">{url}</a>' in html
    assert 'Anyone can also <a href="/verify/">verify a certificate</a> by its number.' in html
