"""The market-data provider interface, its errors, and a shared httpx-based base class."""

from __future__ import annotations

from typing import Any

import httpx

from app.models import NewsItem, PricePoint, Quote, SymbolMatch


class ProviderError(Exception):
    """The upstream provider failed or answered something unusable (HTTP 502)."""


class ProviderTimeout(ProviderError):
    """The upstream provider did not answer in time (HTTP 504)."""


class SymbolNotFound(Exception):
    """The provider does not know the symbol (HTTP 404)."""

    def __init__(self, symbol: str):
        super().__init__(f"unknown symbol: {symbol}")
        self.symbol = symbol


class Provider:
    """One interface for all market data; a provider overrides what it supports."""

    name = "provider"
    # Calls a day the provider's free plan allows; None: unmetered (see app/budget.py).
    daily_calls: int | None = None
    # whether news() asks anyone (the price providers' returns nothing, and costs no call)
    has_news = False

    def source(self, kind: str) -> Provider:
        """The provider that answers `kind` ("prices" or "news") calls: the one whose budget they spend."""
        return self

    def quote(self, symbol: str) -> Quote:
        raise ProviderError(f"{self.name} does not provide quotes")

    def history(self, symbol: str, days: int) -> list[PricePoint]:
        """Daily bars for the last `days` calendar days, oldest first."""
        raise ProviderError(f"{self.name} does not provide price history")

    def search(self, query: str) -> list[SymbolMatch]:
        raise ProviderError(f"{self.name} does not provide symbol search")

    def news(self, symbols: list[str], limit: int) -> list[NewsItem]:
        """Latest news for the symbols, newest first; providers without news return none."""
        return []


class CompositeProvider(Provider):
    """Prices from one provider, news from another."""

    def __init__(self, prices: Provider, news: Provider):
        self.prices, self.news_source = prices, news
        self.name = prices.name if prices is news else f"{prices.name} + {news.name}"

    def source(self, kind: str) -> Provider:
        return (self.news_source if kind == "news" else self.prices).source(kind)

    def quote(self, symbol: str) -> Quote:
        return self.prices.quote(symbol)

    def history(self, symbol: str, days: int) -> list[PricePoint]:
        return self.prices.history(symbol, days)

    def search(self, query: str) -> list[SymbolMatch]:
        return self.prices.search(query)

    def news(self, symbols: list[str], limit: int) -> list[NewsItem]:
        return self.news_source.news(symbols, limit)


class HttpProvider(Provider):
    """Base for REST providers: one httpx client, API key as a query parameter, error mapping."""

    base_url = ""
    key_param = "apikey"

    def __init__(self, api_key: str, timeout: float = 8.0, transport: httpx.BaseTransport | None = None):
        self.api_key = api_key
        self.client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def get_json(self, path: str, **params: Any) -> Any:
        """GET a JSON document; never lets the API key leak into error messages."""
        params[self.key_param] = self.api_key
        try:
            response = self.client.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"{self.name} did not respond in time") from exc
        except httpx.HTTPError as exc:
            raise ProviderError(f"{self.name} is unreachable ({type(exc).__name__})") from exc
        if response.status_code == 429:
            raise ProviderError(f"{self.name} rate limit reached; try again later")
        if response.status_code >= 400:
            raise ProviderError(f"{self.name} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(f"{self.name} sent a response that is not JSON") from exc
