"""Process-wide singletons (settings, database, cache, provider), used as FastAPI dependencies."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from app.cache import Cache
from app.config import Settings
from app.db import Database
from app.providers import Provider, build_provider


@lru_cache
def get_settings() -> Settings:
    return Settings.from_env()


@lru_cache
def get_db() -> Database:
    return Database(get_settings().dsn)


@lru_cache
def get_cache() -> Cache:
    return Cache(get_settings().redis_url)


@lru_cache
def get_provider() -> Provider:
    return build_provider(get_settings())


def get_now() -> datetime:
    """The time a request is answered at (tests pin it)."""
    return datetime.now(UTC)


def reset() -> None:
    """Close the pool and forget all singletons (tests, or after changing the environment)."""
    if get_db.cache_info().currsize:
        get_db().close()
    for factory in (get_settings, get_db, get_cache, get_provider):
        factory.cache_clear()
