"""Routes for the service catalog (`/api/v1/services`) and the policy (`/api/v1/policy`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fireline.adapters.policy_file.redaction import redact_document
from fireline.domain.access import Permission
from fireline.domain.policy import Service
from fireline.entrypoints.api.deps import CallerDep, ContextDep
from fireline.entrypoints.api.problems import answers
from fireline.entrypoints.api.schemas import (
    PolicyOut,
    ServiceIn,
    ServiceList,
    ServiceOut,
    ServicePatch,
)
from fireline.services import catalog
from fireline.services.ports import CatalogEntry

router = APIRouter(prefix="/api/v1", tags=["catalog"])


def service_out(entry: CatalogEntry) -> ServiceOut:
    """A catalog entry as the API shows it (`managed_by`: `policy` or `api`)."""
    service = entry.service
    return ServiceOut(
        name=service.name,
        criticality=service.criticality,
        team=service.team,
        customer_facing=service.is_customer_facing,
        description=service.description,
        managed_by="policy" if entry.is_from_policy else "api",
    )


@router.get("/services", response_model=ServiceList)
def list_services(context: ContextDep) -> ServiceList:
    """Every service in the catalog, by name."""
    return ServiceList(items=[service_out(e) for e in catalog.list_services(context.database)])


@router.get("/services/{name}", response_model=ServiceOut)
def show_service(name: str, context: ContextDep) -> ServiceOut:
    """One service; 404 when there is none by that name."""
    return service_out(catalog.get_service(context.database, name))


@router.post("/services", status_code=201, response_model=ServiceOut, responses=answers(409))
def create_service(body: ServiceIn, context: ContextDep) -> ServiceOut:
    """Add a service; 409 when the name is taken."""
    service = Service(
        name=body.name,
        criticality=body.criticality,
        team=body.team,
        is_customer_facing=body.customer_facing,
        description=body.description,
    )
    return service_out(catalog.create_service(context.database, context.policies.current, service))


@router.patch("/services/{name}", response_model=ServiceOut, responses=answers(409))
def update_service(name: str, body: ServicePatch, context: ContextDep) -> ServiceOut:
    """Change an API-managed service; services from the policy file are changed there (409)."""
    renames = {"customer_facing": "is_customer_facing"}
    changes: dict[str, Any] = {
        renames.get(field, field): getattr(body, field) for field in body.model_fields_set
    }
    entry = catalog.update_service(context.database, context.policies.current, name, changes)
    return service_out(entry)


@router.get("/policy", response_model=PolicyOut)
def show_policy(context: ContextDep, caller: CallerDep) -> PolicyOut:
    """The policy in force: its version number, digest and the effective document. Inline
    channel secrets are never shown; contacts' addresses only with `people.read`."""
    loaded = context.loaded_policy
    return PolicyOut(
        version=context.policies.current_version,
        name=loaded.policy.name,
        digest=loaded.digest,
        document=redact_document(
            loaded.document, show_addresses=caller.may(Permission.PEOPLE_READ)
        ),
    )
