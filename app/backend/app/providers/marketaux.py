"""MarketAux provider for financial news."""

from __future__ import annotations

from app.models import NewsItem
from app.providers.base import HttpProvider, ProviderError


class MarketAux(HttpProvider):
    name = "MarketAux"
    has_news = True
    daily_calls = 100  # the free plan's limit
    base_url = "https://api.marketaux.com/v1/"
    key_param = "api_token"

    def news(self, symbols: list[str], limit: int) -> list[NewsItem]:
        if not symbols:
            return []
        data = self.get_json(
            "news/all", symbols=",".join(symbols), filter_entities="true", language="en", limit=limit
        )
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ProviderError(f"{self.name} sent an unexpected response")
        items = []
        for article in data["data"]:
            tagged = [e.get("symbol") for e in article.get("entities") or []]
            symbol = next((s for s in tagged if s in symbols), symbols[0])
            items.append(NewsItem(
                symbol=symbol,
                title=article.get("title") or "(untitled)",
                url=article["url"],
                source=article.get("source") or "",
                summary=article.get("description") or article.get("snippet") or "",
                published_at=article["published_at"],
            ))
        items.sort(key=lambda item: item.published_at, reverse=True)
        return items[:limit]
