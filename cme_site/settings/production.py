"""Production: DEBUG off, HTTPS, PostgreSQL. base.py stops start-up if a required
variable is missing.

HTTPS is on by default: HTTP is redirected to HTTPS, cookies are sent over HTTPS only and
browsers are told (HSTS) to use HTTPS for a year. Behind a proxy that terminates TLS, the
proxy must set `X-Forwarded-Proto: https`. `manage.py check --deploy` is clean with the
defaults (tests/cme_site/test_production.py).

CME_PLAIN_HTTP=true is for loopback testing only (`CME_PLAIN_HTTP=1 bin/serve`,
bench/load/): it turns off the HTTPS redirect and the secure-only cookies so that a
browser or a load generator on this machine can use http://127.0.0.1. Start-up refuses
it when DJANGO_ALLOWED_HOSTS names anything but loopback.
"""

import ipaddress
import os

# Debug pages never run in production, whatever a .env copied from .env.example says; with
# debug off, base.py demands a real secret key and host list.
os.environ["DJANGO_DEBUG"] = "false"

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, SILENCED_SYSTEM_CHECKS, env, stop_start_up


def is_loopback_host(host: str) -> bool:
    host = host.strip().removeprefix("[").removesuffix("]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


PLAIN_HTTP = env.bool("CME_PLAIN_HTTP", default=False)
if PLAIN_HTTP and not all(is_loopback_host(host) for host in ALLOWED_HOSTS):
    stop_start_up(
        "CME_PLAIN_HTTP is for loopback testing only; DJANGO_ALLOWED_HOSTS may then name "
        "only localhost, 127.0.0.1 or [::1]."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = not PLAIN_HTTP and env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = not PLAIN_HTTP
CSRF_COOKIE_SECURE = not PLAIN_HTTP
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Submitting a domain to the browsers' HSTS preload list is the domain owner's decision
# (it is hard to undo and covers every subdomain), so preload stays opt-in and the check
# that asks for it is silenced. DJANGO_SECURE_HSTS_PRELOAD=true turns it on.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]

# Persistent connections (DATABASE_CONN_MAX_AGE) are checked before reuse, so a connection
# closed by PostgreSQL or a pooler in between costs a reconnect, not a failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
