"""TLS to the data stores: the bundled RDS CA roots, libpq's verify-full with them, Redis over TLS."""

from __future__ import annotations

import re
import ssl
import time
from pathlib import Path

import certifi
import psycopg
import pytest
import redis
from psycopg.conninfo import conninfo_to_dict

from app import config
from app.cache import Cache, make_client
from app.config import PROXY_CA_BUNDLE, RDS_CA_BUNDLE, Settings, is_proxy_host, with_rds_ca

BACKEND = Path(__file__).resolve().parents[1]
RDS_HOST = "mydb.abc.us-east-1.rds.amazonaws.com"
RDS_URL = f"postgresql://fintech@{RDS_HOST}:5432/fintech_tracker"


# --- the bundle ---------------------------------------------------------------------------------

def bundle_certs() -> list[dict]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=RDS_CA_BUNDLE)
    return context.get_ca_certs()


def name(cert: dict, part: str) -> dict[str, str]:
    return {key: value for rdn in cert[part] for key, value in rdn}


def test_bundle_holds_only_amazon_rds_cas():
    text = RDS_CA_BUNDLE.read_text()
    certs = bundle_certs()
    assert len(certs) == text.count("-----BEGIN CERTIFICATE-----") == 87  # every one parsed
    for cert in certs:
        subject = name(cert, "subject")
        assert subject["organizationName"] == "Amazon Web Services, Inc."
        assert subject["organizationalUnitName"] == "Amazon RDS"
        assert re.fullmatch(r"Amazon RDS .+ (Root )?CA( .+)?", subject["commonName"]), subject


def test_bundle_has_the_current_us_east_1_roots():
    by_cn = {name(cert, "subject")["commonName"]: cert for cert in bundle_certs()}
    for kind in ("RSA2048", "RSA4096", "ECC384"):  # rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1
        cert = by_cn[f"Amazon RDS us-east-1 Root CA {kind} G1"]
        assert cert["issuer"] == cert["subject"]  # a root
        assert ssl.cert_time_to_seconds(cert["notBefore"]) < time.time() < ssl.cert_time_to_seconds(cert["notAfter"])


def test_bundle_readme_states_the_count():
    readme = (BACKEND / "certs" / "README.md").read_text()
    stated = re.search(r"## What is in it\s+(\d+) certificates", readme)
    assert stated and int(stated.group(1)) == len(bundle_certs())


def test_bundle_is_shipped_in_the_image():
    """The Lambda zip takes all of app/backend; the image only what the Dockerfile copies."""
    assert RDS_CA_BUNDLE.parent == BACKEND / "certs"
    dockerfile = (BACKEND / "Dockerfile").read_text()
    assert re.search(r"^COPY certs \./certs$", dockerfile, re.MULTILINE)
    assert re.search(r"^WORKDIR /srv$", dockerfile, re.MULTILINE)  # so /srv/app/config.py finds /srv/certs
    ignored = (BACKEND / ".dockerignore").read_text().split()
    assert not {"certs", "certs/", "*.pem", "**/*.pem"} & set(ignored)


# --- the DSN ------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["verify-full", "verify-ca"])
def test_verifying_dsn_gets_the_rds_bundle(mode):
    dsn = Settings.from_env({"DATABASE_URL": f"{RDS_URL}?sslmode={mode}"}).dsn()
    assert conninfo_to_dict(dsn) == {
        "host": RDS_HOST, "port": "5432", "dbname": "fintech_tracker", "user": "fintech",
        "sslmode": mode, "sslrootcert": str(RDS_CA_BUNDLE),
    }
    assert Path(conninfo_to_dict(dsn)["sslrootcert"]).is_absolute() and RDS_CA_BUNDLE.is_file()


def test_a_proxy_gets_the_amazon_trust_services_roots():
    host = "fintech-tracker-prod-db-proxy.proxy-c9ab12cd34ef.us-east-1.rds.amazonaws.com"
    assert is_proxy_host(host) and not is_proxy_host(RDS_HOST)
    assert not is_proxy_host("db.proxy-x.example.com")
    dsn = Settings.from_env({"DATABASE_URL": f"postgresql://fintech@{host}:5432/fintech_tracker?sslmode=verify-full"}).dsn()
    assert conninfo_to_dict(dsn)["sslrootcert"] == str(PROXY_CA_BUNDLE)


def test_proxy_bundle_holds_the_amazon_trust_services_roots():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=PROXY_CA_BUNDLE)
    names = sorted(name(cert, "subject")["commonName"] for cert in context.get_ca_certs())
    assert names == [f"Amazon Root CA {n}" for n in range(1, 5)] + ["Starfield Services Root Certificate Authority - G2"]
    assert PROXY_CA_BUNDLE.parent == RDS_CA_BUNDLE.parent  # shipped beside it, in the zip and the image


def test_rds_bundle_with_credentials_from_the_secret(monkeypatch):
    monkeypatch.setattr(config, "read_secret", {"arn:db": '{"username": "app", "password": "p w"}'}.__getitem__)
    for env in ({"DB_SECRET_ARN": "arn:db"}, {"DB_CREDENTIALS": '{"username": "app", "password": "p w"}'}):
        dsn = Settings.from_env({"DATABASE_URL": f"{RDS_URL}?sslmode=verify-full", **env}).dsn()
        params = conninfo_to_dict(dsn)
        assert (params["user"], params["password"]) == ("app", "p w")
        assert (params["sslmode"], params["sslrootcert"]) == ("verify-full", str(RDS_CA_BUNDLE))


