"""Start-up refuses a production configuration that lacks a required variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def start_django(settings_module: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": settings_module, **env_vars}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_a_secret_key_stops_with_one_line_naming_the_variable():
    result = start_django("cme_site.settings.production", DJANGO_ALLOWED_HOSTS="cme.example.org")

    assert result.returncode == 1
    assert result.stderr == (
        "Configuration error: set DJANGO_SECRET_KEY (it is required when DJANGO_DEBUG is off).\n"
    )


def test_production_without_allowed_hosts_stops_with_one_line_naming_the_variable():
    result = start_django("cme_site.settings.production", DJANGO_SECRET_KEY="s" * 50)

    assert result.returncode == 1
    assert result.stderr == (
        "Configuration error: set DJANGO_ALLOWED_HOSTS (it is required when DJANGO_DEBUG is off).\n"
    )


def test_local_settings_start_with_embedded_defaults():
    result = start_django("cme_site.settings.local")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "started\n"


def test_local_settings_with_debug_off_also_demand_a_secret_key():
    result = start_django("cme_site.settings.local", DJANGO_DEBUG="false")

    assert result.returncode == 1
    assert "set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("", "django.db.backends.sqlite3"),
        ("postgres://u:p@127.0.0.1:5432/cme", "django.db.backends.postgresql"),
    ],
)
def test_database_url_chooses_the_database(url, engine):
    env = {"DATABASE_URL": url} if url else {}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'])",
        ],
        cwd=REPO,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "cme_site.settings.local",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.strip() == engine, result.stderr
