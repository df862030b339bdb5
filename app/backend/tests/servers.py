"""Throwaway servers on loopback for the tests and the browser tests' app: PostgreSQL and Redis."""

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
from contextlib import contextmanager
from pathlib import Path


class MissingServer(RuntimeError):
    """A server's binaries are not installed."""


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
    raise MissingServer("PostgreSQL server binaries (initdb) not found; install postgresql")


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
    raise MissingServer("running as root and no unprivileged user to run PostgreSQL")


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


@contextmanager
def postgres(cert: Path | None = None, key: Path | None = None) -> Iterator[str]:
    """A PostgreSQL cluster with database fintech_test; with `cert` and `key` it also accepts TLS."""
    bindir, (prefix, user) = pg_bindir(), as_server_user()
    root = Path(tempfile.mkdtemp(prefix="fintech-pg-"))
    data, sock, log = root / "data", root / "sock", root / "postgres.log"
    sock.mkdir()
    tls = ""
    if cert and key:
        shutil.copy(cert, root / "server.pem")
        shutil.copy(key, root / "server.key")
        (root / "server.key").chmod(0o600)
        tls = f" -c ssl=on -c ssl_cert_file={root / 'server.pem'} -c ssl_key_file={root / 'server.key'}"
    if user:
        for path in root.iterdir():
            shutil.chown(path, user)
        shutil.chown(root, user)
    port = free_port()

    def run(*cmd: object) -> None:
        subprocess.run([*prefix, *map(str, cmd)], cwd=root, check=True, capture_output=True, text=True)

    try:
        run(bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "30", "start", "-o",
            f"-k {sock} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off{tls}")
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
        raise MissingServer("redis-server not found; install redis-server")
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


@contextmanager
def redis() -> Iterator[str]:
    """A plain redis-server; yields its URL."""
    proc, port = start_redis()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
