"""Redis-backed JSON cache; a broken or missing Redis only disables caching."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import TypeVar
from urllib.parse import urlsplit

import redis
from pydantic import TypeAdapter

T = TypeVar("T")
log = logging.getLogger(__name__)
PREFIX = "fintech:v1:"


@cache
def _adapter(type_: object) -> TypeAdapter:
    return TypeAdapter(type_)


def ca_bundle() -> str | None:
    """certifi's CA bundle when it is installed (it comes with httpx), else None: the system's."""
    try:
        import certifi  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return certifi.where()


def make_client(url: str) -> redis.Redis:
    """A client for url; for rediss:// (ElastiCache with in-transit encryption) one that checks
    the server's certificate chain and host name.

    redis-py 8 already defaults to ssl_cert_reqs="required" and ssl_check_hostname=True with the
    system's CA store; they are set explicitly here, after the URL's own query options (which
    redis-py would otherwise let override them, e.g. `?ssl_cert_reqs=none`), so no URL can turn
    verification off. A URL may still name its own CA file (`?ssl_ca_certs=/path`).
    """
    client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    if urlsplit(url).scheme == "rediss":
        pool = client.connection_pool
        pool.update_connection_kwargs(
            ssl_cert_reqs="required", ssl_check_hostname=True,
            ssl_ca_certs=pool.connection_kwargs.get("ssl_ca_certs") or ca_bundle(),
        )
    return client


class Cache:
    def __init__(self, url: str):
        self.client = make_client(url) if url else None

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
