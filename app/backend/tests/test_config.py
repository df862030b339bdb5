"""Settings parsing: CORS origins, RDS secret credentials and API key lookup."""

from __future__ import annotations

import json

from psycopg.conninfo import conninfo_to_dict

from app import config
from app.config import Settings, parse_origins, with_credentials


def test_parse_origins():
    assert parse_origins('["https://a.example", "http://localhost:3000"]') == [
        "https://a.example", "http://localhost:3000"]
    assert parse_origins(" https://a.example, https://b.example ,") == ["https://a.example", "https://b.example"]
    assert parse_origins("") == []


def test_dsn_with_rds_secret():
    dsn = with_credentials("postgresql://db.internal:5432/fintech?sslmode=require",
                           json.dumps({"username": "app", "password": "p@ss w'rd"}))
    assert conninfo_to_dict(dsn) == {"host": "db.internal", "port": "5432", "dbname": "fintech",
                                     "sslmode": "require", "user": "app", "password": "p@ss w'rd"}


def test_secret_arns_are_resolved(monkeypatch):
    secrets = {"arn:db": '{"username": "u", "password": "p"}', "arn:fmp": "k1", "arn:mx": '{"api_key": "k2"}'}
    monkeypatch.setattr(config, "read_secret", secrets.__getitem__)
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql://h/db", "DB_SECRET_ARN": "arn:db",
        "FINPREP_API_KEY_SECRET_ARN": "arn:fmp", "MARKETAUX_API_KEY_SECRET_ARN": "arn:mx",
        "ALPHAVANTAGE_API_KEY": "k3",
    })
    assert conninfo_to_dict(settings.dsn()) == {"host": "h", "dbname": "db", "user": "u", "password": "p"}
    assert [settings.api_key(n) for n in ("FINPREP_API_KEY", "MARKETAUX_API_KEY", "ALPHAVANTAGE_API_KEY")] == [
        "k1", "k2", "k3"]
    assert settings.api_key("OTHER_API_KEY") == ""


def test_credentials_injected_by_ecs_need_no_lookup(monkeypatch):
    def unreachable(arn):
        raise AssertionError(f"no Secrets Manager call expected, got {arn}")

    monkeypatch.setattr(config, "read_secret", unreachable)
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql://h/db", "DB_CREDENTIALS": '{"username": "u", "password": "p"}',
    })
    assert conninfo_to_dict(settings.dsn()) == {"host": "h", "dbname": "db", "user": "u", "password": "p"}
