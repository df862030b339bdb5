"""FastAPI application: the /api routes, error mapping and CORS."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from app import service, visitor, watchlist
from app.cache import Cache
from app.config import Settings
from app.db import Database
from app.deps import get_cache, get_db, get_now, get_provider, get_settings, reset
from app.models import (
    History, NewsFeed, Overview, Quote, SymbolMatch, WatchlistIn, WatchlistItem, normalize_symbol,
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
Now = Annotated[datetime, Depends(get_now)]
Days = Annotated[int, Query(ge=1, le=365)]


def visitor_owner(x_watchlist_key: Annotated[str | None, Header()] = None) -> str:
    return visitor.owner(x_watchlist_key)


def writer(request: Request, owner: Annotated[str, Depends(visitor_owner)], cache: CacheDep, now: Now) -> str:
    """The owner of a write, counted against the write limits."""
    visitor.check_write(cache, owner, visitor.client_address(request), now.timestamp())
    return owner


Owner = Annotated[str, Depends(visitor_owner)]
Writer = Annotated[str, Depends(writer)]

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
def quote(symbol: Symbol, db: Db, provider: ProviderDep, now: Now) -> Quote:
    return service.get_quote(db, provider, symbol, now)


@api.get("/history/{symbol}")
def history(symbol: Symbol, db: Db, provider: ProviderDep, now: Now, days: Days = 30) -> History:
    return service.get_history(db, provider, symbol, days, now)


@api.get("/overview")
def overview(db: Db, provider: ProviderDep, now: Now) -> Overview:
    return service.overview(db, provider, get_settings().overview_symbols, now)


@api.get("/watchlist")
def watchlist_items(owner: Owner, db: Db, provider: ProviderDep, now: Now, days: Days = 30) -> list[WatchlistItem]:
    return watchlist.items(db, provider, owner, days, now)


@api.post("/watchlist", status_code=status.HTTP_201_CREATED)
def add_to_watchlist(body: WatchlistIn, owner: Writer, db: Db, provider: ProviderDep, now: Now) -> WatchlistItem:
    return watchlist.add(db, provider, owner, body.symbol, now)


@api.delete("/watchlist/{symbol}", status_code=status.HTTP_204_NO_CONTENT)
def remove_from_watchlist(symbol: Symbol, owner: Writer, db: Db) -> Response:
    if not watchlist.remove(db, owner, symbol):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{symbol} is not on the watchlist")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@api.get("/news")
def news(
    db: Db, provider: ProviderDep, now: Now, x_watchlist_key: Annotated[str | None, Header()] = None,
    symbol: str | None = None, limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> NewsFeed:
    """News for one symbol, or for the visitor's watchlist when no symbol is given."""
    symbols = [valid_symbol(symbol)] if symbol else watchlist.symbols_of(db, visitor.owner(x_watchlist_key))
    return service.get_news(db, provider, symbols, limit, now)


@api.get("/search")
def search(
    q: Annotated[str, Query(min_length=1, max_length=40)], db: Db, cache: CacheDep, provider: ProviderDep, now: Now,
) -> list[SymbolMatch]:
    return service.search(db, cache, provider, q, now)


def _rate_limited(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, visitor.RateLimited)
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                        headers={"Retry-After": str(exc.retry_after)})


async def _no_store(request: Request, call_next: Callable) -> Response:
    """API answers are per visitor (the watchlist) or live: no cache keeps them."""
    response = await call_next(request)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(settings: Settings | None = None, origin_secret: OriginSecret | None = None) -> FastAPI:
    """Build the application; CORS is enabled only for the configured origins, and requests must
    carry the origin secret's header when ORIGIN_SECRET_ARN is set (or `origin_secret` given)."""
    settings = settings or get_settings()
    application = FastAPI(title="Fintech Tracker API", version="1.0.0", lifespan=lifespan)
    application.middleware("http")(_no_store)
    if settings.allowed_origins:
        application.add_middleware(
            CORSMiddleware, allow_origins=settings.allowed_origins,
            allow_methods=["GET", "POST", "DELETE"], allow_headers=["Content-Type", visitor.HEADER],
        )
    if origin_secret is None and settings.origin_secret_arn:
        origin_secret = OriginSecret.for_arn(settings.origin_secret_arn)
    if origin_secret is not None:  # added last: the outermost middleware, before CORS and routes
        application.add_middleware(OriginCheckMiddleware, secret=origin_secret)
    # only requests that proved they came through CloudFront may name their viewer's address
    application.state.behind_cloudfront = origin_secret is not None
    application.add_exception_handler(SymbolNotFound, _error(status.HTTP_404_NOT_FOUND))
    application.add_exception_handler(visitor.MissingKey, _error(status.HTTP_401_UNAUTHORIZED))
    application.add_exception_handler(visitor.RateLimited, _rate_limited)
    application.add_exception_handler(watchlist.WatchlistFull, _error(status.HTTP_409_CONFLICT))
    application.add_exception_handler(service.QuotaSpent, _error(status.HTTP_503_SERVICE_UNAVAILABLE))
    application.add_exception_handler(ProviderTimeout, _error(status.HTTP_504_GATEWAY_TIMEOUT))
    application.add_exception_handler(ProviderError, _error(status.HTTP_502_BAD_GATEWAY))
    application.add_exception_handler(psycopg.OperationalError, _database_down)
    application.include_router(api)
    return application


app = create_app()
