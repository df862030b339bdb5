"""Stored first, within free quotas: a day of page views on a free Alpha Vantage key, each panel's
fallback to stored data, labelled short ranges, and the market overview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import ingest
from app import deps, market, store, visitor
from app.main import app
from app.providers import CompositeProvider, Provider, ProviderError, SampleProvider

WATCHED = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA", "JPM", "V", "KO"]
KEY = {"X-Watchlist-Key": "quota-visitor-0123456789ab"}


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class Recorded(SampleProvider):
    """The sample data on the test's clock, recording the calls made to it."""

    def __init__(self, clock: Clock, calls: list[str]):
        super().__init__(now=clock)
        self.calls = calls


class FreeAlphaVantage(Recorded):
    """Sample prices with a free Alpha Vantage key's limits: 25 calls a day, 100 sessions of history."""

    name = "Alpha Vantage"
    daily_calls = 25
    has_news = False

    def quote(self, symbol):
        self.calls.append(f"quote {symbol}")
        return super().quote(symbol)

    def history(self, symbol, days):
        self.calls.append(f"history {symbol}")
        return super().history(symbol, days)[-100:]

    def search(self, query):
        self.calls.append(f"search {query}")
        return super().search(query)


class FreeMarketAux(Recorded):
    name = "MarketAux"
    daily_calls = 100

    def news(self, symbols, limit):
        self.calls.append(f"news {','.join(symbols)}")
        return super().news(symbols, limit)


@pytest.fixture
def day(client, monkeypatch):
    """A Wednesday with free keys: the clock, the provider, and the calls made to each."""
    clock = Clock(datetime(2026, 11, 18, 6, 0, tzinfo=UTC))  # the ingestion job's hour
    prices, news = [], []
    provider = CompositeProvider(FreeAlphaVantage(clock, prices), FreeMarketAux(clock, news))
    app.dependency_overrides[deps.get_provider] = lambda: provider
    app.dependency_overrides[deps.get_now] = clock
    monkeypatch.setattr(ingest, "get_provider", lambda: provider)
    return clock, prices, news


def watch_all(symbols=WATCHED):
    with deps.get_db().connection() as conn:
        for symbol in symbols:
            conn.execute("INSERT INTO watchlist (owner, symbol) VALUES (%s, %s)",
                         (visitor.owner(KEY["X-Watchlist-Key"]), symbol))


def test_a_free_alpha_vantage_key_lasts_a_day_of_page_views(client, day):
    clock, prices, news = day
    watch_all()
    summary = ingest.handler(now=clock())
    assert summary["skipped"] == [] and summary["errors"] == {}
    assert len(prices) == 14  # the 4 funds and the 10 symbols, one call each
    # then someone keeps the page open all session: every 5 minutes, each panel, the symbols in turn
    clock.moment = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)
    stale_seen = 0
    views = 0
    while clock.moment < datetime(2026, 11, 18, 21, 30, tzinfo=UTC):
        symbol = WATCHED[views % len(WATCHED)]
        for path in ("/api/watchlist?days=30", "/api/overview", f"/api/quote/{symbol}",
                     f"/api/history/{symbol}?days=30", f"/api/news?symbol={symbol}", "/api/news"):
            response = client.get(path, headers=KEY)
            assert response.status_code == 200, (path, response.text)
        quote = client.get(f"/api/quote/{symbol}").json()
        assert quote["price"] > 0
        stale_seen += quote["stale"]
        views += 1
        clock.moment += timedelta(minutes=5)
    assert views == 84
    assert len(prices) <= 25, prices  # the whole day, ingestion included
    assert len(news) <= 100
    # once the page's share is spent, the stored prices are served, saying so
    assert stale_seen > 0
    spent = client.get("/api/quote/AAPL").json()
    assert spent["stale"] and "daily call budget is spent" in spent["note"]


def test_ingested_news_is_served_without_asking_the_provider(client, day):
    clock, _, news = day
    watch_all(["KO"])
    ingest.handler(now=clock())
    calls = len(news)
    with deps.get_db().connection() as conn:
        conn.execute("""INSERT INTO news (symbol, url, title, published_at)
                        VALUES ('KO', 'https://example.com/ko', 'Stored headline', %s)""",
                     (clock() - timedelta(hours=1),))
    clock.moment += timedelta(minutes=30)
    feed = client.get("/api/news", params={"symbol": "KO"}).json()
    assert feed["items"][0]["title"] == "Stored headline" and feed["stale"] is False
    assert client.get("/api/news", headers=KEY).json()["items"][0]["title"] == "Stored headline"
    assert len(news) == calls


