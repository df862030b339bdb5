"""Market-data providers behind one interface, chosen from the configured API keys."""

from __future__ import annotations

from app.config import Settings
from app.providers.alphavantage import AlphaVantage
from app.providers.base import (
    CompositeProvider, HttpProvider, Provider, ProviderError, ProviderTimeout, SymbolNotFound,
)
from app.providers.fmp import FinancialModelingPrep
from app.providers.marketaux import MarketAux
from app.providers.sample import SampleProvider

__all__ = [
    "AlphaVantage", "CompositeProvider", "FinancialModelingPrep", "HttpProvider", "MarketAux",
    "Provider", "ProviderError", "ProviderTimeout", "SampleProvider", "SymbolNotFound", "build_provider",
]


def build_provider(settings: Settings) -> Provider:
    """Prices from FMP or Alpha Vantage, news from MarketAux; the offline sample fills any gap."""
    timeout = settings.provider_timeout
    prices: Provider | None = None
    if key := settings.api_key("FINPREP_API_KEY"):
        prices = FinancialModelingPrep(key, timeout)
    elif key := settings.api_key("ALPHAVANTAGE_API_KEY"):
        prices = AlphaVantage(key, timeout)
    news: Provider | None = None
    if key := settings.api_key("MARKETAUX_API_KEY"):
        news = MarketAux(key, timeout)
    if prices is None and news is None:
        return SampleProvider()
    return CompositeProvider(prices or SampleProvider(), news or prices)
