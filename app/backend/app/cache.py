"""Redis-backed JSON cache; a broken or missing Redis only disables caching."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import TypeVar

import redis
from pydantic import TypeAdapter

T = TypeVar("T")
log = logging.getLogger(__name__)
PREFIX = "fintech:v1:"


@cache
def _adapter(type_: object) -> TypeAdapter:
    return TypeAdapter(type_)


class Cache:
    def __init__(self, url: str):
        self.client = (
            redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0) if url else None
        )

    def get_or_set(self, key: str, ttl: int, type_: type[T] | object, fetch: Callable[[], T]) -> T:
        """Return the cached value for key, or fetch it and cache it for ttl seconds."""
        adapter = _adapter(type_)
        if self.client is not None:
            try:
                if (raw := self.client.get(PREFIX + key)) is not None:
                    return adapter.validate_json(raw)
            except redis.RedisError as exc:
                log.warning("cache read failed for %s: %s", key, exc)
        value = fetch()
        if self.client is not None:
            try:
                self.client.set(PREFIX + key, adapter.dump_json(value), ex=ttl)
            except redis.RedisError as exc:
                log.warning("cache write failed for %s: %s", key, exc)
        return value

    def ping(self) -> None:
        if self.client is None:
            raise RuntimeError("REDIS_URL is not set")
        self.client.ping()
