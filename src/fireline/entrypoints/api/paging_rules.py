"""Routes for people's notification rules: yours (`/me`) and anyone's (`/users/{name}`)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fireline.domain.notifications import METHODS
from fireline.domain.paging_rules import MAX_RULES, PersonalRule
from fireline.entrypoints.api.deps import CallerDep, ContextDep
from fireline.entrypoints.api.schemas import Strict
from fireline.services import paging_rules

router = APIRouter(prefix="/api/v1", tags=["people"])


class RuleIn(Strict):
    method: str = Field(max_length=20, json_schema_extra={"enum": list(METHODS)})
    after_minutes: int = Field(0, ge=0, le=1440, description="0: at once")


class RulesIn(Strict):
    rules: list[RuleIn] = Field(max_length=MAX_RULES)


class RuleOut(BaseModel):
    method: str
    after_minutes: int


class RulesOut(BaseModel):
    user: str
    rules: list[RuleOut] = Field(
        description="how pages reach this person, in order; a method without a rule is used "
        "at once, a method the incident's severity does not use is not used at all"
    )


def _out(name: str, rules: tuple[PersonalRule, ...]) -> RulesOut:
    return RulesOut(
        user=name, rules=[RuleOut(method=r.method, after_minutes=r.after // 60) for r in rules]
    )


def _rules(body: RulesIn) -> list[PersonalRule]:
    return [PersonalRule(rule.method, rule.after_minutes * 60) for rule in body.rules]


@router.get("/me/notification-rules", response_model=RulesOut)
def my_rules(context: ContextDep, caller: CallerDep) -> RulesOut:
    """How pages reach you: e.g. email at once, SMS after 2 minutes, a call after 5."""
    return _out(caller.name, paging_rules.get_notification_rules(context.database, caller.name))


@router.put("/me/notification-rules", response_model=RulesOut)
def set_my_rules(body: RulesIn, context: ContextDep, caller: CallerDep) -> RulesOut:
    """Replace your rules. A delayed rule is skipped once the incident is acknowledged."""
    rules = paging_rules.set_notification_rules(context.database, caller.name, _rules(body))
    return _out(caller.name, rules)


@router.get("/users/{name}/notification-rules", response_model=RulesOut)
def user_rules(name: str, context: ContextDep) -> RulesOut:
    """How pages reach this person (404 for an unknown person)."""
    return _out(name, paging_rules.get_notification_rules(context.database, name))


@router.put("/users/{name}/notification-rules", response_model=RulesOut)
def set_user_rules(name: str, body: RulesIn, context: ContextDep) -> RulesOut:
    """Replace this person's rules (404 for an unknown person, 422 for a bad rule)."""
    rules = paging_rules.set_notification_rules(context.database, name, _rules(body))
    return _out(name, rules)
