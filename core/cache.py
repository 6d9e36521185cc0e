"""The shared cache holds only counters (rate limits: django-ratelimit's and allauth's), so
when Redis is down the site must go on without them: a site that cannot count still lets
people log in, sign up and verify certificates. This backend answers as an empty cache
that accepts every write, and logs a warning, instead of raising."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisError, OSError)


def _fail_open(name: str, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except UNAVAILABLE as exc:
            logger.warning("cache unavailable (%s): %s; going on without it", name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    method.__doc__ = f"RedisCache.{name}, answering as an empty cache when Redis is down."
    return method


def _default(key, default=None, *args, **kwargs):
    return default


def _delta(key, delta=1, *args, **kwargs):
    return delta


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache that fails open: reads find nothing, `add` succeeds (as for a
    new key), increments return the increment, other writes do nothing."""

    get = _fail_open("get", _default)
    get_many = _fail_open("get_many", {})
    has_key = _fail_open("has_key", False)
    add = _fail_open("add", True)
    set = _fail_open("set", None)
    set_many = _fail_open("set_many", [])
    touch = _fail_open("touch", False)
    incr = _fail_open("incr", _delta)
    decr = _fail_open("decr", _delta)
    delete = _fail_open("delete", False)
    delete_many = _fail_open("delete_many", None)
    clear = _fail_open("clear", None)
