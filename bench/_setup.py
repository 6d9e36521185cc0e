"""What every benchmark here shares: the repository on the import path, a fresh PostgreSQL
database of its own on loopback, and the environment that points Django at it."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PG = "postgres://postgres:postgres@127.0.0.1:5432"


def bench_env(database: str, **extra: str) -> dict[str, str]:
    """Environment variables for Django (local settings, DEBUG off) on `database`."""
    return {
        "DJANGO_SETTINGS_MODULE": "cme_site.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{PG}/{database}",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def fresh_database(name: str) -> None:
    """Drop and create `name`, so every run starts from nothing."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
