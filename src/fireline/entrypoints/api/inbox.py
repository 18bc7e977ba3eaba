"""Routes for the console inbox: your messages (`/me/inbox`) and a console room's posts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from fireline.entrypoints.api.deps import ContextDep, VisibilityDep
from fireline.services import inbox
from fireline.services.inbox import InboxPage

router = APIRouter(prefix="/api/v1", tags=["notifications"])

MAX_ID = 2**31 - 1
"""The largest delivery ID there can be (a 32-bit key): a larger `before` is a 422, not a
database error."""


class InboxMessageOut(BaseModel):
    id: int
    incident_id: str | None
    kind: str = Field(description="the template that worded it: initial, page, notice, …")
    subject: str
    text: str
    sent_at: datetime
    status: str


class InboxOut(BaseModel):
    messages: list[InboxMessageOut]
    next_before: int | None = Field(
        description="pass as `before` for the next (older) page; null on the last page"
    )


def _out(page: InboxPage) -> InboxOut:
    return InboxOut(
        messages=[
            InboxMessageOut(
                id=m.id,
                incident_id=m.incident_id,
                kind=m.template,
                subject=m.subject,
                text=m.text,
                sent_at=m.created_at,
                status=m.status.value,
            )
            for m in page.messages
        ],
        next_before=page.next_before,
    )


Before = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="only messages older than this ID")
]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/me/inbox", response_model=InboxOut)
def my_inbox(
    context: ContextDep, visibility: VisibilityDep, before: Before = None, limit: Limit = 50
) -> InboxOut:
    """What Fireline sent you through a console channel (pages, notices, reminders), newest
    first: the inbox every person has, without email or chat set up."""
    policy = context.policies.current
    found = inbox.list_inbox(context.database, policy, visibility, before=before, limit=limit)
    return _out(found)


@router.get("/channels/{name}/inbox", response_model=InboxOut)
def room_inbox(
    name: str,
    context: ContextDep,
    visibility: VisibilityDep,
    before: Before = None,
    limit: Limit = 50,
) -> InboxOut:
    """Posts to a console room (a `channel:NAME` target of a console channel), newest first,
    about incidents you may see; 404 for a name that is no console channel."""
    policy = context.policies.current
    found = inbox.list_room(context.database, policy, name, visibility, before=before, limit=limit)
    return _out(found)
