"""Market data for the page, stored first: quotes, charts and news come from what the ingestion job
and earlier requests stored, and the provider is asked only when that is out of date and its daily
budget allows (app/budget.py). When it cannot be asked or fails, the stored data is served, marked
stale, with the reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from app import budget, market, store
from app.cache import Cache
from app.db import Database
from app.models import History, IndexQuote, NewsFeed, Overview, PricePoint, Quote, SymbolMatch
from app.providers import Provider, ProviderError, SymbolNotFound

log = logging.getLogger(__name__)
T = TypeVar("T")

FULL_DAYS = 365  # the longest range the page shows: what a first fetch of a symbol's history asks for
TOP_UP_DAYS = 10  # what a later fetch asks for: the sessions since the last one
PARTIAL_SLACK = timedelta(days=3)  # an unscheduled closing is not a provider's short history
NEWS_FETCH_LIMIT = 20
MAX_NEWS_SYMBOLS = 10  # symbols one news request may refresh
SEARCH_TTL = 24 * 60 * 60


class QuotaSpent(ProviderError):
    """The provider's daily budget for page views is spent (HTTP 503 when nothing is stored)."""


def metered(provider: Provider, kind: str) -> bool:
    return provider.source(kind).daily_calls is not None


def every(provider: Provider, kind: str) -> timedelta:
    """How long data of `kind` stays current: a metered provider is asked far less often."""
    minutes = {"quote": (1, 15), "history": (15, 12 * 60), "news": (10, 3 * 60)}[kind]
    return timedelta(minutes=minutes[metered(provider, "news" if kind == "news" else "prices")])


def quote_fresh(updated_at: datetime | None, now: datetime, interval: timedelta) -> bool:
    """A quote is current for `interval`, and outside trading hours from the last close on."""
    if updated_at is None:
        return False
    return now - updated_at < interval or (not market.is_open(now) and updated_at >= market.last_close(now))


def history_fresh(updated_at: datetime | None, now: datetime, interval: timedelta) -> bool:
    """Bars fetched since the last close stay current (today's bar comes with the quote)."""
    return updated_at is not None and (now - updated_at < interval or updated_at >= market.last_close(now))


def ask(db: Database, provider: Provider, kind: str, now: datetime, call: Callable[[], T],
        purpose: str = "live") -> T:
    """Make one provider call for the page, within the day's budget of the provider that answers it."""
    source = provider.source(kind)
    if not budget.take(db, source, purpose, now):
        raise QuotaSpent(f"{source.name}'s daily {'search' if purpose == 'search' else 'call'} budget is spent;"
                         " showing stored data")
    return call()


def stored_quote(db: Database, symbol: str) -> Quote | None:
    """A quote from the two latest stored bars."""
    latest = store.bars(db, symbol, latest=2)
    if not latest:
        return None
    row = store.symbol_row(db, symbol) or {}
    bar, previous = latest[-1], latest[0] if len(latest) == 2 else None
    change = round(bar.close - previous.close, 4) if previous else 0.0
    times = [t for t in (row.get("quote_at"), row.get("history_at")) if t]
    return Quote(
        symbol=symbol, name=row.get("name") or symbol, price=bar.close, change=change,
        change_percent=round(100 * change / previous.close, 2) if previous and previous.close else 0.0,
        previous_close=previous.close if previous else None, open=bar.open, high=bar.high, low=bar.low,
        volume=bar.volume, as_of=bar.date, updated_at=max(times) if times else None,
    )


def save_quote(db: Database, quote: Quote, now: datetime) -> None:
    """A quote is the day's bar so far, and the previous session's close: stored with the bars, so the
    chart and the list show it, and the stored quote has its change."""
    day = min(quote.as_of, market.last_session(now))  # a provider's UTC date may be tomorrow in New York
    bars = [PricePoint(
        date=day, open=quote.open, high=quote.high, low=quote.low, close=quote.price, volume=quote.volume,
    )]
    if quote.previous_close:
        bars.append(PricePoint(date=market.sessions(day - timedelta(days=1), 1)[0], close=quote.previous_close))
    store.store_prices(db, quote.symbol, bars)
    store.mark(db, [quote.symbol], "quote_at", now)
    store.remember_names(db, [quote])


def get_quote(db: Database, provider: Provider, symbol: str, now: datetime, live: bool = True) -> Quote:
    """The stored quote while current; otherwise (and with `live`) the provider's, stored. Without
    `live` the provider is asked only for a symbol nothing is stored of."""
    stored = stored_quote(db, symbol)
    if stored and (not live or quote_fresh(stored.updated_at, now, every(provider, "quote"))):
        return stored
    try:
        quote = ask(db, provider, "prices", now, lambda: provider.quote(symbol))
    except ProviderError as exc:
        if stored is None:
            raise
        log.warning("quote for %s: serving stored prices: %s", symbol, exc)
        return stored.model_copy(update={"stale": True, "note": str(exc)})
    save_quote(db, quote, now)
    row = store.symbol_row(db, symbol) or {}  # a name stored earlier (a search's) beats the quote's
    return quote.model_copy(update={"updated_at": now, "name": row.get("name") or quote.name,
                                    "as_of": min(quote.as_of, market.last_session(now))})


