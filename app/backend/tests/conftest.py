"""Test fixtures: a throwaway PostgreSQL cluster and Redis server on loopback, plus app clients."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

for name in ("FINPREP_API_KEY", "ALPHAVANTAGE_API_KEY", "MARKETAUX_API_KEY", "DB_SECRET_ARN", "ALLOWED_ORIGINS"):
    os.environ.pop(name, None)
    os.environ.pop(f"{name}_SECRET_ARN", None)
for name in ("ORIGIN_SECRET_ARN", "PGSSLMODE", "PGSSLROOTCERT"):
    os.environ.pop(name, None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bindir() -> Path:
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout
        candidates.append(out.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    pytest.exit("PostgreSQL server binaries (initdb) not found; install postgresql", returncode=3)


def as_server_user() -> tuple[list[str], str | None]:
    """initdb/postgres refuse to run as root: then run them as an unprivileged user."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], user
    pytest.exit("running as root and no unprivileged user to run PostgreSQL", returncode=3)


def wait_for(check, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout}s")


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
    bindir, (prefix, user) = pg_bindir(), as_server_user()
    root = Path(tempfile.mkdtemp(prefix="fintech-pg-"))
    data, sock, log = root / "data", root / "sock", root / "postgres.log"
    sock.mkdir()
    cert, key = root / "server.pem", root / "server.key"
    shutil.copy(tls_files.cert, cert)
    shutil.copy(tls_files.key, key)
    key.chmod(0o600)
    if user:
        for path in (root, sock, cert, key):
            shutil.chown(path, user)
    port = free_port()
    def run(*cmd: object) -> None:
        subprocess.run([*prefix, *map(str, cmd)], cwd=root, check=True, capture_output=True, text=True)


    try:
        run(bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "30", "start", "-o",
            f"-k {sock} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
            f" -c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key}")
        run(bindir / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "fintech_test")
        yield f"postgresql://postgres@127.0.0.1:{port}/fintech_test"
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text() if log.exists() else ""
        raise RuntimeError(f"{exc.cmd} failed:\n{exc.stdout}\n{exc.stderr}\n{server_log}") from exc
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           cwd=root, capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def start_redis(*args: str) -> tuple[subprocess.Popen, int]:
    """A redis-server on 127.0.0.1 and a free port (plain, or TLS given the TLS options)."""
    server = shutil.which("redis-server")
    if not server:
        pytest.exit("redis-server not found; install redis-server", returncode=3)
    port = free_port()
    ports = ["--port", "0", "--tls-port", str(port)] if args else ["--port", str(port)]
    proc = subprocess.Popen(
        [server, *ports, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=0.5).close() is None, "redis-server")
    except RuntimeError:
        proc.terminate()
        proc.wait(timeout=10)
        raise
    return proc, port


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    proc, port = start_redis()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
