"""Who is asking: the key a visitor's browser made for its watchlist, and limits on their writes.

The key (random, made and kept by the browser) comes in the X-Watchlist-Key header; only its SHA-256
is stored, so the database holds no usable key. Writes are counted per key and per client address
in fixed one-minute windows in Redis (in this process when Redis is down)."""

from __future__ import annotations

import hashlib
import re
import threading
import time

import redis
from starlette.requests import Request

from app.cache import PREFIX, Cache

HEADER = "X-Watchlist-Key"
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
WINDOW = 60
# writes per minute: per watchlist key, and per client address (a key is free to make)
LIMITS = {"key": 30, "address": 120}


class MissingKey(Exception):
    """No valid watchlist key (HTTP 401)."""


class RateLimited(Exception):
    """Too many writes (HTTP 429), with seconds to wait."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many watchlist changes; try again in {retry_after} s")
        self.retry_after = retry_after


def owner(key: str | None) -> str:
    """The stored owner of the watchlist a key opens."""
    if not key or not KEY_RE.fullmatch(key):
        raise MissingKey(
            f"this needs the {HEADER} header: 22-64 letters, digits, '-' or '_' that your browser keeps "
            "(the page makes one)"
        )
    return hashlib.sha256(key.encode()).hexdigest()


def client_address(request: Request) -> str:
    """Who a write is counted against: behind CloudFront (the origin secret checked) the viewer's
    address from CloudFront-Viewer-Address ("IP:port", which the API's origin request policy
    forwards and a viewer cannot set), else the connection's (API Gateway's sourceIp on Lambda)."""
    viewer = request.headers.get("cloudfront-viewer-address", "")
    if viewer and getattr(request.app.state, "behind_cloudfront", False):
        return viewer.rsplit(":", 1)[0]
    return request.client.host if request.client else "unknown"


_local: dict[str, int] = {}
_local_lock = threading.Lock()


def _count(cache: Cache, key: str) -> int:
    """Increment a window's counter; Redis shares it between processes, this process is the fallback."""
    if cache.client is not None:
        try:
            pipe = cache.client.pipeline()
            pipe.incr(PREFIX + key)
            pipe.expire(PREFIX + key, 2 * WINDOW)
            return int(pipe.execute()[0])
        except redis.RedisError:
            pass
    with _local_lock:
        if len(_local) > 10_000:
            _local.clear()
        _local[key] = _local.get(key, 0) + 1
        return _local[key]


def check_write(cache: Cache, owner_id: str, address: str, now: float | None = None) -> None:
    """Count a write by `owner_id` from `address`; RateLimited when either is over its limit."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    for kind, who in (("key", owner_id), ("address", address)):
        if _count(cache, f"writes:{kind}:{who}:{window}") > LIMITS[kind]:
            raise RateLimited(WINDOW * (window + 1) - int(now))
