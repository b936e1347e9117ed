"""The shared cache, forgiving: when Redis is down a read misses and a write is dropped (and logged),
so the public site keeps serving every page and staff writes still succeed (issue 14, faults). What
the cache holds here (throttle counts) is worth less than an answer; throttling resumes with Redis."""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _forgiving(method, fallback):
    @wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _DOWN:
            logger.warning("cache unreachable: %s skipped", method.__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    return wrapper


class ForgivingRedisCache(RedisCache):
    get = _forgiving(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _forgiving(RedisCache.get_many, lambda *args, **kwargs: {})
    has_key = _forgiving(RedisCache.has_key, False)
    set = _forgiving(RedisCache.set, None)
    set_many = _forgiving(RedisCache.set_many, lambda *args, **kwargs: [])
    add = _forgiving(RedisCache.add, False)
    touch = _forgiving(RedisCache.touch, False)
    delete = _forgiving(RedisCache.delete, False)
    delete_many = _forgiving(RedisCache.delete_many, None)
    incr = _forgiving(RedisCache.incr, lambda key, delta=1, version=None: delta)
    clear = _forgiving(RedisCache.clear, None)