def test_ranges_longer_than_the_provider_gives_are_labelled(client, day):
    clock, _, _ = day
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    year = client.get("/api/history/AAPL", params={"days": 365}).json()
    assert year["partial"] is True and len(year["points"]) == 100
    assert year["note"] == f"prices from {year['points'][0]['date']} on: Alpha Vantage returned none earlier"
    quarter = client.get("/api/history/AAPL", params={"days": 90}).json()
    assert quarter["partial"] is False and quarter["note"] is None


class Failing(Provider):
    name = "failing"
    has_news = True

    def quote(self, symbol):
        raise ProviderError("upstream exploded")

    def history(self, symbol, days):
        raise ProviderError("upstream exploded")

    def news(self, symbols, limit):
        raise ProviderError("news upstream exploded")


def test_each_panel_falls_back_to_what_is_stored(client, day):
    clock, _, _ = day
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    good = {path: client.get(path).json() for path in ("/api/quote/KO", "/api/history/KO?days=30")}
    client.get("/api/news", params={"symbol": "KO"})
    store.mark(deps.get_db(), ["V"], "quote_at", clock() - timedelta(days=30))  # known, nothing stored
    app.dependency_overrides[deps.get_provider] = Failing
    clock.moment += timedelta(days=1)  # all of it is due again

    quote = client.get("/api/quote/KO").json()
    assert quote["stale"] and quote["note"] == "upstream exploded" and quote["price"] == good["/api/quote/KO"]["price"]
    history = client.get("/api/history/KO?days=30").json()
    stored = good["/api/history/KO?days=30"]["points"]
    assert history["stale"] and history["points"][-1] == stored[-1] and history["points"][0] in stored
    feed = client.get("/api/news", params={"symbol": "KO"}).json()
    assert feed["stale"] and feed["note"] == "news upstream exploded" and feed["items"]

    # nothing stored: each panel's own error
    assert client.get("/api/quote/V").status_code == 502
    assert client.get("/api/history/V").status_code == 502
    news = client.get("/api/news", params={"symbol": "V"})
    assert (news.status_code, news.json()) == (502, {"detail": "news upstream exploded"})


def test_a_spent_budget_with_nothing_stored_is_503(client, day):
    clock, _, _ = day
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    with deps.get_db().connection() as conn:
        conn.execute("INSERT INTO provider_calls VALUES ('Alpha Vantage', %s, 'live', 10)", (clock().date(),))
    response = client.get("/api/quote/PEP")
    assert response.status_code == 503 and "budget is spent" in response.json()["detail"]


@pytest.mark.parametrize(("moment", "state", "exchange_time"), [
    (datetime(2026, 11, 18, 15, 0, tzinfo=UTC), "open", "2026-11-18T10:00"),
    (datetime(2026, 11, 18, 13, 0, tzinfo=UTC), "pre-market", "2026-11-18T08:00"),
    (datetime(2026, 11, 18, 22, 0, tzinfo=UTC), "closed", "2026-11-18T17:00"),
    (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), "holiday", "2026-11-26T11:00"),  # Thanksgiving
    (datetime(2026, 7, 4, 16, 0, tzinfo=UTC), "closed", "2026-07-04T12:00"),  # a Saturday, EDT
])
def test_the_overview_tells_the_market_state_and_the_funds(client, day, moment, state, exchange_time):
    clock, _, _ = day
    clock.moment = moment
    body = client.get("/api/overview").json()
    assert body["market"]["state"] == state and body["market"]["open"] is (state == "open")
    assert body["market"]["exchange_time"] == exchange_time
    assert [i["symbol"] for i in body["indices"]] == ["SPY", "QQQ", "DIA", "IWM"]
    assert all(i["quote"]["price"] > 0 and i["error"] is None for i in body["indices"])
    # the second answer comes from what the first stored, with the same change
    again = client.get("/api/overview").json()
    assert [i["quote"]["change"] for i in again["indices"]] == [i["quote"]["change"] for i in body["indices"]]
    assert all(i["quote"]["change"] != 0 for i in again["indices"])
    nxt = datetime.fromisoformat(body["market"]["next_change"])
    assert nxt > moment and market.new_york(nxt).time() in (market.OPEN, market.CLOSE)


