"""Daily ingestion job (Lambda handler): upsert each watched symbol's latest prices and news."""

from __future__ import annotations

import logging
from typing import Any

from app import service
from app.deps import get_db, get_provider
from app.providers import ProviderError, SymbolNotFound

log = logging.getLogger(__name__)

DAYS = 7  # a week of bars also fills gaps left by weekends or missed runs
NEWS_LIMIT = 20


def handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    """Safe to run repeatedly: prices are upserted on (symbol, date), news on (symbol, url)."""
    db, provider = get_db(), get_provider()
    summary: dict[str, Any] = {
        "symbols": service.watchlist_symbols(db), "prices_inserted": 0, "prices_updated": 0,
        "news_inserted": 0, "errors": {},
    }
    for symbol in summary["symbols"]:
        try:
            inserted, updated = service.store_prices(db, symbol, provider.history(symbol, DAYS))
            summary["prices_inserted"] += inserted
            summary["prices_updated"] += updated
            summary["news_inserted"] += service.store_news(db, provider.news([symbol], NEWS_LIMIT))
        except (ProviderError, SymbolNotFound) as exc:
            log.warning("ingest of %s failed: %s", symbol, exc)
            summary["errors"][symbol] = str(exc)
    log.info("ingest summary: %s", summary)
    return summary


if __name__ == "__main__":
    print(handler())
