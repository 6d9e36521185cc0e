"""Rate limits on public, guessable or abusable endpoints, counted in the shared cache."""

import logging
from functools import wraps

from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def limit_rate(*, group: str, rate: str, key: str = "ip", method=ALL):
    """Answer 429 with a readable page once a client exceeds `rate` (e.g. "30/m").

    With key="ip", the client is the address `core.client_ip.client_ip` finds (settings'
    RATELIMIT_IP_META_KEY), so behind the TLS proxy each client has its own count.

    When the cache (Redis) is down the limit fails open: a site that cannot count must
    still let people verify certificates and log in.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                limited = is_ratelimited(
                    request, group=group, key=key, rate=rate, method=method, increment=True
                )
            except (RedisError, OSError) as exc:
                logger.warning("rate limit %s not counted, cache unavailable: %s", group, exc)
                limited = False
            if limited:
                return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
