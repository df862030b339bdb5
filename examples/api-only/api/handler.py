"""An HTTP API in one function, no framework: API Gateway's payload format 2.0 in, a response out."""

import json


def handler(event, context):
    route = event.get("routeKey", "")
    if route == "GET /hello":
        name = (event.get("queryStringParameters") or {}).get("name", "world")
        return _json(200, {"message": f"Hello, {name}!"})
    if route == "POST /echo":
        return _json(200, {"you_sent": event.get("body")})
    return _json(404, {"error": "no such route"})


def _json(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
