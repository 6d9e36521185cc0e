"""The production configuration: deployment checks pass with its defaults, debug pages never
run, plain HTTP is an opt-in for loopback only, and error pages show no internals."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import path
from django.views.defaults import server_error

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = "cme_site.settings.production"
INTERNAL_DETAIL = "internal detail that must not reach the page"


def production_env(**env_vars: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "cme.example.org",
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/cme"
        ),
        **env_vars,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(names: list[str], **env_vars: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(*(getattr(settings, name) for name in {names!r}))"
    )
    return run(["-c", code], production_env(**env_vars))


def test_deploy_checks_pass_with_the_production_defaults():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_serves_https_only_by_default():
    names = ["DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]

    result = production_settings(names)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "False True True True\n"


def test_debug_stays_off_in_production_even_when_the_environment_turns_it_on():
    result = production_settings(["DEBUG"], DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\n"


def test_plain_http_opt_in_turns_off_the_redirect_and_secure_cookies_on_loopback():
    names = ["DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]

    result = production_settings(
        names, CME_PLAIN_HTTP="1", DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,[::1]"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "False False False False\n"


def test_plain_http_is_refused_when_the_site_answers_to_a_public_host():
    result = production_settings(
        ["DEBUG"], CME_PLAIN_HTTP="1", DJANGO_ALLOWED_HOSTS="127.0.0.1,cme.example.org"
    )

    assert result.returncode == 1
    assert result.stderr == (
        "Configuration error: CME_PLAIN_HTTP is for loopback testing only; "
        "DJANGO_ALLOWED_HOSTS may then name only localhost, 127.0.0.1 or [::1].\n"
    )


def test_server_error_page_asks_to_try_again_without_a_stack_trace():
    request = RequestFactory().get("/modules/some-module/")
    try:
        raise RuntimeError(INTERNAL_DETAIL)
    except RuntimeError:
        response = server_error(request)

    page = response.content.decode()
    assert response.status_code == 500
    assert '<h1 class="h2">Something went wrong on our side</h1>' in page
    assert "Please try again in a moment." in page
    assert "Traceback" not in page
    assert INTERNAL_DETAIL not in page


def failing_view(request):
    raise RuntimeError(INTERNAL_DETAIL)


urlpatterns = [path("fails/", failing_view)]


@pytest.mark.urls(__name__)
def test_a_view_that_raises_answers_with_the_friendly_500_page(client):
    client.raise_request_exception = False

    response = client.get("/fails/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "Please try again in a moment." in page
    assert INTERNAL_DETAIL not in page
    assert "Traceback" not in page


@pytest.mark.django_db
def test_unknown_page_answers_404_with_a_link_to_the_catalog(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    page = response.content.decode()
    assert '<h1 class="h2">Page not found</h1>' in page
    assert '<a href="/">Browse the catalog of modules</a>' in page
