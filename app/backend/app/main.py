"""FastAPI application: the /api routes, error mapping and CORS."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from app import service
from app.cache import Cache
from app.config import Settings
from app.db import Database
from app.deps import get_cache, get_db, get_provider, get_settings, reset
from app.models import (
    History, NewsItem, Quote, SymbolMatch, WatchlistIn, WatchlistItem, normalize_symbol,
)
from app.origin import OriginCheckMiddleware, OriginSecret
from app.providers import Provider, ProviderError, ProviderTimeout, SymbolNotFound

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    reset()


def _error(status_code: int) -> Callable[[Request, Exception], JSONResponse]:
    def handler(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_code)
    return handler


def _database_down(_: Request, __: Exception) -> JSONResponse:
    return JSONResponse({"detail": "database unavailable"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


def valid_symbol(symbol: str) -> str:
    try:
        return normalize_symbol(symbol)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


Symbol = Annotated[str, Depends(valid_symbol)]
Db = Annotated[Database, Depends(get_db)]
CacheDep = Annotated[Cache, Depends(get_cache)]
ProviderDep = Annotated[Provider, Depends(get_provider)]

api = APIRouter(prefix="/api")


def _check(name: str, probe: Callable[[], None]) -> str:
    """Run a health probe; details go to the log, only the error type to the client."""
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        log.warning("health check %s failed: %s", name, exc)
        return f"error: {type(exc).__name__}"
    return "ok"


@api.get("/health")
def health(response: Response, db: Db, cache: CacheDep, provider: ProviderDep) -> dict[str, str]:
    checks = {"database": _check("database", db.ping), "redis": _check("redis", cache.ping)}
    healthy = all(result == "ok" for result in checks.values())
    response.status_code = status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "ok" if healthy else "degraded", **checks, "provider": provider.name}


@api.get("/quote/{symbol}")
def quote(symbol: Symbol, cache: CacheDep, provider: ProviderDep) -> Quote:
    return service.get_quote(cache, provider, symbol)


@api.get("/history/{symbol}")
def history(
    symbol: Symbol, cache: CacheDep, provider: ProviderDep, days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> History:
    return History(symbol=symbol, points=service.get_history(cache, provider, symbol, days))


@api.get("/watchlist")
def watchlist(db: Db, cache: CacheDep, provider: ProviderDep) -> list[WatchlistItem]:
    return service.list_watchlist(db, cache, provider)


@api.post("/watchlist", status_code=status.HTTP_201_CREATED)
def add_to_watchlist(body: WatchlistIn, db: Db, cache: CacheDep, provider: ProviderDep) -> WatchlistItem:
    return service.add_to_watchlist(db, cache, provider, body.symbol)


@api.delete("/watchlist/{symbol}", status_code=status.HTTP_204_NO_CONTENT)
def remove_from_watchlist(symbol: Symbol, db: Db) -> Response:
    if not service.remove_from_watchlist(db, symbol):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{symbol} is not on the watchlist")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@api.get("/news")
def news(
    db: Db, cache: CacheDep, provider: ProviderDep,
    symbol: str | None = None, limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[NewsItem]:
    """News for one symbol, or for the whole watchlist when no symbol is given."""
    symbols = [valid_symbol(symbol)] if symbol else service.watchlist_symbols(db)
    return service.get_news(cache, provider, symbols, limit)


@api.get("/search")
def search(
    q: Annotated[str, Query(min_length=1, max_length=40)], cache: CacheDep, provider: ProviderDep,
) -> list[SymbolMatch]:
    return service.search(cache, provider, q)


def create_app(settings: Settings | None = None, origin_secret: OriginSecret | None = None) -> FastAPI:
    """Build the application; CORS is enabled only for the configured origins, and requests must
    carry the origin secret's header when ORIGIN_SECRET_ARN is set (or `origin_secret` given)."""
    settings = settings or get_settings()
    application = FastAPI(title="Fintech Tracker API", version="1.0.0", lifespan=lifespan)
    if settings.allowed_origins:
        application.add_middleware(
            CORSMiddleware, allow_origins=settings.allowed_origins,
            allow_methods=["GET", "POST", "DELETE"], allow_headers=["Content-Type"],
        )
    if origin_secret is None and settings.origin_secret_arn:
        origin_secret = OriginSecret.for_arn(settings.origin_secret_arn)
    if origin_secret is not None:  # added last: the outermost middleware, before CORS and routes
        application.add_middleware(OriginCheckMiddleware, secret=origin_secret)
    application.add_exception_handler(SymbolNotFound, _error(status.HTTP_404_NOT_FOUND))
    application.add_exception_handler(ProviderTimeout, _error(status.HTTP_504_GATEWAY_TIMEOUT))
    application.add_exception_handler(ProviderError, _error(status.HTTP_502_BAD_GATEWAY))
    application.add_exception_handler(psycopg.OperationalError, _database_down)
    application.include_router(api)
    return application


app = create_app()