def test_searching_spends_its_own_share_and_asks_only_for_what_is_not_stored(client, day):
    clock, prices, _ = day
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    client.get("/api/quote/KO")  # stored: KO, The Coca-Cola Company
    assert [h["symbol"] for h in client.get("/api/search", params={"q": "coca"}).json()] == ["KO"]
    assert [h["symbol"] for h in client.get("/api/search", params={"q": "x"}).json()] == []  # 1 character
    assert prices == ["quote KO"]
    # random queries spend the search share (2 calls a day on a free key), then get stored matches
    for q in ("zq1", "zq2", "zq3"):
        client.get("/api/search", params={"q": q})
    assert prices == ["quote KO", "search zq1", "search zq2"]
    spent = client.get("/api/search", params={"q": "zq4"})
    assert spent.status_code == 503 and "search budget is spent" in spent.json()["detail"]
    # and the quotes' share is untouched
    clock.moment += timedelta(hours=1)
    assert client.get("/api/quote/KO").json()["stale"] is False and prices[-1] == "quote KO"


def test_news_is_asked_only_for_known_symbols(client, day):
    clock, _, news = day
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    assert client.get("/api/news", params={"symbol": "ZZZZ"}).json()["items"] == []
    assert news == []
    with deps.get_db().connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM symbols").fetchone()["n"] == 0
    client.get("/api/quote/KO")
    assert client.get("/api/news", params={"symbol": "KO"}).json()["items"] and news == ["news KO"]


def test_a_provider_without_news_spends_no_call_on_it(client, day, monkeypatch):
    clock, prices, _ = day
    alpha = FreeAlphaVantage(clock, prices)
    provider = CompositeProvider(alpha, alpha)  # an Alpha Vantage key and no MarketAux key
    app.dependency_overrides[deps.get_provider] = lambda: provider
    monkeypatch.setattr(ingest, "get_provider", lambda: provider)
    watch_all(["KO"])
    summary = ingest.handler(now=clock())
    assert summary["news_inserted"] == 0 and summary["skipped"] == []
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    assert client.get("/api/news", params={"symbol": "KO"}).json()["items"] == []
    with deps.get_db().connection() as conn:
        calls = {r["purpose"]: r["calls"] for r in conn.execute("SELECT purpose, calls FROM provider_calls")}
    assert calls == {"ingest": 5}  # the 4 funds and KO: prices only


def test_a_later_fetch_fills_the_days_since_the_last(client, day):
    clock, _, _ = day
    clock.moment = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)
    client.get("/api/history/KO", params={"days": 30})
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 11 weeks later
    points = client.get("/api/history/KO", params={"days": 90}).json()["points"]
    dates = [p["date"] for p in points]
    expected = [d.isoformat() for d in market.sessions(market.last_session(clock()), 100)
                if d > market.last_session(clock()) - timedelta(days=90)]
    assert dates == expected  # no gap between the two fetches


class EmptyForUnknown(SampleProvider):
    """Like FMP: an unknown symbol's history is an empty list, not an error."""

    def history(self, symbol, days):
        return [] if symbol == "ZZZZ" else super().history(symbol, days)


def test_an_empty_history_of_an_unknown_symbol_is_404_and_recorded_nowhere(client):
    app.dependency_overrides[deps.get_provider] = EmptyForUnknown
    assert client.get("/api/history/ZZZZ").status_code == 404
    with deps.get_db().connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM symbols").fetchone()["n"] == 0


def test_a_spent_budget_keeps_its_status_for_charts_too(client, day):
    clock, _, _ = day
    clock.moment = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    with deps.get_db().connection() as conn:
        conn.execute("INSERT INTO provider_calls VALUES ('Alpha Vantage', %s, 'live', 10)", (clock().date(),))
    assert client.get("/api/history/PEP").status_code == 503


def test_the_overview_marks_funds_the_ingestion_job_left_behind(client, day):
    clock, _, _ = day
    ingest.handler(now=clock())  # Wednesday 06:00: Tuesday's closes
    clock.moment = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday: no ingestion since
    spy = client.get("/api/overview").json()["indices"][0]["quote"]
    assert spy["as_of"] == "2026-11-17" and spy["stale"] is True and "2026-11-17" in spy["note"]
