"""Alpha Vantage provider (quotes, daily history, symbol search)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.models import PricePoint, Quote, SymbolMatch
from app.providers.base import HttpProvider, ProviderError, SymbolNotFound


class AlphaVantage(HttpProvider):
    name = "Alpha Vantage"
    daily_calls = 25  # the free plan's limit
    base_url = "https://www.alphavantage.co/"

    def _query(self, function: str, symbol: str = "", **params: Any) -> dict[str, Any]:
        if symbol:
            params["symbol"] = symbol
        data = self.get_json("query", function=function, **params)
        if not isinstance(data, dict):
            raise ProviderError(f"{self.name} sent an unexpected response")
        if "Error Message" in data:
            if symbol:
                raise SymbolNotFound(symbol)
            raise ProviderError(f"{self.name}: {data['Error Message']}")
        if notice := data.get("Note") or data.get("Information"):
            raise ProviderError(f"{self.name}: {notice}")
        return data

    def quote(self, symbol: str) -> Quote:
        row = self._query("GLOBAL_QUOTE", symbol).get("Global Quote") or {}
        if not row.get("05. price"):
            raise SymbolNotFound(symbol)
        return Quote(
            symbol=row.get("01. symbol", symbol),
            name=symbol,
            price=row["05. price"],
            change=row.get("09. change") or 0.0,
            change_percent=(row.get("10. change percent") or "0").rstrip("%"),
            previous_close=row.get("08. previous close"),
            open=row.get("02. open"),
            high=row.get("03. high"),
            low=row.get("04. low"),
            volume=row.get("06. volume"),
            as_of=row.get("07. latest trading day") or datetime.now(UTC).date(),
        )

    def history(self, symbol: str, days: int) -> list[PricePoint]:
        """Daily bars; the free "compact" series covers the last 100 trading days."""
        series = self._query("TIME_SERIES_DAILY", symbol, outputsize="compact").get("Time Series (Daily)") or {}
        start = datetime.now(UTC).date() - timedelta(days=days)
        points = [
            PricePoint(date=day, open=bar.get("1. open"), high=bar.get("2. high"), low=bar.get("3. low"),
                       close=bar["4. close"], volume=bar.get("5. volume"))
            for raw_day, bar in series.items()
            if (day := date.fromisoformat(raw_day)) > start
        ]
        return sorted(points, key=lambda p: p.date)

    def search(self, query: str) -> list[SymbolMatch]:
        matches = self._query("SYMBOL_SEARCH", keywords=query).get("bestMatches") or []
        return [
            SymbolMatch(symbol=m["1. symbol"], name=m.get("2. name", ""), exchange=m.get("4. region", ""))
            for m in matches[:10]
        ]
