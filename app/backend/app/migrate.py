"""Idempotent schema migrations, tracked in schema_version; run with `python -m app.migrate`."""

from __future__ import annotations

import psycopg
from psycopg.rows import tuple_row

MIGRATIONS: list[tuple[int, str]] = [
    (1, """
        CREATE TABLE IF NOT EXISTS watchlist (
            symbol   text PRIMARY KEY,
            name     text NOT NULL DEFAULT '',
            added_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS daily_prices (
            symbol text NOT NULL,
            date   date NOT NULL,
            open   numeric(18, 4),
            high   numeric(18, 4),
            low    numeric(18, 4),
            close  numeric(18, 4) NOT NULL,
            volume bigint,
            PRIMARY KEY (symbol, date)
        );
        CREATE TABLE IF NOT EXISTS news (
            id           bigserial PRIMARY KEY,
            symbol       text NOT NULL,
            url          text NOT NULL,
            title        text NOT NULL,
            source       text NOT NULL DEFAULT '',
            summary      text NOT NULL DEFAULT '',
            published_at timestamptz NOT NULL,
            fetched_at   timestamptz NOT NULL DEFAULT now(),
            UNIQUE (symbol, url)
        );
        CREATE INDEX IF NOT EXISTS news_symbol_published_idx ON news (symbol, published_at DESC);
    """),
    (2, """
        -- Each visitor's own watchlist (owner: the SHA-256 of the key their browser keeps). Rows of
        -- the old shared list keep owner '': nobody sees or ingests them any more.
        ALTER TABLE watchlist ADD COLUMN IF NOT EXISTS owner text NOT NULL DEFAULT '';
        ALTER TABLE watchlist DROP CONSTRAINT IF EXISTS watchlist_pkey;
        ALTER TABLE watchlist ADD PRIMARY KEY (owner, symbol);
        CREATE INDEX IF NOT EXISTS watchlist_symbol_idx ON watchlist (symbol);
        -- What is known of each symbol, and when each kind of data last came from the provider.
        CREATE TABLE IF NOT EXISTS symbols (
            symbol       text PRIMARY KEY,
            name         text NOT NULL DEFAULT '',
            quote_at     timestamptz,
            history_at   timestamptz,
            history_days integer NOT NULL DEFAULT 0,
            news_at      timestamptz
        );
        -- Calls made to each provider per UTC day and purpose (see app/budget.py).
        CREATE TABLE IF NOT EXISTS provider_calls (
            provider text NOT NULL,
            day      date NOT NULL,
            purpose  text NOT NULL,
            calls    integer NOT NULL,
            PRIMARY KEY (provider, day, purpose)
        );
    """),
]


def migrate(conn: psycopg.Connection) -> int:
    """Apply pending migrations in one transaction; return the resulting schema version."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        # Serialise concurrent cold starts (several Lambdas may migrate at once).
        cur.execute("SELECT pg_advisory_xact_lock(727274)")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        for version, sql in MIGRATIONS:
            if version > current:
                cur.execute(sql)
                cur.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
                current = version
    return current


def main() -> None:
    from app.config import Settings  # noqa: PLC0415

    with psycopg.connect(Settings.from_env().dsn()) as conn:
        print(f"schema version {migrate(conn)}")


if __name__ == "__main__":
    main()
