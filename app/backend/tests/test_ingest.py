"""The daily ingestion job: idempotent upserts of the index funds' and every watched symbol's prices
and news, within the providers' budgets."""

from __future__ import annotations

import ingest
from app import deps
from app.providers import SampleProvider

OVERVIEW = ["SPY", "QQQ", "DIA", "IWM"]


def counts() -> dict[str, int]:
    with deps.get_db().connection() as conn:
        return {table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
                for table in ("daily_prices", "news")}


def watch(owner: str, *symbols: str) -> None:
    with deps.get_db().connection() as conn:
        for symbol in symbols:
            conn.execute("INSERT INTO watchlist (owner, symbol) VALUES (%s, %s)", (owner, symbol))


def test_ingest_twice_creates_no_duplicates():
    watch("a", "AAPL", "XOM")
    watch("b", "XOM")

    first = ingest.handler({}, None)
    # the index funds, then the most watched first
    assert first["symbols"] == [*OVERVIEW, "XOM", "AAPL"]
    assert first["prices_inserted"] >= 6 * 240 and first["news_inserted"] >= 4  # a year of bars the first time
    assert first["errors"] == {} and first["skipped"] == []
    after_first = counts()
    assert after_first == {"daily_prices": first["prices_inserted"], "news": first["news_inserted"]}

    second = ingest.handler({}, None)
    assert second["prices_inserted"] == 0 and second["news_inserted"] == 0
    assert 6 * 5 <= second["prices_updated"] <= 6 * 8  # then only the last sessions
    assert counts() == after_first


def test_ingest_reports_failures_per_symbol():
    watch("a", "KO", "GONE")
    summary = ingest.handler({}, None)
    assert summary["errors"] == {"GONE": "unknown symbol: GONE"}
    assert summary["prices_inserted"] > 0


def test_ingest_with_empty_watchlist_keeps_the_overview():
    summary = ingest.handler({}, None)
    assert summary["symbols"] == OVERVIEW and summary["news_inserted"] == 0 and summary["errors"] == {}


def test_the_old_shared_watchlist_is_not_ingested():
    watch("", "KO")
    assert ingest.handler({}, None)["symbols"] == OVERVIEW


class Metered(SampleProvider):
    name = "metered"
    daily_calls = 10  # 6 for ingestion


def test_ingest_stays_within_its_budget(monkeypatch):
    watch("a", "AAPL", "MSFT", "KO", "PEP")
    monkeypatch.setattr(ingest, "get_provider", Metered)
    summary = ingest.handler({}, None)
    # 6 calls for ingestion: the 4 funds' prices, then AAPL's prices and news (one provider answers both)
    assert summary["symbols"] == [*OVERVIEW, "AAPL", "KO", "MSFT", "PEP"]
    assert summary["skipped"] == ["KO", "MSFT", "PEP"] and summary["errors"] == {}
    assert ingest.handler({}, None)["skipped"] == summary["symbols"]  # nothing left today
    with deps.get_db().connection() as conn:
        assert conn.execute("SELECT sum(calls) AS n FROM provider_calls").fetchone()["n"] == 6
