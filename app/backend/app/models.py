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


class NewsItem(BaseModel):
    symbol: str
    title: str
    url: str
    source: str = ""
    summary: str = ""
    published_at: datetime


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
    as_of: date | None = None
    live: bool = False


class WatchlistIn(BaseModel):
    symbol: str

    @field_validator("symbol")
    @classmethod
    def _valid_symbol(cls, value: str) -> str:
        return normalize_symbol(value)
