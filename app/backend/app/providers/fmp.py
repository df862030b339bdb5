"""Financial Modeling Prep provider (quotes, daily history, symbol search) via its /stable API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.models import PricePoint, Quote, SymbolMatch
from app.providers.base import HttpProvider, ProviderError, SymbolNotFound


class FinancialModelingPrep(HttpProvider):
    name = "Financial Modeling Prep"
    daily_calls = 250  # the free plan's limit
    base_url = "https://financialmodelingprep.com/stable/"

    def _rows(self, path: str, **params: Any) -> list[dict[str, Any]]:
        data = self.get_json(path, **params)
        if isinstance(data, dict) and "Error Message" in data:
            raise ProviderError(f"{self.name}: {data['Error Message']}")
        if not isinstance(data, list):
            raise ProviderError(f"{self.name} sent an unexpected response")
        return data

    def quote(self, symbol: str) -> Quote:
        rows = self._rows("quote", symbol=symbol)
        if not rows:
            raise SymbolNotFound(symbol)
        row = rows[0]
        stamp = row.get("timestamp")
        return Quote(
            symbol=row.get("symbol", symbol),
            name=row.get("name") or symbol,
            price=row["price"],
            change=row.get("change") or 0.0,
            change_percent=row.get("changePercentage") or 0.0,
            previous_close=row.get("previousClose"),
            open=row.get("open"),
            high=row.get("dayHigh"),
            low=row.get("dayLow"),
            volume=row.get("volume"),
            as_of=datetime.fromtimestamp(stamp, UTC).date() if stamp else datetime.now(UTC).date(),
        )

    def history(self, symbol: str, days: int) -> list[PricePoint]:
        today = datetime.now(UTC).date()
        start = today - timedelta(days=days - 1)
        window = {"from": start.isoformat(), "to": today.isoformat()}
        rows = self._rows("historical-price-eod/full", symbol=symbol, **window)
        points = [
            PricePoint(date=date.fromisoformat(r["date"][:10]), open=r.get("open"), high=r.get("high"),
                       low=r.get("low"), close=r["close"], volume=r.get("volume"))
            for r in rows
        ]
        return sorted(points, key=lambda p: p.date)

    def search(self, query: str) -> list[SymbolMatch]:
        rows = self._rows("search-symbol", query=query, limit=10)
        return [
            SymbolMatch(symbol=r["symbol"], name=r.get("name") or "", exchange=r.get("exchange") or "")
            for r in rows
        ]
