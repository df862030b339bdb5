"""Origin check: only requests that came through the CDN, which adds a secret header, reach the API.

With ORIGIN_SECRET_ARN set, every HTTP request must carry `X-Origin-Verify` equal to the secret's
current value (stage AWSCURRENT) or its previous one (AWSPREVIOUS, so that requests signed with
the old value keep working while a rotation reaches the CDN); any other request is answered 403
{"detail": "forbidden"} before any route runs. Without ORIGIN_SECRET_ARN (local runs, tests,
containers behind a load balancer that checks the header itself) there is no check.

The values are cached for five minutes. A header that matches neither makes the middleware read
the secret again, but Secrets Manager is called at most once a minute in all (so a rotation is
picked up within a minute and a flood of bad headers costs nothing). When it cannot be read, the
values last read stay in use; before any was read, requests get 503.
"""

from __future__ import annotations

import enum
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import anyio.to_thread
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

HEADER = "X-Origin-Verify"
TTL_SECONDS = 300.0
RECHECK_SECONDS = 60.0


class Verdict(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    UNAVAILABLE = "unavailable"  # the secret could not be read yet
    REFRESH = "refresh"  # read the secret first (only from `check`)


@lru_cache(maxsize=1)
def _secretsmanager() -> Any:
    import boto3  # noqa: PLC0415 - imported lazily: only needed on AWS (the Lambda runtime has it)

    return boto3.client("secretsmanager")


def read_origin_secret(arn: str, client: Any = None) -> list[str]:
    """The secret's AWSCURRENT value, then its AWSPREVIOUS one when there is one (there is none
    before the first rotation)."""
    client = client or _secretsmanager()
    values = [client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"]]
    try:
        values.append(client.get_secret_value(SecretId=arn, VersionStage="AWSPREVIOUS")["SecretString"])
    except client.exceptions.ResourceNotFoundException:
        pass
    return values


class OriginSecret:
    """The accepted header values, read through `fetch` (a blocking call) and cached.

    `check` decides from the cache alone; when it answers REFRESH, `refresh_and_check` (to be run
    off the event loop) reads the secret and decides. Thread-safe: one read at a time.
    """

    def __init__(
        self, fetch: Callable[[], Iterable[str]], *, clock: Callable[[], float] = time.monotonic,
        ttl: float = TTL_SECONDS, recheck: float = RECHECK_SECONDS,
    ):
        self._fetch, self._clock, self.ttl, self.recheck = fetch, clock, ttl, recheck
        self._values: tuple[bytes, ...] | None = None  # None until read once
        self._fetched_at = 0.0  # last successful read
        self._attempted_at: float | None = None  # last read, successful or not
        self._lock = threading.Lock()
        self.reads = 0  # Secrets Manager reads so far

    @classmethod
    def for_arn(cls, arn: str, **kwargs: Any) -> OriginSecret:
        return cls(lambda: read_origin_secret(arn), **kwargs)

    def _matches(self, presented: bytes, values: tuple[bytes, ...]) -> bool:
        matched = False
        for value in values:  # every value compared, each in constant time
            matched |= hmac.compare_digest(presented, value)
        return matched

    def check(self, presented: bytes) -> Verdict:
        """The verdict from the cached values, or REFRESH when the secret is to be read first: not
        read yet, older than the TTL, or not matched; never more than once per `recheck` seconds."""
        values, now = self._values, self._clock()
        matched = bool(presented) and values is not None and self._matches(presented, values)
        recently_read = self._attempted_at is not None and now - self._attempted_at < self.recheck
        if not recently_read and (values is None or now - self._fetched_at >= self.ttl or not matched):
            return Verdict.REFRESH
        if values is None:
            return Verdict.UNAVAILABLE
        return Verdict.ALLOW if matched else Verdict.DENY

    def refresh_and_check(self, presented: bytes) -> Verdict:
        """Reads the secret if still needed (another thread may just have), then decides."""
        with self._lock:
            verdict = self.check(presented)
            if verdict is not Verdict.REFRESH:
                return verdict
            now = self._clock()
            self._attempted_at = now
            self.reads += 1
            try:
                values = tuple(v.strip().encode() for v in self._fetch() if v and v.strip())
            except Exception:
                log.exception("reading the origin secret failed; keeping the values read before")
            else:
                if not values:
                    log.error("the origin secret is empty: every request will be refused")
                self._values, self._fetched_at = values, now
            if self._values is None:
                return Verdict.UNAVAILABLE
            return Verdict.ALLOW if presented and self._matches(presented, self._values) else Verdict.DENY

    def verify(self, presented: bytes) -> Verdict:
        """`check`, reading the secret when needed (blocking)."""
        verdict = self.check(presented)
        return self.refresh_and_check(presented) if verdict is Verdict.REFRESH else verdict


class OriginCheckMiddleware:
    """Pure ASGI middleware: refuses HTTP (and WebSocket) requests without the origin header."""

    def __init__(self, app: ASGIApp, secret: OriginSecret, header: str = HEADER):
        self.app, self.secret = app, secret
        self.header = header.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        presented = [value for name, value in scope["headers"] if name == self.header]
        verdict = Verdict.DENY
        if len(presented) == 1 and presented[0]:
            verdict = self.secret.check(presented[0])
            if verdict is Verdict.REFRESH:
                verdict = await anyio.to_thread.run_sync(self.secret.refresh_and_check, presented[0])
        if verdict is Verdict.ALLOW:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if verdict is Verdict.UNAVAILABLE:
            response = JSONResponse({"detail": "origin check unavailable"}, status_code=503)
        else:
            response = JSONResponse({"detail": "forbidden"}, status_code=403)
        await response(scope, receive, send)
