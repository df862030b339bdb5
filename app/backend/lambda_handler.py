"""AWS Lambda entry point for the API (API Gateway HTTP API / function URL, payload v2.0)."""

from mangum import Mangum

from app.main import app

handler = Mangum(app, lifespan="off")
