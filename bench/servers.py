"""Servers the benchmark starts besides `fireline serve` itself.

python bench/servers.py ceiling --port P [--no-access-log]
    A bare FastAPI app (sync `POST /echo` with a small pydantic body, `GET /healthz`),
    run by uvicorn exactly as `fireline serve` runs its app: one worker, log level from
    FIRELINE_LOG_LEVEL, the same logging.basicConfig, uvicorn's access log on (its
    default, which `fireline serve` keeps) unless --no-access-log.
python bench/servers.py fireline-quiet --port P
    `fireline serve` (one worker) with uvicorn's access log off, to measure what the
    access log costs without touching src/.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from fireline.bootstrap import build_context, prepare_storage
from fireline.settings import load_settings


class Echo(BaseModel):
    title: str
    severity: int
    labels: list[str] = []


def ceiling_app() -> FastAPI:
    app = FastAPI(title="ceiling")

    @app.post("/echo", response_model=Echo)
    def echo(body: Echo) -> Echo:
        return body

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("ceiling", "fireline-quiet"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args()
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.which == "ceiling":
        uvicorn.run(
            ceiling_app(),
            host="127.0.0.1",
            port=args.port,
            log_level=settings.log_level,
            access_log=not args.no_access_log,
        )
        return
    from fireline.entrypoints.api.app import create_app

    prepare_storage(settings)
    app = create_app(build_context(settings))
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level=settings.log_level, access_log=False
    )


if __name__ == "__main__":
    main()
