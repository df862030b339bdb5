"""Each visitor's watchlist: the symbols their browser's key owns, with the stored day's range,
volume and a trend line over the chosen range."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from app import market, service, store
from app.db import Database
from app.models import WatchlistItem
from app.providers import Provider, ProviderError, SymbolNotFound

log = logging.getLogger(__name__)

MAX_SYMBOLS = 50


class WatchlistFull(Exception):
    """A watchlist holds at most MAX_SYMBOLS symbols (HTTP 409)."""


def ensure_room(count: int, watched: bool) -> None:
    """WatchlistFull when a symbol not watched yet would pass the cap."""
    if not watched and count >= MAX_SYMBOLS:
        raise WatchlistFull(f"a watchlist holds at most {MAX_SYMBOLS} symbols; remove one first")


def symbols_of(db: Database, owner: str) -> list[str]:
    with db.connection() as conn:
        rows = conn.execute("SELECT symbol FROM watchlist WHERE owner = %s ORDER BY added_at, symbol", (owner,))
        return [row["symbol"] for row in rows]


def watched_symbols(db: Database) -> list[str]:
    """Every visitor's symbols, the most watched first (what the ingestion job keeps)."""
    with db.connection() as conn:
        rows = conn.execute("""
            SELECT symbol FROM watchlist WHERE owner <> '' GROUP BY symbol
            ORDER BY count(*) DESC, min(added_at), symbol
        """)
        return [row["symbol"] for row in rows]


def items(db: Database, provider: Provider, owner: str, days: int, now: datetime) -> list[WatchlistItem]:
    """The owner's symbols with stored quotes (an unmetered provider's refreshed: a metered one's
    budget goes to the selected symbol) and each one's closes over the last `days` days."""
    symbols = symbols_of(db, owner)
    history = store.closes(db, symbols, market.last_session(now) - timedelta(days=days))
    live = not service.metered(provider, "prices")
    latest = market.last_session(now)
    found = []
    for symbol in symbols:
        item = WatchlistItem(symbol=symbol, name=symbol)
        try:
            quote = service.get_quote(db, provider, symbol, now, live=live)
        except (ProviderError, SymbolNotFound) as exc:
            log.warning("watchlist quote for %s unavailable: %s", symbol, exc)
            item.stale = True
        else:
            item = WatchlistItem(
                symbol=symbol, name=quote.name, price=quote.price, change=quote.change,
                change_percent=quote.change_percent, day_low=quote.low, day_high=quote.high, volume=quote.volume,
                as_of=quote.as_of, stale=quote.stale or quote.as_of < latest,
            )
        closes = [p.close for p in history[symbol]]
        item.spark = closes
        if len(closes) >= 2 and closes[0]:
            item.range_change_percent = round(100 * (closes[-1] - closes[0]) / closes[0], 2)
        found.append(item)
    return found


def add(db: Database, provider: Provider, owner: str, symbol: str, now: datetime) -> WatchlistItem:
    """Watch a symbol the provider knows (SymbolNotFound otherwise), its year of prices stored first."""
    watched = symbols_of(db, owner)
    ensure_room(len(watched), symbol in watched)  # before spending provider calls
    if service.metered(provider, "prices"):  # one call: the year of bars, the quote from them
        service.get_history(db, provider, symbol, service.FULL_DAYS, now)
        quote = service.get_quote(db, provider, symbol, now, live=False)
    else:  # the quote names the symbol
        quote = service.get_quote(db, provider, symbol, now)
        service.get_history(db, provider, symbol, service.FULL_DAYS, now)
    with db.connection() as conn:  # counted again under a lock: two adds at once cannot pass the cap
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (owner,))
        count = conn.execute("SELECT count(*) AS n, bool_or(symbol = %s) AS has FROM watchlist WHERE owner = %s",
                             (symbol, owner)).fetchone()
        ensure_room(count["n"], bool(count["has"]))
        conn.execute(
            "INSERT INTO watchlist (owner, symbol, name) VALUES (%s, %s, %s) ON CONFLICT (owner, symbol) DO NOTHING",
            (owner, symbol, quote.name),
        )
    return WatchlistItem(
        symbol=symbol, name=quote.name, price=quote.price, change=quote.change, change_percent=quote.change_percent,
        day_low=quote.low, day_high=quote.high, volume=quote.volume, as_of=quote.as_of, stale=quote.stale,
    )


def remove(db: Database, owner: str, symbol: str) -> bool:
    with db.connection() as conn:
        return conn.execute("DELETE FROM watchlist WHERE owner = %s AND symbol = %s", (owner, symbol)).rowcount > 0
