"""The origin check: with ORIGIN_SECRET_ARN set, only requests carrying the secret header reach a route."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from mangum import Mangum

from app import deps, origin
from app.config import Settings
from app.main import create_app
from app.origin import OriginCheckMiddleware, OriginSecret, Verdict, read_origin_secret
from tests.test_lambda import Context, http_api_event

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:fintech-origin-AbCdEf"
FORBIDDEN = {"detail": "forbidden"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Secret:
    """Stands in for Secrets Manager: the values it would return (current first), and the reads."""

    def __init__(self, *values: str) -> None:
        self.values, self.reads = list(values), 0

    def __call__(self) -> Iterable[str]:
        self.reads += 1
        if isinstance(self.values, Exception):
            raise self.values
        return list(self.values)


def checked_client(secret: Secret, clock: Clock | None = None) -> TestClient:
    settings = Settings.from_env({"ORIGIN_SECRET_ARN": ARN})
    return TestClient(create_app(settings, origin_secret=OriginSecret(secret, clock=clock or Clock())))


def watchlist_size() -> int:
    with deps.get_db().connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM watchlist").fetchone()["n"]


def hdr(value: str) -> dict[str, str]:
    """The origin header, and a watchlist key (its check runs after the origin's)."""
    return {"X-Origin-Verify": value, "X-Watchlist-Key": "origin-test-key-0123456789"}


def test_missing_or_wrong_header_is_403_and_no_route_runs():
    client = checked_client(Secret("current-token", "previous-token"))
    for headers in ({}, hdr("wrong-token"), hdr(""), hdr("current-token-but-longer"), hdr("CURRENT-TOKEN")):
        response = client.post("/api/watchlist", json={"symbol": "AAPL"}, headers=headers)
        assert (response.status_code, response.json()) == (403, FORBIDDEN), headers
        assert client.get("/api/health", headers=headers).status_code == 403
    assert watchlist_size() == 0  # the route never ran


def test_current_and_previous_values_are_accepted():
    client = checked_client(Secret("current-token", "previous-token"))
    assert client.post("/api/watchlist", json={"symbol": "AAPL"}, headers=hdr("current-token")).status_code == 201
    assert client.post("/api/watchlist", json={"symbol": "MSFT"}, headers=hdr("previous-token")).status_code == 201
    response = client.get("/api/health", headers=hdr("current-token"))
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    assert watchlist_size() == 2


def test_two_headers_are_refused_even_if_one_matches():
    client = checked_client(Secret("current-token"))
    response = client.get("/api/health", headers=[("X-Origin-Verify", "current-token"), ("X-Origin-Verify", "x")])
    assert response.status_code == 403


def test_no_check_without_origin_secret_arn(client):
    application = create_app(Settings.from_env({}))
    assert not [m for m in application.user_middleware if m.cls is OriginCheckMiddleware]
    assert TestClient(application).get("/api/health").status_code == 200
    assert client.get("/api/health").status_code == 200  # the app built from the test environment
    checked = create_app(Settings.from_env({"ORIGIN_SECRET_ARN": ARN}), origin_secret=OriginSecret(Secret("t")))
    assert [m for m in checked.user_middleware if m.cls is OriginCheckMiddleware]


def test_secrets_manager_is_not_called_per_request():
    secret, clock = Secret("current-token"), Clock()
    client = checked_client(secret, clock)
    for second in range(0, 290, 10):
        clock.now = 1000.0 + second
        assert client.get("/api/search", params={"q": "app"}, headers=hdr("current-token")).status_code == 200
        assert client.get("/api/search", params={"q": "app"}, headers=hdr("wrong")).status_code == 403
    assert secret.reads == 5  # 58 requests over ~5 minutes: the first read, then one a minute
    secret.reads = 0
    for _ in range(50):  # a burst of bad headers within a minute: no read at all
        assert client.get("/api/health", headers=hdr("wrong")).status_code == 403
    assert secret.reads == 0


def test_values_are_read_again_after_five_minutes():
    secret, clock = Secret("current-token"), Clock()
    client = checked_client(secret, clock)
    assert client.get("/api/health", headers=hdr("current-token")).status_code == 200
    clock.now += 299
    assert client.get("/api/health", headers=hdr("current-token")).status_code == 200
    assert secret.reads == 1
    secret.values = ["rotated-token"]  # rotated, and the old value dropped from AWSPREVIOUS as well
    clock.now += 1
    assert client.get("/api/health", headers=hdr("current-token")).status_code == 403
    assert secret.reads == 2


def test_rotation_is_picked_up_after_the_reread_interval():
    secret, clock = Secret("token-1"), Clock()
    client = checked_client(secret, clock)
    assert client.get("/api/health", headers=hdr("token-1")).status_code == 200
    assert secret.reads == 1

    secret.values = ["token-2", "token-1"]  # rotated: AWSCURRENT token-2, AWSPREVIOUS token-1
    clock.now += 30  # the CDN already sends token-2, but the last read is only 30 s old
    assert client.get("/api/health", headers=hdr("token-2")).status_code == 403
    assert secret.reads == 1
    clock.now += 30  # a minute since the last read: a mismatch reads again
    assert client.get("/api/health", headers=hdr("token-2")).status_code == 200
    assert client.get("/api/health", headers=hdr("token-1")).status_code == 200  # previous: still fine
    assert secret.reads == 2

    secret.values = ["token-3", "token-2"]
    clock.now += 5
    assert client.get("/api/health", headers=hdr("token-1")).status_code == 200  # cached, no read
    assert client.get("/api/health", headers=hdr("token-3")).status_code == 403  # read 5 s ago
    assert secret.reads == 2
    clock.now += 60
    assert client.get("/api/health", headers=hdr("token-3")).status_code == 200
    assert client.get("/api/health", headers=hdr("token-1")).status_code == 403  # two rotations old
    assert secret.reads == 3


def test_secrets_manager_failures():
    secret, clock = Secret(), Clock()
    secret.values = RuntimeError("throttled")  # type: ignore[assignment]
    client = checked_client(secret, clock)
    response = client.get("/api/health", headers=hdr("token-1"))
    assert (response.status_code, response.json()) == (503, {"detail": "origin check unavailable"})
    assert client.get("/api/health").status_code == 403  # no header: refused without a read
    assert client.get("/api/health", headers=hdr("token-1")).status_code == 503
    assert secret.reads == 1  # failures are retried at most once a minute too

    clock.now += 60
    secret.values = ["token-1"]
    assert client.get("/api/health", headers=hdr("token-1")).status_code == 200
    clock.now += 600
    secret.values = RuntimeError("unreachable")  # type: ignore[assignment]
    assert client.get("/api/health", headers=hdr("token-1")).status_code == 200  # the values read before
    assert secret.reads == 3


def test_an_empty_secret_accepts_nothing():
    secret = OriginSecret(Secret("", "  "), clock=Clock())
    assert secret.verify(b"") is Verdict.DENY
    assert secret.verify(b"  ") is Verdict.DENY


class NotFoundError(Exception):
    pass


class FakeSecretsManager:
    """boto3's secretsmanager client, as far as read_origin_secret uses it."""

    exceptions = SimpleNamespace(ResourceNotFoundException=NotFoundError)

    def __init__(self, stages: dict[str, str]) -> None:
        self.stages, self.calls = stages, []

    def get_secret_value(self, **params: str) -> dict[str, str]:
        arn, stage = params.pop("SecretId"), params.pop("VersionStage")
        assert not params
        self.calls.append((arn, stage))
        if stage not in self.stages:
            raise NotFoundError(f"Secrets Manager can't find the specified secret value for staging label: {stage}")
        return {"ARN": arn, "SecretString": self.stages[stage]}


def test_read_origin_secret_reads_current_and_previous():
    sm = FakeSecretsManager({"AWSCURRENT": "new", "AWSPREVIOUS": "old"})
    assert read_origin_secret(ARN, sm) == ["new", "old"]
    assert sm.calls == [(ARN, "AWSCURRENT"), (ARN, "AWSPREVIOUS")]
    never_rotated = FakeSecretsManager({"AWSCURRENT": "only"})
    assert read_origin_secret(ARN, never_rotated) == ["only"]


def test_origin_secret_arn_from_the_environment_uses_secrets_manager(monkeypatch):
    sm = FakeSecretsManager({"AWSCURRENT": "new", "AWSPREVIOUS": "old"})
    monkeypatch.setattr(origin, "_secretsmanager", lambda: sm)
    client = TestClient(create_app(Settings.from_env({"ORIGIN_SECRET_ARN": ARN})))
    assert client.get("/api/health").status_code == 403
    assert client.get("/api/health", headers=hdr("new")).status_code == 200
    assert client.get("/api/health", headers=hdr("old")).status_code == 200
    assert sm.calls == [(ARN, "AWSCURRENT"), (ARN, "AWSPREVIOUS")]


@pytest.mark.parametrize(("value", "status"), [("lambda-token", 200), ("nope", 403), (None, 403)])
def test_origin_check_through_lambda(value, status):
    handler = Mangum(create_app(Settings.from_env({"ORIGIN_SECRET_ARN": ARN}),
                                origin_secret=OriginSecret(Secret("lambda-token"))), lifespan="off")
    event = http_api_event("GET", "/api/health")
    if value is not None:
        event["headers"]["x-origin-verify"] = value  # API Gateway passes it on lower-cased
    result = handler(event, Context())
    assert result["statusCode"] == status
