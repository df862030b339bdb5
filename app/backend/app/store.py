"""What the app keeps of the market in PostgreSQL: symbols (and when each kind of data last came from
the provider), daily bars and news."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from app.db import Database
from app.models import NewsItem, PricePoint, Quote, SymbolMatch

BAR_COLUMNS = "date, open, high, low, close, volume"


def _point(row: dict[str, Any]) -> PricePoint:
    return PricePoint(**{k: row[k] for k in ("date", "open", "high", "low", "close", "volume")})


def symbol_rows(db: Database, symbols: Iterable[str]) -> dict[str, dict[str, Any]]:
    with db.connection() as conn:
        rows = conn.execute("SELECT * FROM symbols WHERE symbol = ANY(%s)", (list(symbols),)).fetchall()
    return {row["symbol"]: row for row in rows}


def symbol_row(db: Database, symbol: str) -> dict[str, Any] | None:
    return symbol_rows(db, [symbol]).get(symbol)


def mark(db: Database, symbols: Iterable[str], column: str, at: datetime, history_days: int = 0) -> None:
    """Record that `column` ("quote_at", "history_at" or "news_at") of each symbol came from the
    provider `at`; a history fetch also records how many days it asked for."""
    if column not in ("quote_at", "history_at", "news_at"):
        raise ValueError(f"not a time column of symbols: {column}")
    with db.connection() as conn:
        conn.execute(f"""
            INSERT INTO symbols (symbol, {column}, history_days) SELECT s, %s, %s FROM unnest(%s::text[]) s
            ON CONFLICT (symbol) DO UPDATE SET {column} = EXCLUDED.{column},
                history_days = greatest(symbols.history_days, EXCLUDED.history_days)
        """, (at, history_days, list(symbols)))


def remember_names(db: Database, matches: Iterable[SymbolMatch | Quote]) -> None:
    """Keep the names providers gave (Alpha Vantage's quotes and bars carry none)."""
    named = {m.symbol: m.name for m in matches if m.name and m.name != m.symbol}
    if not named:
        return
    with db.connection() as conn:
        conn.execute("""
            INSERT INTO symbols (symbol, name) SELECT * FROM unnest(%s::text[], %s::text[])
            ON CONFLICT (symbol) DO UPDATE SET name = EXCLUDED.name
        """, (list(named), list(named.values())))


def search_names(db: Database, query: str, limit: int = 10) -> list[SymbolMatch]:
    """Stored symbols matching a search (when the provider cannot be asked)."""
    q = query.strip()
    with db.connection() as conn:
        rows = conn.execute("""
            SELECT symbol, name FROM symbols
            WHERE symbol ILIKE %s || '%%' OR name ILIKE '%%' || %s || '%%'
            ORDER BY NOT symbol ILIKE %s || '%%', symbol LIMIT %s
        """, (q, q, q, limit)).fetchall()
    return [SymbolMatch(symbol=row["symbol"], name=row["name"] or row["symbol"]) for row in rows]


def bars(db: Database, symbol: str, since: date | None = None, latest: int | None = None) -> list[PricePoint]:
    """Stored bars after `since`, or the `latest` few; oldest first."""
    with db.connection() as conn:
        rows = conn.execute(f"""
            SELECT {BAR_COLUMNS} FROM daily_prices WHERE symbol = %s AND date > %s
            ORDER BY date DESC LIMIT %s
        """, (symbol, since or date.min, latest)).fetchall()
    return [_point(row) for row in reversed(rows)]


def closes(db: Database, symbols: list[str], since: date) -> dict[str, list[PricePoint]]:
    """Each symbol's stored bars after `since`, oldest first, in one query."""
    with db.connection() as conn:
        rows = conn.execute(f"""
            SELECT symbol, {BAR_COLUMNS} FROM daily_prices WHERE symbol = ANY(%s) AND date > %s
            ORDER BY symbol, date
        """, (symbols, since)).fetchall()
    found: dict[str, list[PricePoint]] = {symbol: [] for symbol in symbols}
    for row in rows:
        found[row["symbol"]].append(_point(row))
    return found


def store_prices(db: Database, symbol: str, points: list[PricePoint]) -> tuple[int, int]:
    """Upsert daily bars in one statement; return (inserted, updated). A bar's missing open, high,
    low or volume (a quote may lack them) keeps what was stored."""
    if not points:
        return 0, 0
    columns = [[getattr(p, name) for p in points] for name in ("date", "open", "high", "low", "close", "volume")]
    with db.connection() as conn:
        rows = conn.execute("""
            INSERT INTO daily_prices (symbol, date, open, high, low, close, volume)
            SELECT %s, * FROM unnest(%s::date[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[],
                                     %s::bigint[])
            ON CONFLICT (symbol, date) DO UPDATE SET
                open = coalesce(EXCLUDED.open, daily_prices.open),
                high = coalesce(EXCLUDED.high, daily_prices.high),
                low = coalesce(EXCLUDED.low, daily_prices.low),
                close = EXCLUDED.close,
                volume = coalesce(EXCLUDED.volume, daily_prices.volume)
            RETURNING (xmax = 0) AS inserted
        """, (symbol, *columns)).fetchall()
    inserted = sum(1 for row in rows if row["inserted"])
    return inserted, len(rows) - inserted


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


def news(db: Database, symbols: list[str], limit: int, since: datetime) -> list[NewsItem]:
    """The newest stored news of the symbols published after `since`."""
    with db.connection() as conn:
        rows = conn.execute("""
            SELECT symbol, url, title, source, summary, published_at FROM news
            WHERE symbol = ANY(%s) AND published_at > %s ORDER BY published_at DESC, id LIMIT %s
        """, (symbols, since, limit)).fetchall()
    return [NewsItem(**row) for row in rows]


NEWS_KEPT = timedelta(days=14)
