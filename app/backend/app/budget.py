"""Each provider's daily call budget, counted in PostgreSQL so every process and the ingestion job
share it: a free key (Alpha Vantage: 25 calls a day) lasts the day however many people look."""

from __future__ import annotations

from datetime import datetime

from app.db import Database
from app.providers import Provider

# What page views may spend refreshing quotes, charts and news ("live"), and searching ("search":
# its own share, so anyone typing random queries cannot leave the quotes stale); the ingestion job
# gets the rest, so a busy day of page views never starves the next morning's ingest.
SHARES = {"live": 0.3, "search": 0.1}


def limit(provider: Provider, purpose: str) -> int | None:
    """Calls per UTC day that `purpose` ("live", "search" or "ingest") may make to `provider`;
    None: no limit."""
    if provider.daily_calls is None:
        return None
    shares = {name: int(provider.daily_calls * share) for name, share in SHARES.items()}
    return shares.get(purpose, provider.daily_calls - sum(shares.values()))


def take(db: Database, provider: Provider, purpose: str, now: datetime) -> bool:
    """Count one call to `provider` for `purpose` today; False (and nothing counted) when the day's
    budget is spent. Atomic: concurrent requests never overspend it."""
    cap = limit(provider, purpose)
    if cap is None:
        return True
    if cap <= 0:
        return False
    with db.connection() as conn:
        row = conn.execute("""
            INSERT INTO provider_calls (provider, day, purpose, calls) VALUES (%s, %s, %s, 1)
            ON CONFLICT (provider, day, purpose) DO UPDATE SET calls = provider_calls.calls + 1
            WHERE provider_calls.calls < %s
            RETURNING calls
        """, (provider.name, now.date(), purpose, cap)).fetchone()
    return row is not None


def spent(db: Database, provider: Provider, now: datetime) -> dict[str, int]:
    """Today's calls to `provider`, by purpose."""
    with db.connection() as conn:
        rows = conn.execute("SELECT purpose, calls FROM provider_calls WHERE provider = %s AND day = %s",
                            (provider.name, now.date())).fetchall()
    return {row["purpose"]: row["calls"] for row in rows}
