"""Market-data use cases shared by the HTTP API and the ingestion job."""

from __future__ import annotations

import logging

from app.cache import Cache
from app.db import Database
from app.models import NewsItem, PricePoint, Quote, SymbolMatch, WatchlistItem
from app.providers import Provider, ProviderError, SymbolNotFound

log = logging.getLogger(__name__)

QUOTE_TTL = 60
HISTORY_TTL = 15 * 60
NEWS_TTL = 10 * 60
SEARCH_TTL = 24 * 60 * 60
BACKFILL_DAYS = 30


def get_quote(cache: Cache, provider: Provider, symbol: str) -> Quote:
    return cache.get_or_set(f"quote:{symbol}", QUOTE_TTL, Quote, lambda: provider.quote(symbol))


def get_history(cache: Cache, provider: Provider, symbol: str, days: int) -> list[PricePoint]:
    return cache.get_or_set(
        f"history:{symbol}:{days}", HISTORY_TTL, list[PricePoint], lambda: provider.history(symbol, days)
    )


def search(cache: Cache, provider: Provider, query: str) -> list[SymbolMatch]:
    q = query.strip()
    return cache.get_or_set(f"search:{q.lower()}", SEARCH_TTL, list[SymbolMatch], lambda: provider.search(q))


def get_news(cache: Cache, provider: Provider, symbols: list[str], limit: int) -> list[NewsItem]:
    if not symbols:
        return []
    key = f"news:{','.join(sorted(symbols))}:{limit}"
    return cache.get_or_set(key, NEWS_TTL, list[NewsItem], lambda: provider.news(symbols, limit))


def watchlist_symbols(db: Database) -> list[str]:
    with db.connection() as conn:
        return [row["symbol"] for row in conn.execute("SELECT symbol FROM watchlist ORDER BY added_at, symbol")]


def list_watchlist(db: Database, cache: Cache, provider: Provider) -> list[WatchlistItem]:
    """Watched symbols with a live quote, or the last stored closes when the provider fails."""
    with db.connection() as conn:
        rows = conn.execute("""
            SELECT w.symbol, w.name, p.closes, p.as_of
            FROM watchlist w
            LEFT JOIN LATERAL (
                SELECT array_agg(close ORDER BY date DESC) AS closes, max(date) AS as_of
                FROM (SELECT close, date FROM daily_prices d
                      WHERE d.symbol = w.symbol ORDER BY date DESC LIMIT 2) latest
            ) p ON true
            ORDER BY w.added_at, w.symbol
        """).fetchall()
    items = []
    for row in rows:
        try:
            quote = get_quote(cache, provider, row["symbol"])
        except (ProviderError, SymbolNotFound) as exc:
            log.warning("live quote for %s unavailable: %s", row["symbol"], exc)
            items.append(_stored_item(row))
        else:
            items.append(WatchlistItem(
                symbol=quote.symbol, name=row["name"] or quote.name, price=quote.price, change=quote.change,
                change_percent=quote.change_percent, as_of=quote.as_of, live=True,
            ))
    return items


def _stored_item(row: dict) -> WatchlistItem:
    closes = [float(c) for c in row["closes"] or []]
    item = WatchlistItem(symbol=row["symbol"], name=row["name"], as_of=row["as_of"])
    if closes:
        item.price = closes[0]
    if len(closes) == 2 and closes[1]:
        item.change = round(closes[0] - closes[1], 4)
        item.change_percent = round(100 * item.change / closes[1], 2)
    return item


def add_to_watchlist(db: Database, cache: Cache, provider: Provider, symbol: str) -> WatchlistItem:
    """Watch a symbol the provider knows (SymbolNotFound otherwise) and backfill its recent prices."""
    quote = get_quote(cache, provider, symbol)
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO watchlist (symbol, name) VALUES (%s, %s) ON CONFLICT (symbol) DO NOTHING",
            (symbol, quote.name),
        )
    try:
        store_prices(db, symbol, get_history(cache, provider, symbol, BACKFILL_DAYS))
    except (ProviderError, SymbolNotFound) as exc:
        log.warning("backfill for %s failed: %s", symbol, exc)
    return WatchlistItem(
        symbol=symbol, name=quote.name, price=quote.price, change=quote.change,
        change_percent=quote.change_percent, as_of=quote.as_of, live=True,
    )


def remove_from_watchlist(db: Database, symbol: str) -> bool:
    with db.connection() as conn:
        return conn.execute("DELETE FROM watchlist WHERE symbol = %s", (symbol,)).rowcount > 0


def store_prices(db: Database, symbol: str, points: list[PricePoint]) -> tuple[int, int]:
    """Upsert daily bars; return (inserted, updated)."""
    inserted = updated = 0
    with db.connection() as conn:
        for p in points:
            row = conn.execute("""
                INSERT INTO daily_prices (symbol, date, open, high, low, close, volume)
                VALUES (%s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (symbol, date) DO UPDATE SET
                    open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
                    close = EXCLUDED.close, volume = EXCLUDED.volume
                RETURNING (xmax = 0) AS inserted
            """, (symbol, p.date, p.open, p.high, p.low, p.close, p.volume)).fetchone()
            if row["inserted"]:
                inserted += 1
            else:
                updated += 1
    return inserted, updated


def store_news(db: Database, items: list[NewsItem]) -> int:
    """Insert news items not stored yet; return how many were new."""
    inserted = 0
    with db.connection() as conn:
        for item in items:
            inserted += conn.execute("""
                INSERT INTO news (symbol, url, title, source, summary, published_at)
                VALUES (%s, %s, %s, %s, %s, %s)
                ON CONFLICT (symbol, url) DO NOTHING
            """, (item.symbol, item.url, item.title, item.source, item.summary, item.published_at)).rowcount
    return inserted
