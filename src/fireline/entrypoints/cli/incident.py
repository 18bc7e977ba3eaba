"""`fireline incident …`: declare, list, show, ack, status, comment, assign, update.

Rich tables for people, `--json` for scripts (the API's own JSON, unchanged).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fireline.entrypoints.cli.client import Api
from fireline.entrypoints.cli.options import JsonFlag, flag

incident_app = typer.Typer(help="Work with incidents through the API.", no_args_is_help=True)
out = Console()

SEVERITY_STYLE = {1: "bold red", 2: "red", 3: "yellow", 4: "cyan"}


def plain(value: object) -> Text:
    """Server text as literal text: never Rich markup (a title like "disk [/data] full" must
    print as written), with control characters (terminal escapes) replaced."""
    text = str(value)
    return Text("".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text))


def _emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def _print_incident(incident: dict[str, Any]) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    style = SEVERITY_STYLE.get(incident["severity"], "")
    table.add_row("ID", plain(incident["id"]))
    table.add_row("Title", plain(incident["title"]))
    table.add_row("Status", plain(incident["status"]))
    table.add_row("Severity", Text(f"Sev-{incident['severity']}", style=style))
    table.add_row("Priority", plain(incident.get("priority") or "-"))
    table.add_row("Type", plain(incident["type"]))
    table.add_row("Services", plain(", ".join(incident["services"]) or "-"))
    table.add_row("Criticality", plain(incident.get("criticality") or "-"))
    table.add_row("Reporter", plain(incident["reporter"]))
    table.add_row("Owner", plain(incident.get("owner") or "-"))
    table.add_row("Team", plain(incident.get("team") or "-"))
    table.add_row("Declared", plain(incident["declared_at"]))
    if incident.get("acknowledged_at"):
        acknowledged = f"{incident['acknowledged_at']} by {incident['acknowledged_by']}"
        table.add_row("Acknowledged", plain(acknowledged))
    if incident.get("description"):
        table.add_row("Description", plain(incident["description"]))
    out.print(table)


@incident_app.command()
def declare(
    title: Annotated[str, typer.Option(help="a short summary")],
    type_: Annotated[str, typer.Option("--type", help="an incident type of the policy")],
    severity: Annotated[int | None, typer.Option(min=1)] = None,
    impact: Annotated[str | None, typer.Option()] = None,
    urgency: Annotated[str | None, typer.Option()] = None,
    service: Annotated[list[str] | None, typer.Option(help="an affected service (repeat)")] = None,
    description: Annotated[str, typer.Option()] = "",
    team: Annotated[str | None, typer.Option()] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    label: Annotated[list[str] | None, typer.Option(help="a label (repeat)")] = None,
    link: Annotated[list[str] | None, typer.Option(help="a related URL (repeat)")] = None,
    support_tier: Annotated[int | None, typer.Option(min=1, max=4)] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="retry safely with the same key")
    ] = None,
    as_json: JsonFlag = False,
    quiet: Annotated[
        bool, flag("--quiet", "print the new incident's ID only: id=$(fireline incident declare …)")
    ] = False,
) -> None:
    """Declare an incident; prints its ID."""
    body: dict[str, Any] = {"title": title, "type": type_, "description": description}
    optional = {
        "severity": severity,
        "impact": impact,
        "urgency": urgency,
        "team": team,
        "owner": owner,
        "support_tier": support_tier,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    body.update({"services": service or [], "labels": label or [], "links": link or []})
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    incident = Api().call("POST", "/api/v1/incidents", json=body, headers=headers)
    if as_json:
        _emit_json(incident)
    elif quiet:
        typer.echo(incident["id"])
    else:
        out.print(
            Text.assemble(
                "declared ",
                (incident["id"], "bold"),
                f" (Sev-{incident['severity']}, {incident['priority'] or 'no priority'}): ",
                plain(incident["title"]),
            )
        )


@incident_app.command("list")
def list_(
    status: Annotated[
        list[str] | None, typer.Option(help="status, or in_progress (repeat)")
    ] = None,
    severity: Annotated[list[int] | None, typer.Option()] = None,
    priority: Annotated[list[str] | None, typer.Option()] = None,
    type_: Annotated[list[str] | None, typer.Option("--type")] = None,
    service: Annotated[list[str] | None, typer.Option()] = None,
    team: Annotated[list[str] | None, typer.Option()] = None,
    reporter: Annotated[str | None, typer.Option()] = None,
    mine: Annotated[bool, flag("--mine", "only incidents I reported")] = False,
    since: Annotated[
        str | None, typer.Option("--from", help="declared at or after (ISO 8601)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="declared before (ISO 8601)")] = None,
    search: Annotated[
        str | None, typer.Option("--search", "-q", help="words in title or description")
    ] = None,
    oldest: Annotated[bool, flag("--oldest", "oldest first")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    cursor: Annotated[str | None, typer.Option(help="continue from a previous page")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List incidents, newest first."""
    params: dict[str, Any] = {
        "status": status or [],
        "severity": severity or [],
        "priority": priority or [],
        "type": type_ or [],
        "service": service or [],
        "team": team or [],
        "limit": limit,
        "order": "oldest" if oldest else "newest",
    }
    optional = {
        "reporter": "me" if mine else reporter,
        "from": since,
        "until": until,
        "q": search,
        "cursor": cursor,
    }
    params.update({key: value for key, value in optional.items() if value is not None})
    page = Api().call("GET", "/api/v1/incidents", params=params)
    if as_json:
        _emit_json(page)
        return
    # Below 120 columns the title needs the room more than the services and the date do.
    wide = out.width >= 120
    table = Table()
    table.add_column("ID", no_wrap=True)
    table.add_column("Sev", no_wrap=True)
    table.add_column("Pri", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Title", ratio=1, min_width=16, overflow="ellipsis")
    if wide:
        table.add_column("Services", overflow="ellipsis")
        table.add_column("Declared", no_wrap=True)
    for item in page["items"]:
        style = SEVERITY_STYLE.get(item["severity"], "")
        cells = [
            plain(item["id"]),
            Text(str(item["severity"]), style=style),
            plain(item["priority"] or "-"),
            plain(item["status"]),
            plain(item["title"]),
        ]
        if wide:
            cells += [
                plain(", ".join(item["services"])),
                plain(item["declared_at"][:16].replace("T", " ")),
            ]
        table.add_row(*cells)
    out.print(table)
    if page["next_cursor"]:
        out.print(f"more: --cursor {page['next_cursor']}", highlight=False, soft_wrap=True)


@incident_app.command()
def show(incident_id: str, as_json: JsonFlag = False) -> None:
    """Show an incident and its timeline."""
    api = Api()
    incident = api.call("GET", f"/api/v1/incidents/{incident_id}")
    timeline = api.call("GET", f"/api/v1/incidents/{incident_id}/timeline")
    if as_json:
        _emit_json({"incident": incident, "timeline": timeline["events"]})
        return
    _print_incident(incident)
    table = Table("When", "Who", "What", title="Timeline")
    for event in timeline["events"]:
        note = event.get("note")
        # Rule events carry the deciding rule's name as their note; the summary says it already.
        what = event["summary"] + (f" — {note}" if note and note not in event["summary"] else "")
        table.add_row(plain(event["at"][:19].replace("T", " ")), plain(event["actor"]), plain(what))
    out.print(table)


@incident_app.command()
def ack(incident_id: str, as_json: JsonFlag = False) -> None:
    """Acknowledge an incident (an open one moves to investigating)."""
    incident = Api().call("POST", f"/api/v1/incidents/{incident_id}/acknowledge")
    _done(incident, as_json, f"acknowledged {incident_id}; status {incident['status']}")


@incident_app.command()
def status(
    incident_id: str,
    new_status: Annotated[str, typer.Argument(metavar="STATUS")],
    note: Annotated[str | None, typer.Option()] = None,
    as_json: JsonFlag = False,
) -> None:
    """Move an incident to another status."""
    body = {"status": new_status, **({"note": note} if note else {})}
    incident = Api().call("POST", f"/api/v1/incidents/{incident_id}/status", json=body)
    _done(incident, as_json, f"{incident_id} is now {incident['status']}")


@incident_app.command()
def comment(incident_id: str, body: str, as_json: JsonFlag = False) -> None:
    """Add a comment to the timeline."""
    event = Api().call("POST", f"/api/v1/incidents/{incident_id}/comments", json={"body": body})
    _done(event, as_json, f"comment added to {incident_id}")


@incident_app.command()
def assign(incident_id: str, role: str, person: str, as_json: JsonFlag = False) -> None:
    """Assign a role (e.g. incident_commander) to a person, or hand it over."""
    roles = Api().call(
        "PUT", f"/api/v1/incidents/{incident_id}/roles/{role}", json={"person": person}
    )
    _done(roles, as_json, f"{role} on {incident_id}: {roles['holders'].get(role)}")


@incident_app.command()
def update(
    incident_id: str,
    title: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
    type_: Annotated[str | None, typer.Option("--type")] = None,
    severity: Annotated[int | None, typer.Option(min=1)] = None,
    reason: Annotated[str | None, typer.Option(help="why (required for a severity change)")] = None,
    impact: Annotated[str | None, typer.Option()] = None,
    urgency: Annotated[str | None, typer.Option()] = None,
    service: Annotated[list[str] | None, typer.Option(help="replace the affected services")] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    team: Annotated[str | None, typer.Option()] = None,
    support_tier: Annotated[int | None, typer.Option(min=1, max=4)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change fields of an incident."""
    fields = {
        "title": title,
        "description": description,
        "type": type_,
        "severity": severity,
        "reason": reason,
        "impact": impact,
        "urgency": urgency,
        "owner": owner,
        "team": team,
        "support_tier": support_tier,
        "services": service,
    }
    body = {key: value for key, value in fields.items() if value is not None}
    if not body or set(body) == {"reason"}:
        typer.echo("error: nothing to update; pass at least one field option", err=True)
        raise typer.Exit(2)
    incident = Api().call("PATCH", f"/api/v1/incidents/{incident_id}", json=body)
    _done(incident, as_json, f"updated {incident_id}")


def _done(data: Any, as_json: bool, message: str) -> None:
    if as_json:
        _emit_json(data)
    else:
        out.print(plain(message))