def test_pgsslmode_from_the_environment_counts_too():
    dsn = Settings.from_env({"DATABASE_URL": RDS_URL, "PGSSLMODE": "verify-full"}).dsn()
    assert conninfo_to_dict(dsn)["sslrootcert"] == str(RDS_CA_BUNDLE)


@pytest.mark.parametrize(("url", "env"), [
    ("postgresql://postgres@localhost:5432/fintech", {}),  # local and test URLs: no sslmode
    (f"{RDS_URL}?sslmode=require", {}),  # libpq would turn `require` into verify-ca given a root cert
    (f"{RDS_URL}?sslmode=prefer", {}),
    (f"{RDS_URL}?sslmode=verify-full&sslrootcert=/etc/ssl/mine.pem", {}),
    (f"{RDS_URL}?sslmode=verify-full&sslrootcert=system", {}),
    (f"{RDS_URL}?sslmode=verify-full", {"PGSSLROOTCERT": "/etc/ssl/mine.pem"}),
])
def test_other_dsns_are_unchanged(url, env):
    assert with_rds_ca(url, env) == url
    assert Settings.from_env({"DATABASE_URL": url, **env}).dsn() == url


# --- libpq against a server with a certificate ---------------------------------------------------

def local(postgres_url: str, host: str, **params: str) -> str:
    port = conninfo_to_dict(postgres_url)["port"]
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"postgresql://postgres@{host}:{port}/fintech_test?connect_timeout=5&{query}"


def connect_error(dsn: str) -> str:
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect(dsn).close()
    return str(info.value)


def test_verify_full_against_a_real_server(postgres_url, tls_files):
    with psycopg.connect(local(postgres_url, "localhost", sslmode="verify-full", sslrootcert=tls_files.ca)) as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
    # a root that did not sign the server's certificate
    assert "certificate verify failed" in connect_error(
        local(postgres_url, "localhost", sslmode="verify-full", sslrootcert=tls_files.other_ca))
    # the right root, but a host name the certificate does not name (it names localhost only)
    assert "does not match host name" in connect_error(
        local(postgres_url, "127.0.0.1", sslmode="verify-full", sslrootcert=tls_files.ca))
    with psycopg.connect(local(postgres_url, "127.0.0.1", sslmode="verify-ca", sslrootcert=tls_files.ca)):
        pass


def test_settings_dsn_verifies_with_the_rds_bundle(postgres_url):
    """libpq loads the bundle (no 'could not read root certificate') and trusts only Amazon RDS:
    the test server's certificate, from a CA of its own, is refused."""
    dsn = Settings.from_env({"DATABASE_URL": local(postgres_url, "localhost", sslmode="verify-full")}).dsn()
    assert conninfo_to_dict(dsn)["sslrootcert"] == str(RDS_CA_BUNDLE)
    error = connect_error(dsn)
    assert "certificate verify failed" in error and "root certificate" not in error


# --- Redis --------------------------------------------------------------------------------------

def test_redis_py_defaults():
    """What the pinned redis-py (8.1.0) does on its own, as app/cache.py describes it: it verifies
    by default, with the system's CA store, but lets a URL's query turn verification off."""
    pins = dict(line.split("==") for line in (BACKEND / "requirements.txt").read_text().split() if "==" in line)
    assert pins["redis"] == redis.__version__
    default = redis.Redis.from_url("rediss://h:6379").connection_pool.make_connection()
    assert (default.cert_reqs, default.check_hostname, default.ca_certs) == (ssl.CERT_REQUIRED, True, None)
    downgraded = redis.Redis.from_url("rediss://h:6379?ssl_cert_reqs=none", ssl_cert_reqs="required")
    assert downgraded.connection_pool.make_connection().cert_reqs == ssl.CERT_NONE


def test_rediss_client_verifies_certificate_and_host_name():
    client = make_client("rediss://master.x.cache.amazonaws.com:6379")
    conn = client.connection_pool.make_connection()
    assert isinstance(conn, redis.SSLConnection)
    assert (conn.host, conn.port) == ("master.x.cache.amazonaws.com", 6379)
    assert conn.cert_reqs == ssl.CERT_REQUIRED
    assert conn.check_hostname is True
    assert conn.ca_certs == certifi.where()


def test_rediss_url_cannot_turn_verification_off():
    client = make_client("rediss://h:6379/0?ssl_cert_reqs=none&ssl_check_hostname=false&ssl_ca_certs=/my/ca.pem")
    conn = client.connection_pool.make_connection()
    assert (conn.cert_reqs, conn.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert conn.ca_certs == "/my/ca.pem"  # a CA of its own may be named


def test_redis_url_is_plain():
    pool = make_client("redis://127.0.0.1:6379/0").connection_pool
    assert type(pool.make_connection()) is redis.Connection
    assert not [key for key in pool.connection_kwargs if key.startswith("ssl")]


def test_redis_over_tls_against_a_real_server(redis_tls_port, tls_files):
    port = redis_tls_port
    Cache(f"rediss://localhost:{port}/0?ssl_ca_certs={tls_files.ca}").ping()
    refused = [
        f"rediss://localhost:{port}/0",  # certifi's roots do not include the test CA
        f"rediss://localhost:{port}/0?ssl_ca_certs={tls_files.other_ca}",
        f"rediss://localhost:{port}/0?ssl_ca_certs={tls_files.other_ca}&ssl_cert_reqs=none",
        f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={tls_files.ca}",  # not a name in the certificate
    ]
    for url in refused:
        with pytest.raises(redis.ConnectionError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
            Cache(url).ping()