def fetch_history(db: Database, provider: Provider, symbol: str, days: int, now: datetime,
                  call: Callable[[Callable[[], list[PricePoint]]], list[PricePoint]]) -> tuple[int, int]:
    """Fetch `days` of bars through `call` (which spends the budget), store them and record it."""
    points = call(lambda: provider.history(symbol, days))
    if not points and not store.bars(db, symbol, latest=1):
        raise SymbolNotFound(symbol)  # FMP answers an unknown symbol with no bars: nothing recorded
    counts = store.store_prices(db, symbol, points)
    store.mark(db, [symbol], "history_at", now, history_days=days)
    return counts


def history_request(row: dict | None, days: int, now: datetime) -> int:
    """How many days to ask the provider for, given what it was asked before and when: a year the
    first time, then the days since the last fetch (at least TOP_UP_DAYS), so no gap is left."""
    if not (row and row["history_days"] >= max(days, FULL_DAYS) and row["history_at"]):
        return max(days, FULL_DAYS)
    return min(FULL_DAYS, max(TOP_UP_DAYS, (now - row["history_at"]).days + TOP_UP_DAYS))


def get_history(db: Database, provider: Provider, symbol: str, days: int, now: datetime) -> History:
    """The stored bars of the last `days` calendar days, fetched first when they are out of date or
    were never asked for that far back; `partial` when the provider has none that early."""
    start = market.last_session(now) - timedelta(days=days)
    row = store.symbol_row(db, symbol)
    note, failure = None, None
    if not (row and row["history_days"] >= days and history_fresh(row["history_at"], now, every(provider, "history"))):
        try:
            fetch_history(db, provider, symbol, history_request(row, days, now), now,
                          lambda call: ask(db, provider, "prices", now, call))
        except ProviderError as exc:
            log.warning("history of %s: serving stored prices: %s", symbol, exc)
            note, failure = str(exc), exc
        row = store.symbol_row(db, symbol)
    points = store.bars(db, symbol, since=start)
    if failure and not points:
        raise failure
    stale = failure is not None
    partial = bool(points) and points[0].date > market.next_trading_day(start) + PARTIAL_SLACK
    if partial and not stale:
        note = f"prices from {points[0].date} on: {provider.source('prices').name} returned none earlier"
    return History(symbol=symbol, points=points, partial=partial, stale=stale, note=note,
                   updated_at=row["history_at"] if row else None)


def get_news(db: Database, provider: Provider, symbols: list[str], limit: int, now: datetime) -> NewsFeed:
    """Stored news of the symbols; the known ones (quoted, charted or ingested before: no provider
    call and no row for a made-up symbol) not asked for recently are fetched first, in one call."""
    if not symbols:
        return NewsFeed(items=[], updated_at=now)
    rows = store.symbol_rows(db, symbols)
    interval = every(provider, "news")
    due = [s for s in symbols if s in rows and not ((at := rows[s]["news_at"]) and now - at < interval)]
    note, failure = None, None
    if (due := due[:MAX_NEWS_SYMBOLS]) and provider.source("news").has_news:
        try:
            fetched = ask(db, provider, "news", now, lambda: provider.news(due, NEWS_FETCH_LIMIT))
        except ProviderError as exc:
            log.warning("news of %s: serving stored news: %s", ",".join(due), exc)
            note, failure = str(exc), exc
        else:
            store.store_news(db, fetched)
            store.mark(db, due, "news_at", now)
            for symbol in due:
                rows[symbol]["news_at"] = now
    items = store.news(db, symbols, limit, now - store.NEWS_KEPT)
    if failure and not items:
        raise failure
    times = [row["news_at"] for row in rows.values() if row["news_at"]]
    return NewsFeed(items=items, stale=note is not None, note=note, updated_at=min(times) if times else None)


def search(db: Database, cache: Cache, provider: Provider, query: str, now: datetime) -> list[SymbolMatch]:
    """The provider's matches (cached a day), or the stored symbols' when it cannot be asked. With a
    metered provider the stored symbols come first: it is asked (from the search budget) only for
    a query of 2 or more characters that matches none of them."""
    q = query.strip()
    stored = store.search_names(db, q)
    if metered(provider, "prices") and (stored or len(q) < 2):
        return stored
    try:
        hits = cache.get_or_set(f"search:{q.lower()}", SEARCH_TTL, list[SymbolMatch],
                                lambda: ask(db, provider, "prices", now, lambda: provider.search(q), "search"))
    except ProviderError:
        if stored:
            return stored
        raise
    store.remember_names(db, hits)
    return hits


def overview(db: Database, provider: Provider, symbols: list[str], now: datetime) -> Overview:
    """The market's state and the index funds' quotes (stored ones with a metered provider: the
    ingestion job keeps them), each failing on its own."""
    indices = []
    for symbol in symbols:
        try:
            quote = get_quote(db, provider, symbol, now, live=not metered(provider, "prices"))
            if quote.as_of < market.last_session(now) and not quote.stale:  # the ingestion job is behind
                quote = quote.model_copy(update={"stale": True, "note": f"last stored close is {quote.as_of}'s"})
            indices.append(IndexQuote(symbol=symbol, quote=quote))
        except (ProviderError, SymbolNotFound) as exc:
            indices.append(IndexQuote(symbol=symbol, error=str(exc)))
    return Overview(market=market.status(now), indices=indices)
