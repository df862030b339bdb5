"""Offline provider with realistic, deterministic data (seeded by symbol and date) for dev and tests."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from app.market import last_session, sessions
from app.models import NewsItem, PricePoint, Quote, SymbolMatch
from app.providers.base import Provider, SymbolNotFound

# symbol: (name, exchange, typical price)
COMPANIES: dict[str, tuple[str, str, float]] = {
    "AAPL": ("Apple Inc.", "NASDAQ", 195.0),
    "MSFT": ("Microsoft Corporation", "NASDAQ", 410.0),
    "GOOGL": ("Alphabet Inc. Class A", "NASDAQ", 165.0),
    "AMZN": ("Amazon.com, Inc.", "NASDAQ", 180.0),
    "NVDA": ("NVIDIA Corporation", "NASDAQ", 120.0),
    "META": ("Meta Platforms, Inc.", "NASDAQ", 500.0),
    "TSLA": ("Tesla, Inc.", "NASDAQ", 220.0),
    "NFLX": ("Netflix, Inc.", "NASDAQ", 640.0),
    "BRK.B": ("Berkshire Hathaway Inc. Class B", "NYSE", 420.0),
    "JPM": ("JPMorgan Chase & Co.", "NYSE", 200.0),
    "V": ("Visa Inc.", "NYSE", 275.0),
    "MA": ("Mastercard Incorporated", "NYSE", 460.0),
    "JNJ": ("Johnson & Johnson", "NYSE", 155.0),
    "WMT": ("Walmart Inc.", "NYSE", 68.0),
    "PG": ("The Procter & Gamble Company", "NYSE", 165.0),
    "XOM": ("Exxon Mobil Corporation", "NYSE", 115.0),
    "KO": ("The Coca-Cola Company", "NYSE", 62.0),
    "PEP": ("PepsiCo, Inc.", "NASDAQ", 170.0),
    "DIS": ("The Walt Disney Company", "NYSE", 100.0),
    "SPY": ("SPDR S&P 500 ETF Trust", "NYSE Arca", 540.0),
    "QQQ": ("Invesco QQQ Trust", "NASDAQ", 470.0),
    "DIA": ("SPDR Dow Jones Industrial Average ETF Trust", "NYSE Arca", 400.0),
    "IWM": ("iShares Russell 2000 ETF", "NYSE Arca", 210.0),
}

EPOCH = date(2024, 1, 1)
TOPICS = [
    "quarterly earnings", "the interest-rate outlook", "a new product launch",
    "supply-chain updates", "sector rotation", "revised guidance",
]
HEADLINES = [
    "{name} shares {move} as investors weigh {topic}",
    "Analysts revisit {symbol} price targets after {topic}",
    "What {topic} could mean for {name} stock",
]


def _unit(*parts: object) -> float:
    """A deterministic pseudo-random number in [-1, 1) derived from the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1


class SampleProvider(Provider):
    """Serves ~20 well-known symbols without any network access."""

    name = "sample"
    has_news = True

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.now = now

    def today(self) -> date:
        """The latest session that has opened: prices are never "as of" a weekend, a market holiday
        or a day whose session has not begun."""
        return last_session(self.now())

    def _company(self, symbol: str) -> tuple[str, str, float]:
        try:
            return COMPANIES[symbol]
        except KeyError:
            raise SymbolNotFound(symbol) from None

    def _close(self, symbol: str, day: date) -> float:
        base = self._company(symbol)[2]
        t = (day - EPOCH).days
        phase = math.pi * _unit(symbol, "phase")
        log_move = (
            0.0003 * _unit(symbol, "drift") * t
            + 0.08 * math.sin(2 * math.pi * t / 97 + phase)
            + 0.03 * math.sin(2 * math.pi * t / 23 + 2 * phase)
            + 0.012 * _unit(symbol, day)
        )
        return round(base * math.exp(log_move), 2)

    def _bar(self, symbol: str, day: date, previous: date) -> PricePoint:
        close, prev_close = self._close(symbol, day), self._close(symbol, previous)
        open_ = round(prev_close * (1 + 0.004 * _unit(symbol, day, "open")), 2)
        high = round(max(open_, close) * (1 + 0.006 * abs(_unit(symbol, day, "high"))), 2)
        low = round(min(open_, close) * (1 - 0.006 * abs(_unit(symbol, day, "low"))), 2)
        volume = int(2_000_000 + 30_000_000 * abs(_unit(symbol, "volume")) * (1.2 + 0.3 * _unit(symbol, day, "v")))
        return PricePoint(date=day, open=open_, high=high, low=low, close=close, volume=volume)

    def quote(self, symbol: str) -> Quote:
        name = self._company(symbol)[0]
        previous, day = sessions(self.today(), 2)
        bar = self._bar(symbol, day, previous)
        prev_close = self._close(symbol, previous)
        change = round(bar.close - prev_close, 2)
        return Quote(
            symbol=symbol, name=name, price=bar.close, change=change,
            change_percent=round(100 * change / prev_close, 2), previous_close=prev_close,
            open=bar.open, high=bar.high, low=bar.low, volume=bar.volume, as_of=day,
        )

    def history(self, symbol: str, days: int) -> list[PricePoint]:
        self._company(symbol)
        start = self.today() - timedelta(days=days)
        window = sessions(self.today(), days + 1)
        return [self._bar(symbol, day, prev) for prev, day in pairwise(window) if day > start]

    def search(self, query: str) -> list[SymbolMatch]:
        q = query.strip().lower()
        hits = [
            SymbolMatch(symbol=symbol, name=name, exchange=exchange)
            for symbol, (name, exchange, _) in COMPANIES.items()
            if symbol.lower().startswith(q) or q in name.lower()
        ]
        return sorted(hits, key=lambda m: (not m.symbol.lower().startswith(q), m.symbol))[:10]

    def _articles(self, symbol: str, day: date) -> list[NewsItem]:
        name = COMPANIES[symbol][0]
        previous = sessions(day - timedelta(days=1), 1)[0]
        move = "rise" if self._close(symbol, day) >= self._close(symbol, previous) else "slip"
        templates = HEADLINES[:2] if _unit(symbol, day, "n") < 0 else HEADLINES
        articles = []
        for i, template in enumerate(templates):
            topic = TOPICS[int((_unit(symbol, day, i) + 1) / 2 * len(TOPICS)) % len(TOPICS)]
            title = template.format(name=name, symbol=symbol, move=move, topic=topic)
            slug = "-".join(title.lower().replace(",", "").replace(".", "").split()[:8])
            articles.append(NewsItem(
                symbol=symbol, title=title, source="Sample Wire",
                url=f"https://news.example.com/{symbol.lower()}/{day.isoformat()}/{slug}",
                summary=f"Sample coverage of {name} ({symbol}) on {day:%b %d, %Y}: {topic}.",
                published_at=datetime.combine(day, time(8 + 3 * i, 30), UTC),
            ))
        return articles

    def news(self, symbols: list[str], limit: int) -> list[NewsItem]:
        now = self.now()
        items = [
            article
            for symbol in symbols if symbol in COMPANIES
            for day in sessions(now.date(), 3)
            for article in self._articles(symbol, day)
            if article.published_at <= now
        ]
        items.sort(key=lambda item: item.published_at, reverse=True)
        return items[:limit]
