"""Health: `/livez` (this process answers) and `/healthz` (its database answers and some
worker beat lately). Both are public; `docs/operations.md` says which to point a load
balancer at (`/livez`) and which a monitor (`/healthz`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from fireline.domain.heartbeats import beat_age, is_worker_alive
from fireline.entrypoints.api.deps import ContextDep
from fireline.entrypoints.api.problems import PROBLEM_JSON, problem
from fireline.services.heartbeats import read_freshest_heartbeat

router = APIRouter(tags=["health"])
log = logging.getLogger("fireline.api")


class LiveOut(BaseModel):
    status: Literal["ok"] = "ok"


class WorkerOut(BaseModel):
    last_heartbeat: datetime | None = Field(
        description="when the freshest worker heartbeat was recorded; null: no worker has "
        "beaten (for a day)"
    )
    seconds_ago: float | None = Field(description="how long ago that was")
    stale_after_seconds: int = Field(
        description="older than this, no worker counts as alive (FIRELINE_WORKER_STALE_AFTER)"
    )


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
    worker: WorkerOut


_UNHEALTHY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The database does not answer (`/problems/database-unavailable`), or "
        "no worker has beaten within the threshold (`/problems/worker-stale`, with `worker` "
        "as in a 200 answer).",
        "content": {PROBLEM_JSON: {}},
    }
}


@router.get("/livez", response_model=LiveOut)
async def live() -> LiveOut:
    """200 while this process answers HTTP. It reads nothing, so a load balancer pointed here
    keeps a server in rotation while a separate worker (or the database) has trouble."""
    return LiveOut()


@router.get("/healthz", response_model=HealthOut, responses=_UNHEALTHY)
def health(context: ContextDep) -> HealthOut | Response:
    """200 when the database answers and some worker (in `serve` or `fireline worker`) beat
    within FIRELINE_WORKER_STALE_AFTER seconds; otherwise 503, saying which failed."""
    try:
        beat = read_freshest_heartbeat(context.database)
    except DBAPIError as error:
        log.warning("health check: the database does not answer: %s", error)
        return problem(503, "database-unavailable", "the database does not answer")
    now = context.clock()
    stale_after = timedelta(seconds=context.settings.worker_stale_after)
    last_beat = beat.beat_at if beat is not None else None
    worker = WorkerOut(
        last_heartbeat=last_beat,
        seconds_ago=round(beat_age(last_beat, now).total_seconds(), 1) if last_beat else None,
        stale_after_seconds=context.settings.worker_stale_after,
    )
    if is_worker_alive(last_beat, now, stale_after):
        return HealthOut(worker=worker)
    if worker.seconds_ago is None:
        what = "no worker has recorded a heartbeat"
    else:
        what = (
            f"the freshest worker heartbeat is {worker.seconds_ago:.0f} s old (stale after "
            f"{worker.stale_after_seconds} s)"
        )
    return problem(
        503,
        "worker-stale",
        f"{what}, so timers may not fire and messages may not be sent: start `fireline "
        "worker`, or restart `fireline serve`",
        extensions={"database": "ok", "worker": worker.model_dump(mode="json")},
    )
