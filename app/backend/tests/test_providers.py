"""Provider parsing and selection; HTTP providers are fed canned responses via httpx.MockTransport."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from app.config import Settings
from app.market import holidays, last_session
from app.providers import (
    AlphaVantage, CompositeProvider, FinancialModelingPrep, MarketAux, ProviderError, ProviderTimeout,
    SampleProvider, SymbolNotFound, build_provider,
)


def serve(payload, status: int = 200, seen: list | None = None) -> httpx.MockTransport:
    def respond(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=payload)
    return httpx.MockTransport(respond)


def test_fmp_quote_history_search():
    seen: list[httpx.Request] = []
    fmp = FinancialModelingPrep("K", transport=serve([{
        "symbol": "AAPL", "name": "Apple Inc.", "price": 232.8, "changePercentage": 1.2, "change": 2.76,
        "volume": 44_000_000, "dayLow": 229.1, "dayHigh": 233.0, "open": 230.0, "previousClose": 230.04,
        "timestamp": 1_735_000_000,
    }], seen=seen))
    quote = fmp.quote("AAPL")
    assert (quote.price, quote.change_percent, quote.previous_close) == (232.8, 1.2, 230.04)
    assert seen[0].url.path == "/stable/quote" and seen[0].url.params["apikey"] == "K"

    fmp = FinancialModelingPrep("K", transport=serve([
        {"symbol": "AAPL", "date": "2025-01-03", "open": 1, "high": 2, "low": 0.5, "close": 1.5, "volume": 10},
        {"symbol": "AAPL", "date": "2025-01-02", "open": 1, "high": 2, "low": 0.5, "close": 1.2, "volume": 9},
    ]))
    assert [p.date for p in fmp.history("AAPL", 30)] == [date(2025, 1, 2), date(2025, 1, 3)]

    fmp = FinancialModelingPrep("K", transport=serve([{"symbol": "AAPL", "name": "Apple Inc.", "exchange": "NASDAQ"}]))
    assert fmp.search("apple")[0].symbol == "AAPL"

    with pytest.raises(SymbolNotFound):
        FinancialModelingPrep("K", transport=serve([])).quote("NOPE")
    with pytest.raises(ProviderError, match="Invalid API KEY"):
        FinancialModelingPrep("K", transport=serve({"Error Message": "Invalid API KEY."})).quote("AAPL")


def test_alpha_vantage():
    av = AlphaVantage("K", transport=serve({"Global Quote": {
        "01. symbol": "IBM", "02. open": "250.0", "03. high": "252.5", "04. low": "249.1", "05. price": "251.2",
        "06. volume": "3000000", "07. latest trading day": "2025-01-03", "08. previous close": "249.9",
        "09. change": "1.3", "10. change percent": "0.5202%",
    }}))
    quote = av.quote("IBM")
    assert (quote.price, quote.change_percent, quote.as_of) == (251.2, 0.5202, date(2025, 1, 3))

    with pytest.raises(SymbolNotFound):
        AlphaVantage("K", transport=serve({"Global Quote": {}})).quote("NOPE")
    with pytest.raises(SymbolNotFound):
        AlphaVantage("K", transport=serve({"Error Message": "Invalid API call."})).history("NOPE", 30)
    with pytest.raises(ProviderError, match="rate limit"):
        AlphaVantage("K", transport=serve({"Note": "API rate limit is 25 requests per day."})).quote("IBM")

    matches = AlphaVantage("K", transport=serve({"bestMatches": [
        {"1. symbol": "TSCO.LON", "2. name": "Tesco PLC", "4. region": "United Kingdom"}]})).search("tesco")
    assert matches[0].name == "Tesco PLC"


def test_marketaux_news():
    seen: list[httpx.Request] = []
    mx = MarketAux("TOKEN", transport=serve({"data": [
        {"title": "Old", "url": "https://x.test/1", "source": "x.test", "description": "d",
         "published_at": "2025-01-02T10:00:00.000000Z", "entities": [{"symbol": "MSFT"}]},
        {"title": "New", "url": "https://x.test/2", "source": "x.test", "snippet": "s",
         "published_at": "2025-01-03T10:00:00.000000Z", "entities": [{"symbol": "AAPL"}]},
    ]}, seen=seen))
    items = mx.news(["AAPL", "MSFT"], 10)
    assert [(i.title, i.symbol, i.summary) for i in items] == [("New", "AAPL", "s"), ("Old", "MSFT", "d")]
    assert seen[0].url.params["api_token"] == "TOKEN" and seen[0].url.params["symbols"] == "AAPL,MSFT"
    assert mx.news([], 10) == []


def test_http_errors_are_mapped():
    def timeout(request):
        raise httpx.ConnectTimeout("slow")

    with pytest.raises(ProviderTimeout, match="did not respond in time"):
        MarketAux("T", transport=httpx.MockTransport(timeout)).news(["AAPL"], 3)
    with pytest.raises(ProviderError, match="answered HTTP 401"):
        MarketAux("T", transport=serve({"error": {"code": "invalid_api_token"}}, status=401)).news(["AAPL"], 3)


def test_build_provider_from_keys():
    assert isinstance(build_provider(Settings.from_env({})), SampleProvider)
    both = build_provider(Settings.from_env({"FINPREP_API_KEY": "a", "MARKETAUX_API_KEY": "b"}))
    assert isinstance(both, CompositeProvider) and both.name == "Financial Modeling Prep + MarketAux"
    av_only = build_provider(Settings.from_env({"ALPHAVANTAGE_API_KEY": "a"}))
    assert av_only.name == "Alpha Vantage" and av_only.news(["AAPL"], 5) == []


def test_sample_provider_is_deterministic():
    friday = date(2025, 1, 10)
    evening = datetime(2025, 1, 10, 20, tzinfo=UTC)
    a, b = SampleProvider(lambda: evening), SampleProvider(lambda: evening)
    assert a.quote("AAPL") == b.quote("AAPL")
    assert a.history("AAPL", 30) == b.history("AAPL", 30)
    assert a.news(["AAPL"], 5) == b.news(["AAPL"], 5)
    assert a.quote("AAPL").as_of == friday
    assert SampleProvider(lambda: evening + timedelta(days=2)).quote("AAPL") == a.quote("AAPL")  # Sunday: Friday's
    early = SampleProvider(lambda: evening.replace(hour=9)).news(["AAPL"], 50)
    assert all(item.published_at <= evening.replace(hour=9) for item in early)
    assert len(early) < len(a.news(["AAPL"], 50))
    assert a.quote("AAPL") != a.quote("MSFT")
    with pytest.raises(SymbolNotFound):
        a.quote("NOPE")


def test_sample_data_knows_weekends_and_market_holidays():
    assert holidays(2026) == {
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 4, 3), date(2026, 5, 25),
        date(2026, 6, 19), date(2026, 7, 3), date(2026, 9, 7), date(2026, 11, 26), date(2026, 12, 25),
    }
    # New Year's Day on a Saturday is not made up on the Friday before; Christmas on a Sunday is on Monday.
    assert date(2021, 12, 31) not in holidays(2021) | holidays(2022)
    assert date(2022, 12, 26) in holidays(2022)
    # The day after Thanksgiving, 7:00 in New York: Wednesday's prices (Thursday was a holiday and
    # Friday's session has not opened); at 10:00, Friday's.
    early = SampleProvider(lambda: datetime(2026, 11, 27, 12, tzinfo=UTC))
    assert early.quote("AAPL").as_of == date(2026, 11, 25)
    opened = SampleProvider(lambda: datetime(2026, 11, 27, 15, tzinfo=UTC))
    assert opened.quote("AAPL").as_of == date(2026, 11, 27)
    # Summer time: the session opens at 13:30 UTC; the Monday after the observed Independence Day.
    assert last_session(datetime(2026, 7, 6, 13, 45, tzinfo=UTC)) == date(2026, 7, 6)
    assert last_session(datetime(2026, 7, 6, 13, 15, tzinfo=UTC)) == date(2026, 7, 2)
    days = {p.date for p in opened.history("AAPL", 400)}
    assert not days & (holidays(2025) | holidays(2026))
    assert all(d.weekday() < 5 for d in days)
    assert len(days) > 250
