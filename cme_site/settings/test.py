"""The test suite: PostgreSQL and Redis, as in production.

DATABASE_URL and CELERY_BROKER_URL may be overridden; the defaults match what bin/test
starts on loopback.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
# A provider ID of the right shape, so that PARS records can be written in tests.
os.environ.setdefault("CME_ACCME_PROVIDER_ID", "1234567")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/cme")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")
# A worker or web subprocess in the tests may be given a folder of its own (tests/ops);
# checked before base.py reads .env, so a developer's .env does not move the tests' files.
_OWN_MEDIA_ROOT = "MEDIA_ROOT" in os.environ

from .base import *  # noqa: E402, F403
from .base import BASE_DIR, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if "EMAIL_URL" not in os.environ:  # a worker subprocess in the tests writes files instead
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not _OWN_MEDIA_ROOT:
    MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the apps' folders, as in development; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
