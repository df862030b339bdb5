"""HTTP API tests against real PostgreSQL and Redis, with the offline sample provider."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

import httpx
import pytest

from app import deps
from app.main import app
from app.providers import FinancialModelingPrep, Provider, ProviderError, SampleProvider

ALICE = {"X-Watchlist-Key": "alice-0123456789abcdefghij"}
BOB = {"X-Watchlist-Key": "bob-0123456789abcdefghijkl"}


def test_health_reports_database_and_redis(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "provider": "sample"}


class Counting(SampleProvider):
    """The sample provider, counting the calls made to it."""

    calls: ClassVar[list[str]] = []

    def quote(self, symbol):
        self.calls.append(f"quote {symbol}")
        return super().quote(symbol)

    def history(self, symbol, days):
        self.calls.append(f"history {symbol}")
        return super().history(symbol, days)


def test_quote_is_normalised_and_stored(client):
    Counting.calls.clear()
    app.dependency_overrides[deps.get_provider] = Counting
    response = client.get("/api/quote/aapl")
    assert response.status_code == 200
    quote = response.json()
    assert quote["symbol"] == "AAPL" and quote["name"] == "Apple Inc."
    assert quote["price"] > 0 and quote["previous_close"] > 0
    assert quote["change"] == pytest.approx(quote["price"] - quote["previous_close"], abs=0.011)
    assert date.fromisoformat(quote["as_of"]).weekday() < 5
    assert quote["stale"] is False and quote["updated_at"]
    with deps.get_db().connection() as conn:
        bar = conn.execute("SELECT close, date FROM daily_prices WHERE symbol = 'AAPL'").fetchone()
    assert (float(bar["close"]), bar["date"].isoformat()) == (quote["price"], quote["as_of"])
    # the stored quote is served while current: one provider call
    again = client.get("/api/quote/AAPL").json()
    assert (again["price"], again["as_of"], again["name"]) == (quote["price"], quote["as_of"], "Apple Inc.")
    assert Counting.calls == ["quote AAPL"]


def test_unknown_symbol_is_404(client):
    response = client.get("/api/quote/ZZZZ")
    assert response.status_code == 404
    assert response.json()["detail"] == "unknown symbol: ZZZZ"
    assert client.get("/api/history/ZZZZ").status_code == 404


@pytest.mark.parametrize("bad", ["TOO-LONG-SYMBOL", "$$$", "A B", ".X"])
def test_invalid_symbol_is_422(client, bad):
    response = client.get(f"/api/quote/{bad}")
    assert response.status_code == 422
    assert "invalid symbol" in response.json()["detail"]


def test_history_covers_requested_calendar_days(client):
    response = client.get("/api/history/MSFT", params={"days": 30})
    assert response.status_code == 200
    body = response.json()
    days = [date.fromisoformat(p["date"]) for p in body["points"]]
    assert body["symbol"] == "MSFT" and body["partial"] is False and body["stale"] is False
    assert 19 <= len(days) <= 23
    assert days == sorted(days) and all(d.weekday() < 5 for d in days)
    assert min(days) > date.today() - timedelta(days=31)
    assert all(p["low"] <= p["close"] <= p["high"] for p in body["points"])


@pytest.mark.parametrize("days", [0, 366, "x"])
def test_history_rejects_bad_range(client, days):
    assert client.get("/api/history/MSFT", params={"days": days}).status_code == 422


def test_watchlist_add_list_remove(client):
    assert client.get("/api/watchlist", headers=ALICE).json() == []

    added = client.post("/api/watchlist", json={"symbol": "msft"}, headers=ALICE)
    assert added.status_code == 201
    assert added.json()["symbol"] == "MSFT" and added.json()["stale"] is False
    assert client.post("/api/watchlist", json={"symbol": "NVDA"}, headers=ALICE).status_code == 201
    assert client.post("/api/watchlist", json={"symbol": "MSFT"}, headers=ALICE).status_code == 201  # idempotent

    items = client.get("/api/watchlist", params={"days": 30}, headers=ALICE).json()
    assert [item["symbol"] for item in items] == ["MSFT", "NVDA"]
    msft = items[0]
    assert msft["name"] == "Microsoft Corporation"
    assert msft["price"] > 0 and msft["change"] is not None and msft["change_percent"] is not None
    # the dense row: the day's range and volume, a trend line and the change over the range
    assert msft["day_low"] <= msft["price"] <= msft["day_high"] and msft["volume"] > 0
    assert 19 <= len(msft["spark"]) <= 23 and msft["spark"][-1] == msft["price"]
    assert msft["range_change_percent"] == pytest.approx(
        100 * (msft["spark"][-1] - msft["spark"][0]) / msft["spark"][0], abs=0.01)
    assert len(client.get("/api/watchlist", params={"days": 7}, headers=ALICE).json()[0]["spark"]) <= 6

    with deps.get_db().connection() as conn:
        stored = conn.execute("SELECT count(*) AS n FROM daily_prices WHERE symbol = 'MSFT'").fetchone()["n"]
    assert stored >= 240  # a year backfilled: every range the page offers is stored

    assert client.delete("/api/watchlist/msft", headers=ALICE).status_code == 204
    assert client.delete("/api/watchlist/MSFT", headers=ALICE).status_code == 404
    assert [item["symbol"] for item in client.get("/api/watchlist", headers=ALICE).json()] == ["NVDA"]


def test_each_visitor_has_their_own_watchlist(client):
    assert client.post("/api/watchlist", json={"symbol": "KO"}, headers=ALICE).status_code == 201
    bobs = client.get("/api/watchlist", headers=BOB)
    assert bobs.json() == [] and bobs.headers["cache-control"] == "no-store"  # no shared cache mixes them up
    assert client.delete("/api/watchlist/KO", headers=BOB).status_code == 404
    assert [i["symbol"] for i in client.get("/api/watchlist", headers=ALICE).json()] == ["KO"]
    # only a hash of the key is stored
    with deps.get_db().connection() as conn:
        owners = [row["owner"] for row in conn.execute("SELECT owner FROM watchlist")]
    assert owners and ALICE["X-Watchlist-Key"] not in owners[0] and len(owners[0]) == 64


@pytest.mark.parametrize("headers", [{}, {"X-Watchlist-Key": "short"}, {"X-Watchlist-Key": "x" * 21 + "!"}])
def test_the_watchlist_refuses_requests_without_a_key(client, headers):
    for response in (
        client.post("/api/watchlist", json={"symbol": "KO"}, headers=headers),
        client.delete("/api/watchlist/KO", headers=headers),
        client.get("/api/watchlist", headers=headers),
        client.get("/api/news", headers=headers),
    ):
        assert response.status_code == 401, response.request.url
        assert "X-Watchlist-Key" in response.json()["detail"]
    with deps.get_db().connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM watchlist").fetchone()["n"] == 0


@pytest.fixture
def pinned_minute():
    """Writes counted in one window: the clock at the start of a minute."""
    from datetime import UTC, datetime

    app.dependency_overrides[deps.get_now] = lambda: datetime(2026, 11, 18, 15, 0, 1, tzinfo=UTC)


def test_watchlist_writes_are_rate_limited(client, pinned_minute):
    from app import visitor

    statuses = [client.post("/api/watchlist", json={"symbol": "KO"}, headers=ALICE).status_code
                for _ in range(visitor.LIMITS["key"] + 1)]
    assert statuses[:-1] == [201] * visitor.LIMITS["key"]
    limited = client.delete("/api/watchlist/KO", headers=ALICE)
    assert limited.status_code == 429 and "too many" in limited.json()["detail"]
    assert int(limited.headers["Retry-After"]) == visitor.WINDOW - 1
    assert statuses[-1] == 429
    # reads are not limited, and another key is counted on its own
    assert client.get("/api/watchlist", headers=ALICE).status_code == 200
    assert client.post("/api/watchlist", json={"symbol": "KO"}, headers=BOB).status_code == 201


def test_writes_from_one_address_are_limited_across_keys(client, pinned_minute):
    from app import visitor

    codes = [client.delete("/api/watchlist/KO", headers={"X-Watchlist-Key": f"key-{i:04d}-0123456789abcdefg"}).status_code
             for i in range(visitor.LIMITS["address"] + 1)]
    assert codes[:-1] == [404] * visitor.LIMITS["address"] and codes[-1] == 429


def test_behind_cloudfront_writes_are_counted_per_viewer(pinned_minute):
    from fastapi.testclient import TestClient

    from app import visitor
    from app.main import create_app
    from app.origin import OriginSecret

    edge = TestClient(create_app(origin_secret=OriginSecret(lambda: ["edge-token"])))
    edge.app.dependency_overrides[deps.get_now] = app.dependency_overrides[deps.get_now]

    def delete(i, viewer):
        return edge.delete("/api/watchlist/KO", headers={
            "X-Origin-Verify": "edge-token", "CloudFront-Viewer-Address": f"{viewer}:4{i:04d}",
            "X-Watchlist-Key": f"key-{i:04d}-0123456789abcdefg"}).status_code

    limit = visitor.LIMITS["address"]
    assert [delete(i, "198.51.100.7") for i in range(limit + 1)][-2:] == [404, 429]
    assert delete(0, "2001:db8::7") == 404  # another viewer behind the same edge is not limited
    # without the origin secret the header is the viewer's own word: ignored
    direct = TestClient(app)
    plain = [direct.delete("/api/watchlist/KO", headers={
        "CloudFront-Viewer-Address": f"203.0.113.{i}:1", "X-Watchlist-Key": f"key-{i:04d}-0123456789abcdefh"}).status_code
        for i in range(limit + 1)]
    assert plain[-1] == 429


def test_a_watchlist_is_bounded(client, monkeypatch):
    from app import watchlist

    monkeypatch.setattr(watchlist, "MAX_SYMBOLS", 2)
    for symbol in ("KO", "PEP"):
        assert client.post("/api/watchlist", json={"symbol": symbol}, headers=ALICE).status_code == 201
    full = client.post("/api/watchlist", json={"symbol": "V"}, headers=ALICE)
    assert full.status_code == 409 and "at most 2" in full.json()["detail"]
    assert client.post("/api/watchlist", json={"symbol": "KO"}, headers=ALICE).status_code == 201


def test_watchlist_rejects_bad_and_unknown_symbols(client):
    bad = client.post("/api/watchlist", json={"symbol": "not a symbol"}, headers=ALICE)
    assert bad.status_code == 422
    assert "invalid symbol" in bad.text
    assert client.post("/api/watchlist", json={}, headers=ALICE).status_code == 422
    assert client.post("/api/watchlist", json={"symbol": "ZZZZ"}, headers=ALICE).status_code == 404
    assert client.get("/api/watchlist", headers=ALICE).json() == []


class BrokenProvider(Provider):
    name = "broken"

    def quote(self, symbol):
        raise ProviderError("upstream exploded")


def test_watchlist_falls_back_to_stored_closes(client):
    client.post("/api/watchlist", json={"symbol": "KO"}, headers=ALICE)
    with deps.get_db().connection() as conn:
        closes = [float(r["close"]) for r in conn.execute(
            "SELECT close FROM daily_prices WHERE symbol = 'KO' ORDER BY date DESC LIMIT 2")]
        conn.execute("UPDATE symbols SET quote_at = quote_at - interval '4 days', history_at = NULL")
    app.dependency_overrides[deps.get_provider] = BrokenProvider

    [item] = client.get("/api/watchlist", headers=ALICE).json()
    assert item["stale"] is True
    assert item["price"] == closes[0]
    assert item["change"] == pytest.approx(closes[0] - closes[1])


def test_news_for_symbol(client):
    client.get("/api/quote/TSLA")  # news is fetched for symbols the app knows (the page asks the quote first)
    response = client.get("/api/news", params={"symbol": "tsla", "limit": 4})
    assert response.status_code == 200
    assert response.json()["stale"] is False
    items = response.json()["items"]
    assert len(items) == 4
    assert {item["symbol"] for item in items} == {"TSLA"}
    assert [i["published_at"] for i in items] == sorted((i["published_at"] for i in items), reverse=True)
    assert all(item["url"].startswith("https://") and item["title"] for item in items)
    assert client.get("/api/news", params={"symbol": "bad symbol"}).status_code == 422


def test_news_for_watchlist(client):
    assert client.get("/api/news", headers=ALICE).json()["items"] == []
    client.post("/api/watchlist", json={"symbol": "AAPL"}, headers=ALICE)
    client.post("/api/watchlist", json={"symbol": "JPM"}, headers=ALICE)
    items = client.get("/api/news", headers=ALICE).json()["items"]
    assert {item["symbol"] for item in items} == {"AAPL", "JPM"}
    assert client.get("/api/news", headers=BOB).json()["items"] == []


def test_search(client):
    hits = client.get("/api/search", params={"q": "app"}).json()
    assert hits[0] == {"symbol": "AAPL", "name": "Apple Inc.", "exchange": "NASDAQ"}
    assert [h["symbol"] for h in client.get("/api/search", params={"q": "coca"}).json()] == ["KO"]
    assert client.get("/api/search", params={"q": "qqqqqq"}).json() == []
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/search").status_code == 422


def failing_fmp(error: Exception | None = None, status: int = 200) -> FinancialModelingPrep:
    def respond(request: httpx.Request) -> httpx.Response:
        if error:
            raise error
        return httpx.Response(status, json={"message": "boom"})

    return FinancialModelingPrep("SECRET-KEY", timeout=1, transport=httpx.MockTransport(respond))


def test_provider_timeout_is_504(client):
    app.dependency_overrides[deps.get_provider] = lambda: failing_fmp(httpx.ReadTimeout("slow"))
    response = client.get("/api/quote/AAPL")
    assert response.status_code == 504
    assert response.json() == {"detail": "Financial Modeling Prep did not respond in time"}


@pytest.mark.parametrize(
    ("fmp", "message"),
    [
        (lambda: failing_fmp(status=500), "Financial Modeling Prep answered HTTP 500"),
        (lambda: failing_fmp(status=429), "Financial Modeling Prep rate limit reached; try again later"),
        (lambda: failing_fmp(httpx.ConnectError("refused")), "Financial Modeling Prep is unreachable (ConnectError)"),
    ],
)
def test_provider_failures_are_502(client, fmp, message):
    app.dependency_overrides[deps.get_provider] = fmp
    response = client.get("/api/history/AAPL")
    assert response.status_code == 502
    assert response.json() == {"detail": message}
    assert "SECRET-KEY" not in response.text


def test_health_reports_a_broken_redis(client):
    from app.cache import Cache

    app.dependency_overrides[deps.get_cache] = lambda: Cache("redis://127.0.0.1:1/0")
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == "ok"
    assert response.json()["redis"].startswith("error: ")
    # a broken cache only disables caching
    assert client.get("/api/quote/AAPL").status_code == 200


def test_cors_only_for_configured_origins(client):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    cors = TestClient(create_app(Settings.from_env({"ALLOWED_ORIGINS": "https://app.example"})))
    preflight = cors.options("/api/watchlist", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-watchlist-key"})
    assert preflight.status_code == 200
    assert "x-watchlist-key" in preflight.headers["access-control-allow-headers"].lower()
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    other = cors.get("/api/search", params={"q": "a"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    # without ALLOWED_ORIGINS (the default app) no CORS headers at all: same origin only
    same = client.get("/api/search", params={"q": "a"}, headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in same.headers
