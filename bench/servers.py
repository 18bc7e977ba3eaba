"""Servers the benchmark starts besides `fireline serve` itself.

python bench/servers.py ceiling --port P
    A bare FastAPI app (sync `POST /echo` with a small pydantic body, `GET /healthz`),
    run by uvicorn exactly as `fireline serve` runs its app: one worker, log level from
    FIRELINE_LOG_LEVEL, the same logging.basicConfig, no access log (`serve`'s default).
"""

from __future__ import annotations

import argparse
import logging

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

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
    parser.add_argument("which", choices=("ceiling",))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        ceiling_app(),
        host="127.0.0.1",
        port=args.port,
        log_level=settings.log_level,
        access_log=False,
    )


if __name__ == "__main__":
    main()
