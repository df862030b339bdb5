"""The Mangum Lambda handler driven by real API Gateway HTTP API (payload v2.0) events."""

from __future__ import annotations

import json
import time

import lambda_handler


KEY = "lambda-visitor-key-0123456789"


def http_api_event(method: str, path: str, query: str = "", body: dict | None = None, key: str | None = KEY) -> dict:
    now = time.time()
    headers = {"host": "abc123.execute-api.eu-west-1.amazonaws.com", "accept": "application/json",
               "user-agent": "pytest", "x-forwarded-proto": "https", "x-forwarded-port": "443"}
    if key:
        headers["x-watchlist-key"] = key
    if body is not None:
        headers["content-type"] = "application/json"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "pytest"},
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


class Context:
    function_name = "fintech-api"
    aws_request_id = "req-1"


def invoke(event: dict) -> tuple[int, object]:
    result = lambda_handler.handler(event, Context())
    body = result["body"]
    return result["statusCode"], json.loads(body) if body else None


def test_health_through_lambda():
    status, body = invoke(http_api_event("GET", "/api/health"))
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "redis": "ok", "provider": "sample"}


def test_watchlist_round_trip_through_lambda():
    status, body = invoke(http_api_event("POST", "/api/watchlist", body={"symbol": "nflx"}, key=None))
    assert status == 401 and "X-Watchlist-Key" in body["detail"]

    status, body = invoke(http_api_event("POST", "/api/watchlist", body={"symbol": "nflx"}))
    assert (status, body["symbol"]) == (201, "NFLX")

    status, body = invoke(http_api_event("GET", "/api/watchlist"))
    assert status == 200
    assert [item["symbol"] for item in body] == ["NFLX"] and body[0]["price"] > 0

    status, body = invoke(http_api_event("GET", "/api/history/NFLX", query="days=7"))
    assert status == 200 and 3 <= len(body["points"]) <= 6

    status, body = invoke(http_api_event("GET", "/api/quote/NOPE"))
    assert (status, body) == (404, {"detail": "unknown symbol: NOPE"})
