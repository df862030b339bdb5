"""The tracker as a visitor meets it, for the browser tests: a throwaway PostgreSQL and Redis, the
API (offline sample data) and the static export on one origin, like CloudFront serves them.

    python tests/live_server.py ../frontend/out [refresh-seconds]

Prints `URL http://127.0.0.1:PORT` once it answers, and stops when its stdin closes."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    refresh = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    if not (out / "index.html").is_file():
        sys.exit(f"{out}/index.html is missing: build the frontend first (npm run build)")
    with servers.postgres() as database_url, servers.redis() as redis_url:
        os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        for name in ("FINPREP_API_KEY", "ALPHAVANTAGE_API_KEY", "MARKETAUX_API_KEY", "ALLOWED_ORIGINS",
                     "ORIGIN_SECRET_ARN", "DB_SECRET_ARN"):
            os.environ.pop(name, None)
        import uvicorn  # noqa: PLC0415
        from starlette.responses import JSONResponse  # noqa: PLC0415
        from starlette.staticfiles import StaticFiles  # noqa: PLC0415

        from app.main import create_app  # noqa: PLC0415

        app = create_app()
        app.add_route("/config.json", lambda _: JSONResponse({"apiBaseUrl": "", "refreshSeconds": refresh}))
        app.mount("/", StaticFiles(directory=out, html=True))
        port = servers.free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                sys.exit("the server did not start")
            time.sleep(0.05)
        print(f"URL http://127.0.0.1:{port}", flush=True)
        sys.stdin.read()  # until the test closes it
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
