"""Settings read from the environment, with optional AWS Secrets Manager lookups."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache

from psycopg.conninfo import make_conninfo

DEFAULT_DATABASE_URL = "postgresql://postgres@localhost:5432/fintech"
DEFAULT_REDIS_URL = "redis://localhost:6379/0"


@lru_cache
def read_secret(arn: str) -> str:
    """Return the SecretString of a Secrets Manager secret (boto3 ships with the Lambda runtime)."""
    import boto3  # noqa: PLC0415 - imported lazily: only needed on AWS

    return boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def with_credentials(url: str, secret: str) -> str:
    """Add the username/password of an RDS-managed secret (JSON) to a DSN."""
    creds = json.loads(secret)
    return make_conninfo(url, user=creds["username"], password=creds["password"])


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
    allowed_origins: list[str] = field(default_factory=list)
    provider_timeout: float = 8.0
    env: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=env.get("REDIS_URL", DEFAULT_REDIS_URL),
            db_secret_arn=env.get("DB_SECRET_ARN", ""),
            db_credentials=env.get("DB_CREDENTIALS", ""),
            allowed_origins=parse_origins(env.get("ALLOWED_ORIGINS", "")),
            provider_timeout=float(env.get("PROVIDER_TIMEOUT_SECONDS") or 8.0),
            env=env,
        )

    def dsn(self) -> str:
        """The database DSN, with credentials from DB_CREDENTIALS (the secret's JSON, injected by
        ECS) or fetched through DB_SECRET_ARN (on Lambda) when either is set."""
        if self.db_credentials:
            return with_credentials(self.database_url, self.db_credentials)
        if self.db_secret_arn:
            return with_credentials(self.database_url, read_secret(self.db_secret_arn))
        return self.database_url

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
