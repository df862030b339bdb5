"""HTTP API tests against real PostgreSQL and Redis, with the offline sample provider."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from app import deps
from app.main import app
from app.providers import FinancialModelingPrep, Provider, ProviderError


def test_health_reports_database_and_redis(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "provider": "sample"}


def test_quote_is_normalised_and_cached(client):
    response = client.get("/api/quote/aapl")
    assert response.status_code == 200
    quote = response.json()
    assert quote["symbol"] == "AAPL" and quote["name"] == "Apple Inc."
    assert quote["price"] > 0 and quote["previous_close"] > 0
    assert quote["change"] == pytest.approx(quote["price"] - quote["previous_close"], abs=0.011)
    assert date.fromisoformat(quote["as_of"]).weekday() < 5
    assert deps.get_cache().client.exists("fintech:v1:quote:AAPL")
    assert client.get("/api/quote/AAPL").json() == quote


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
    assert body["symbol"] == "MSFT"
    assert 19 <= len(days) <= 23
    assert days == sorted(days) and all(d.weekday() < 5 for d in days)
    assert min(days) > date.today() - timedelta(days=31)
    assert all(p["low"] <= p["close"] <= p["high"] for p in body["points"])


@pytest.mark.parametrize("days", [0, 366, "x"])
def test_history_rejects_bad_range(client, days):
    assert client.get("/api/history/MSFT", params={"days": days}).status_code == 422


def test_watchlist_add_list_remove(client):
    assert client.get("/api/watchlist").json() == []

    added = client.post("/api/watchlist", json={"symbol": "msft"})
    assert added.status_code == 201
    assert added.json()["symbol"] == "MSFT" and added.json()["live"] is True
    assert client.post("/api/watchlist", json={"symbol": "NVDA"}).status_code == 201
    assert client.post("/api/watchlist", json={"symbol": "MSFT"}).status_code == 201  # idempotent

    items = client.get("/api/watchlist").json()
    assert [item["symbol"] for item in items] == ["MSFT", "NVDA"]
    msft = items[0]
    assert msft["name"] == "Microsoft Corporation"
    assert msft["price"] > 0 and msft["change"] is not None and msft["change_percent"] is not None

    with deps.get_db().connection() as conn:
        stored = conn.execute("SELECT count(*) AS n FROM daily_prices WHERE symbol = 'MSFT'").fetchone()["n"]
    assert stored >= 19  # 30 days backfilled

    assert client.delete("/api/watchlist/msft").status_code == 204
    assert client.delete("/api/watchlist/MSFT").status_code == 404
    assert [item["symbol"] for item in client.get("/api/watchlist").json()] == ["NVDA"]


def test_watchlist_rejects_bad_and_unknown_symbols(client):
    bad = client.post("/api/watchlist", json={"symbol": "not a symbol"})
    assert bad.status_code == 422
    assert "invalid symbol" in bad.text
    assert client.post("/api/watchlist", json={}).status_code == 422
    assert client.post("/api/watchlist", json={"symbol": "ZZZZ"}).status_code == 404
    assert client.get("/api/watchlist").json() == []


class BrokenProvider(Provider):
    name = "broken"

    def quote(self, symbol):
        raise ProviderError("upstream exploded")


def test_watchlist_falls_back_to_stored_closes(client):
    client.post("/api/watchlist", json={"symbol": "KO"})
    with deps.get_db().connection() as conn:
        closes = [float(r["close"]) for r in conn.execute(
            "SELECT close FROM daily_prices WHERE symbol = 'KO' ORDER BY date DESC LIMIT 2")]
    deps.get_cache().client.flushdb()
    app.dependency_overrides[deps.get_provider] = BrokenProvider

    [item] = client.get("/api/watchlist").json()
    assert item["live"] is False
    assert item["price"] == closes[0]
    assert item["change"] == pytest.approx(closes[0] - closes[1])


def test_news_for_symbol(client):
    response = client.get("/api/news", params={"symbol": "tsla", "limit": 4})
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 4
    assert {item["symbol"] for item in items} == {"TSLA"}
    assert [i["published_at"] for i in items] == sorted((i["published_at"] for i in items), reverse=True)
    assert all(item["url"].startswith("https://") and item["title"] for item in items)
    assert client.get("/api/news", params={"symbol": "bad symbol"}).status_code == 422


def test_news_for_watchlist(client):
    assert client.get("/api/news").json() == []
    client.post("/api/watchlist", json={"symbol": "AAPL"})
    client.post("/api/watchlist", json={"symbol": "JPM"})
    items = client.get("/api/news").json()
    assert {item["symbol"] for item in items} == {"AAPL", "JPM"}


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
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    other = cors.get("/api/search", params={"q": "a"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    # without ALLOWED_ORIGINS (the default app) no CORS headers at all: same origin only
    same = client.get("/api/search", params={"q": "a"}, headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in same.headers
