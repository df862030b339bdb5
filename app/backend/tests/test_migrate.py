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
