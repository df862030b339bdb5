"""Settings read from the environment, with optional AWS Secrets Manager lookups."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

DEFAULT_DATABASE_URL = "postgresql://postgres@localhost:5432/fintech"
DEFAULT_REDIS_URL = "redis://localhost:6379/0"

# AWS's RDS CA roots, shipped with the app (see certs/README.md): in the Lambda zip at
# /var/task/certs, in the image at /srv/certs.
RDS_CA_BUNDLE = Path(__file__).resolve().parent.parent / "certs" / "rds-global-bundle.pem"
# The Amazon Trust Services roots: an RDS Proxy endpoint's certificate is ACM's, under them, not
# under RDS's CAs.
PROXY_CA_BUNDLE = RDS_CA_BUNDLE.with_name("amazon-trust-roots.pem")
VERIFYING_SSLMODES = frozenset({"verify-ca", "verify-full"})


@lru_cache
def read_secret(arn: str) -> str:
    """Return the SecretString of a Secrets Manager secret (boto3 ships with the Lambda runtime)."""
    import boto3  # noqa: PLC0415 - imported lazily: only needed on AWS

    return boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def with_credentials(url: str, secret: str) -> str:
    """Add the username/password of an RDS-managed secret (JSON) to a DSN."""
    creds = json.loads(secret)
    return make_conninfo(url, user=creds["username"], password=creds["password"])


def is_proxy_host(host: str) -> bool:
    """Whether `host` is an RDS Proxy endpoint: NAME.proxy-ID.REGION.rds.amazonaws.com."""
    labels = host.lower().split(".")
    return len(labels) == 6 and labels[1].startswith("proxy-") and labels[3:] == ["rds", "amazonaws", "com"]


def with_rds_ca(dsn: str, env: Mapping[str, str]) -> str:
    """Point libpq at the bundled RDS CA roots (an RDS Proxy's host: at the Amazon Trust Services
    roots) when the DSN verifies the server certificate (sslmode verify-full or verify-ca, in the
    DSN or PGSSLMODE) and names no root certificate itself (sslrootcert, or PGSSLROOTCERT in env).
    Other DSNs are returned unchanged."""
    params = conninfo_to_dict(dsn)
    sslmode = params.get("sslmode") or env.get("PGSSLMODE", "")
    if sslmode not in VERIFYING_SSLMODES or params.get("sslrootcert") or env.get("PGSSLROOTCERT"):
        return dsn
    bundle = PROXY_CA_BUNDLE if is_proxy_host(params.get("host", "")) else RDS_CA_BUNDLE
    return make_conninfo(dsn, sslrootcert=str(bundle))


def parse_origins(raw: str) -> list[str]:
    """Parse ALLOWED_ORIGINS given either as a JSON list or comma-separated."""
    raw = raw.strip()
    if raw.startswith("["):
        return [str(origin).strip() for origin in json.loads(raw) if str(origin).strip()]
    return [origin.strip() for origin in raw.split(",") if origin.strip()]


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build it with `Settings.from_env()`."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    db_secret_arn: str = ""
    db_credentials: str = ""
    origin_secret_arn: str = ""
    allowed_origins: list[str] = field(default_factory=list)
    provider_timeout: float = 8.0
    overview_symbols: list[str] = field(default_factory=lambda: ["SPY", "QQQ", "DIA", "IWM"])
    env: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=env.get("REDIS_URL", DEFAULT_REDIS_URL),
            db_secret_arn=env.get("DB_SECRET_ARN", ""),
            db_credentials=env.get("DB_CREDENTIALS", ""),
            origin_secret_arn=env.get("ORIGIN_SECRET_ARN", "").strip(),
            allowed_origins=parse_origins(env.get("ALLOWED_ORIGINS", "")),
            provider_timeout=float(env.get("PROVIDER_TIMEOUT_SECONDS") or 8.0),
            overview_symbols=[s.strip().upper() for s in env.get("MARKET_OVERVIEW", "SPY,QQQ,DIA,IWM").split(",")
                              if s.strip()],
            env=env,
        )

    def dsn(self) -> str:
        """The database DSN, with credentials from DB_CREDENTIALS (the secret's JSON, injected by
        ECS) or fetched through DB_SECRET_ARN (on Lambda) when either is set, and the bundled RDS
        CA roots when it asks for a verified certificate (`?sslmode=verify-full`)."""
        dsn = self.database_url
        if self.db_credentials:
            dsn = with_credentials(dsn, self.db_credentials)
        elif self.db_secret_arn:
            dsn = with_credentials(dsn, read_secret(self.db_secret_arn))
        return with_rds_ca(dsn, self.env)

    def api_key(self, name: str) -> str:
        """An API key from env `NAME`, or from the secret named by `NAME_SECRET_ARN`.

        The secret may be the bare key or JSON like {"api_key": "..."} / {"NAME": "..."}.
        """
        if value := self.env.get(name, "").strip():
            return value
        arn = self.env.get(f"{name}_SECRET_ARN", "").strip()
        if not arn:
            return ""
        secret = read_secret(arn).strip()
        if secret.startswith("{"):
            data = json.loads(secret)
            return str(data.get(name) or data.get("api_key") or "")
        return secret
