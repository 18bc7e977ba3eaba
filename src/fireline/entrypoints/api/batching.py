"""Work that arrives together is done together: one thread hand-off and one transaction.

On a busy server most of the cost of a small database job (checking a token, writing a
declaration) is the hand-off to a thread and the transaction around it, not the job. Jobs
that arrive while a batch is running wait for the next one, which takes all of them at once
(no timer: a lone job runs at once). Each caller still gets its own answer: its result, or
its own exception.

Nothing is kept here once answered: a caller is answered only after its batch finished (for
declarations: committed), so a crash loses only work that was never answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from anyio import to_thread

Job = TypeVar("Job")
Result = TypeVar("Result")

MAX_BATCH = 64
"""At most this many jobs share a batch (bounds one batch's latency)."""


class Batcher(Generic[Job, Result]):
    """Queue jobs on the event loop; one task drains them through `run` in a thread.

    `run` gets the jobs in arrival order and returns, at each position, that job's result
    or the exception to raise to its caller. An exception raised by `run` itself reaches
    every caller of the batch.
    """

    def __init__(self, run: Callable[[Sequence[Job]], Sequence[Result | Exception]]) -> None:
        self._run = run
        self._waiting: list[tuple[Job, asyncio.Future[Result]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, job: Job) -> Result:
        """The job's result, once its batch has run; raises the job's own exception."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                results = await to_thread.run_sync(self._run, [job for job, _ in batch])
            except Exception as error:  # the whole batch failed: every caller hears why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # the caller went away; what was done stands
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
