"""Test fixtures: a throwaway PostgreSQL cluster and Redis server on loopback, plus app clients."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import servers
from servers import start_redis

for name in ("FINPREP_API_KEY", "ALPHAVANTAGE_API_KEY", "MARKETAUX_API_KEY", "DB_SECRET_ARN", "ALLOWED_ORIGINS"):
    os.environ.pop(name, None)
    os.environ.pop(f"{name}_SECRET_ARN", None)
for name in ("ORIGIN_SECRET_ARN", "PGSSLMODE", "PGSSLROOTCERT"):
    os.environ.pop(name, None)


OPENSSL_CONFIG = """
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class TlsFiles:
    """A test CA, a server certificate it signed for DNS name `localhost` only (not 127.0.0.1),
    that certificate's key, and an unrelated CA."""

    ca: Path
    cert: Path
    key: Path
    other_ca: Path


@pytest.fixture(scope="session")
def tls_files() -> Iterator[TlsFiles]:
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.exit("openssl not found; install openssl", returncode=3)
    root = Path(tempfile.mkdtemp(prefix="fintech-tls-"))
    (root / "openssl.cnf").write_text(OPENSSL_CONFIG)

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=root, check=True, capture_output=True, text=True)

    new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-config", "openssl.cnf"]
    for name in ("ca", "other-ca"):
        run("req", "-x509", *new_key, "-extensions", "ca", "-days", "2", "-subj", f"/CN=fintech test {name}",
            "-keyout", f"{name}.key", "-out", f"{name}.pem")
    run("req", "-new", *new_key, "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2",
        "-days", "2", "-extfile", "openssl.cnf", "-extensions", "server", "-out", "server.pem")
    yield TlsFiles(root / "ca.pem", root / "server.pem", root / "server.key", root / "other-ca.pem")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(tls_files: TlsFiles) -> Iterator[str]:
    """The test database; its server also accepts TLS (the certificate of `tls_files`)."""
    try:
        with servers.postgres(tls_files.cert, tls_files.key) as url:
            yield url
    except servers.MissingServer as exc:
        pytest.exit(str(exc), returncode=3)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with servers.redis() as url:
        yield url


@pytest.fixture(scope="session")
def redis_tls_port(tls_files: TlsFiles) -> Iterator[int]:
    """A redis-server that speaks only TLS, with the certificate of `tls_files`."""
    proc, port = start_redis("--tls-cert-file", str(tls_files.cert), "--tls-key-file", str(tls_files.key),
                             "--tls-ca-cert-file", str(tls_files.ca), "--tls-auth-clients", "no")
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def configured(postgres_url: str, redis_url: str) -> Iterator[None]:
    """Point the app at the test servers (before app modules build their singletons)."""
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = postgres_url, redis_url
    from app import deps

    deps.reset()
    yield
    deps.reset()


@pytest.fixture(autouse=True)
def clean_state(configured: None) -> Iterator[None]:
    """Every test starts with empty tables and an empty cache, and the real sample provider."""
    from app import deps
    from app.main import app

    with deps.get_db().connection() as conn:
        conn.execute("TRUNCATE watchlist, daily_prices, news, symbols, provider_calls RESTART IDENTITY")
    deps.get_cache().client.flushdb()
    yield
    app.dependency_overrides.clear()


@pytest.fixture
def client() -> Iterator:
    from fastapi.testclient import TestClient

    from app.main import app

    yield TestClient(app)
