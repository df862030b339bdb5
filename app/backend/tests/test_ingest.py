"""The daily ingestion job: idempotent upserts of prices and news for watched symbols."""

from __future__ import annotations

import ingest
from app import deps


def counts() -> dict[str, int]:
    with deps.get_db().connection() as conn:
        return {table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
                for table in ("daily_prices", "news")}


def watch(*symbols: str) -> None:
    with deps.get_db().connection() as conn:
        for symbol in symbols:
            conn.execute("INSERT INTO watchlist (symbol) VALUES (%s)", (symbol,))


def test_ingest_twice_creates_no_duplicates():
    watch("AAPL", "XOM")

    first = ingest.handler({}, None)
    assert first["symbols"] == ["AAPL", "XOM"]
    assert first["prices_inserted"] >= 8 and first["news_inserted"] >= 8
    assert first["errors"] == {}
    after_first = counts()
    assert after_first == {"daily_prices": first["prices_inserted"], "news": first["news_inserted"]}

    second = ingest.handler({}, None)
    assert second["prices_inserted"] == 0 and second["news_inserted"] == 0
    assert second["prices_updated"] == first["prices_inserted"]
    assert counts() == after_first


def test_ingest_reports_failures_per_symbol():
    watch("SPY", "GONE")
    summary = ingest.handler({}, None)
    assert summary["errors"] == {"GONE": "unknown symbol: GONE"}
    assert summary["prices_inserted"] > 0


def test_ingest_with_empty_watchlist():
    assert ingest.handler({}, None) == {
        "symbols": [], "prices_inserted": 0, "prices_updated": 0, "news_inserted": 0, "errors": {},
    }
