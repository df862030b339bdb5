"""The API: FastAPI, served on Lambda through Mangum (lambda_handler.py) or by uvicorn in a container.

CloudFront sends /api/* here, so every route lives under /api.
"""

from fastapi import FastAPI

app = FastAPI(title="{{app}}", docs_url="/api/docs", openapi_url="/api/openapi.json")


@app.get("/api/health")
def health() -> dict:
    """What the load balancer and your monitoring check."""
    return {"status": "ok"}


@app.get("/api/hello")
def hello(name: str = "world") -> dict:
    return {"message": f"Hello, {name}!"}
