"""Daily ingestion job (Lambda handler): store the market overview's and every watched symbol's
latest prices and news, within each provider's daily budget for ingestion (app/budget.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from app import budget, service, store, watchlist
from app.deps import get_db, get_provider, get_settings
from app.providers import ProviderError, SymbolNotFound

log = logging.getLogger(__name__)

NEWS_LIMIT = 20


def handler(event: Any = None, context: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """Safe to run repeatedly: prices are upserted on (symbol, date), news on (symbol, url). The
    index funds come first, then the most watched symbols; what the budget leaves out is `skipped`."""
    db, provider, now = get_db(), get_provider(), now or datetime.now(UTC)
    overview = get_settings().overview_symbols
    watched = watchlist.watched_symbols(db)
    symbols = overview + [s for s in watched if s not in overview]
    summary: dict[str, Any] = {
        "symbols": symbols, "prices_inserted": 0, "prices_updated": 0, "news_inserted": 0,
        "errors": {}, "skipped": [],
    }
    prices, news = provider.source("prices"), provider.source("news")
    for symbol in symbols:
        if not budget.take(db, prices, "ingest", now):
            summary["skipped"].append(symbol)
            continue
        try:
            row = store.symbol_row(db, symbol)
            inserted, updated = service.fetch_history(
                db, provider, symbol, service.history_request(row, service.FULL_DAYS, now), now, lambda call: call())
            summary["prices_inserted"] += inserted
            summary["prices_updated"] += updated
            if symbol in watched and news.has_news and budget.take(db, news, "ingest", now):
                summary["news_inserted"] += store.store_news(db, provider.news([symbol], NEWS_LIMIT))
                store.mark(db, [symbol], "news_at", now)
        except (ProviderError, SymbolNotFound) as exc:
            log.warning("ingest of %s failed: %s", symbol, exc)
            summary["errors"][symbol] = str(exc)
    log.info("ingest summary: %s", summary)
    return summary


if __name__ == "__main__":
    print(handler())
