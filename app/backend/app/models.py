"""Pydantic models shared by the providers, the cache and the HTTP API."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, field_validator

SYMBOL_RE = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-]{0,11}$")


def normalize_symbol(raw: str) -> str:
    """Upper-case and validate a ticker symbol; raise ValueError with a clear message."""
    symbol = raw.strip().upper()
    if not SYMBOL_RE.fullmatch(symbol):
        raise ValueError(
            f"invalid symbol {raw!r}: use 1-12 letters, digits, '.' or '-' (e.g. AAPL, BRK.B)"
        )
    return symbol


class Quote(BaseModel):
    symbol: str
    name: str
    price: float
    change: float
    change_percent: float
    previous_close: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: int | None = None
    as_of: date
    # When the data came from the provider; stale: a refresh was due but failed or the day's
    # provider budget is spent (note says which), so this is what was stored.
    updated_at: datetime | None = None
    stale: bool = False
    note: str | None = None


class PricePoint(BaseModel):
    date: date
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float
    volume: int | None = None


class History(BaseModel):
    symbol: str
    points: list[PricePoint]
    # partial: the range starts before the first price the provider gave (note says so).
    partial: bool = False
    updated_at: datetime | None = None
    stale: bool = False
    note: str | None = None


class NewsItem(BaseModel):
    symbol: str
    title: str
    url: str
    source: str = ""
    summary: str = ""
    published_at: datetime


class NewsFeed(BaseModel):
    items: list[NewsItem]
    updated_at: datetime | None = None
    stale: bool = False
    note: str | None = None


class SymbolMatch(BaseModel):
    symbol: str
    name: str
    exchange: str = ""


class WatchlistItem(BaseModel):
    symbol: str
    name: str
    price: float | None = None
    change: float | None = None
    change_percent: float | None = None
    day_low: float | None = None
    day_high: float | None = None
    volume: int | None = None
    as_of: date | None = None
    # as_of is older than the latest session
    stale: bool = False
    # closes over the chosen range, oldest first, and the change across it
    spark: list[float] = []
    range_change_percent: float | None = None


class MarketStatus(BaseModel):
    open: bool
    state: str
    exchange_time: str
    next_change: str


class IndexQuote(BaseModel):
    symbol: str
    quote: Quote | None = None
    error: str | None = None


class Overview(BaseModel):
    market: MarketStatus
    indices: list[IndexQuote]


class WatchlistIn(BaseModel):
    symbol: str

    @field_validator("symbol")
    @classmethod
    def _valid_symbol(cls, value: str) -> str:
        return normalize_symbol(value)
