"""Declarations that arrive together are written together.

Every declaration is a database transaction, and on a busy server most of a declaration's
cost is the transaction around it, not its rows. Requests that arrive while a batch is
being written wait for the next one, which takes all of them at once (no timer: a lone
request is written at once, as before). Each request still gets its own answer: its
incident, or the refusal of its own draft.

Nothing is kept here once answered: a request is answered only after its batch committed,
so a crash loses only requests that were never answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from anyio import to_thread

from fireline.domain.errors import FirelineError
from fireline.domain.incident import Draft, Incident

Declare = Callable[[Sequence[tuple[Draft, datetime]]], list[Incident | FirelineError]]

MAX_BATCH = 64
"""At most this many declarations share a transaction (bounds one batch's latency)."""


class DeclarationBatcher:
    """Queue declarations on the event loop; one writer task drains them in batches."""

    def __init__(self, declare: Declare) -> None:
        self._declare = declare
        self._waiting: list[tuple[Draft, datetime, asyncio.Future[Incident]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def declare(self, draft: Draft, now: datetime) -> Incident:
        """The declared incident; raises the draft's FirelineError when it is refused."""
        future: asyncio.Future[Incident] = asyncio.get_running_loop().create_future()
        self._waiting.append((draft, now, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            requests = [(draft, now) for draft, now, _ in batch]
            try:
                results = await to_thread.run_sync(self._declare, requests)
            except Exception as error:  # the whole batch failed: every request hears why
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, _, future), result in zip(batch, results, strict=True):
                if future.done():  # the client went away; its incident stands
                    continue
                if isinstance(result, FirelineError):
                    future.set_exception(result)
                else:
                    future.set_result(result)
