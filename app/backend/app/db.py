"""PostgreSQL access: a lazily opened connection pool that migrates the schema on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from app.migrate import migrate


class Database:
    """Hands out pooled connections; the DSN is resolved on first use (it may need a secret)."""

    def __init__(self, dsn: Callable[[], str], max_size: int = 4, timeout: float = 5.0):
        self._dsn, self._max_size, self._timeout = dsn, max_size, timeout
        self._pool: ConnectionPool | None = None
        self._migrated = False
        self._lock = threading.Lock()

    def _get_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self._dsn(), min_size=1, max_size=self._max_size, timeout=self._timeout,
                    kwargs={"row_factory": dict_row, "connect_timeout": 5},
                    check=ConnectionPool.check_connection, open=True,
                )
            return self._pool

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection in a transaction that commits on success; migrates the schema once."""
        with self._get_pool().connection() as conn:
            if not self._migrated:
                with self._lock:
                    if not self._migrated:
                        migrate(conn)
                        self._migrated = True
            yield conn

    def ping(self) -> None:
        with self._get_pool().connection() as conn:
            conn.execute("SELECT 1")

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
