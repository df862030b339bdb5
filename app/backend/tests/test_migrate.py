"""Schema migrations are idempotent, also when run as `python -m app.migrate`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app import deps
from app.migrate import MIGRATIONS, migrate


def test_migrate_module_is_idempotent():
    env = {**os.environ, "DATABASE_URL": deps.get_settings().database_url}
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "app.migrate"], cwd=Path(__file__).parents[1],
                                env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"schema version {MIGRATIONS[-1][0]}"


def test_migrate_twice_in_process():
    with deps.get_db().connection() as conn:
        assert migrate(conn) == migrate(conn) == len(MIGRATIONS)
        versions = [r["version"] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == [v for v, _ in MIGRATIONS]


def test_a_version_1_database_with_a_shared_watchlist_moves_to_per_visitor_lists():
    """The old shared list's rows keep owner '' (nobody's, not ingested); new rows are per owner."""
    import psycopg
    from psycopg.rows import dict_row

    dsn = deps.get_settings().database_url
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS fintech_v1")
        admin.execute("CREATE DATABASE fintech_v1")
    old = dsn.rsplit("/", 1)[0] + "/fintech_v1"
    with psycopg.connect(old, row_factory=dict_row) as conn:
        conn.execute("CREATE TABLE schema_version (version integer PRIMARY KEY, applied_at timestamptz"
                     " NOT NULL DEFAULT now())")
        conn.execute(MIGRATIONS[0][1])
        conn.execute("INSERT INTO schema_version (version) VALUES (1)")
        conn.execute("INSERT INTO watchlist (symbol, name) VALUES ('KO', 'Coca-Cola'), ('PEP', 'PepsiCo')")
        conn.commit()
        assert migrate(conn) == len(MIGRATIONS)
        rows = conn.execute("SELECT owner, symbol FROM watchlist ORDER BY symbol").fetchall()
        assert rows == [{"owner": "", "symbol": "KO"}, {"owner": "", "symbol": "PEP"}]
        conn.execute("INSERT INTO watchlist (owner, symbol) VALUES ('a', 'KO')")  # same symbol, another owner
        key = conn.execute("""SELECT array_agg(a.attname ORDER BY a.attname) AS cols FROM pg_index i
                              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                              WHERE i.indrelid = 'watchlist'::regclass AND i.indisprimary""").fetchone()
        assert key["cols"] == ["owner", "symbol"]
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("DROP DATABASE fintech_v1")
