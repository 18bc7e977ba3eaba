"""`fireline incident post-update` and `fireline incident deliveries`: tell stakeholders, and
see what an incident sent to whom (registered on `incident_app`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fireline.entrypoints.cli.client import Api
from fireline.entrypoints.cli.incident import _emit_json, incident_app, out, plain
from fireline.entrypoints.cli.options import JsonFlag


@incident_app.command("post-update")
def post_update(
    incident_id: str,
    message: Annotated[str, typer.Option(help="what we have learned or done")],
    impact: Annotated[str, typer.Option(help="the impact now")] = "",
    next_steps: Annotated[str, typer.Option(help="what we do next")] = "",
    audience: Annotated[
        list[str] | None,
        typer.Option(help="an audience to update (repeat); default: those due an update"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Post a stakeholder update (handbook 002's status update) to the audiences due one."""
    body: dict[str, Any] = {"message": message, "impact": impact, "next_steps": next_steps}
    if audience:
        body["audiences"] = audience
    posted = Api().call("POST", f"/api/v1/incidents/{incident_id}/updates", json=body)
    if as_json:
        _emit_json(posted)
        return
    audiences = ", ".join(posted["audiences"])
    if posted["deliveries"]:
        said = f"update sent to {audiences}: {posted['deliveries']} message(s) queued"
    else:
        # Recorded on the timeline, and the cadence moved on, but nobody will get it.
        said = f"update recorded for {audiences}, but it reached nobody (see below)"
    out.print(plain(said))
    for audience_name, due in posted["next_due"].items():
        out.print(plain(f"  next update for {audience_name}: {due or 'as needed'}"))
    for why in posted["unreached"]:
        out.print(plain(f"  not reached: {why}"), style="yellow")


@incident_app.command()
def deliveries(incident_id: str, as_json: JsonFlag = False) -> None:
    """Every message the incident sent or is sending: to whom, how, and what became of it."""
    log = Api().call("GET", f"/api/v1/incidents/{incident_id}/deliveries")
    if as_json:
        _emit_json(log)
        return
    table = Table("id", "to", "by", "what", "status", "attempts", "detail")
    for d in log["deliveries"]:
        by = d["channel"] if d["method"] == "room" else f"{d['method']} ({d['channel']})"
        detail = d["receipt"] or d["last_error"] or d["next_attempt_at"] or ""
        table.add_row(
            str(d["id"]),
            plain(f"{d['label']} ({d['recipient']})"),
            plain(by),
            plain(d["template"]),
            plain(d["status"]),
            str(d["attempts"]),
            plain(detail),
        )
    if not log["deliveries"]:
        out.print("no messages: the timeline says whom each notice was meant for, and why not")
        return
    out.print(table)
