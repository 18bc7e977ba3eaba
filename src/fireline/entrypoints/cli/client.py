"""The CLI's HTTP client: one place that talks to the API and turns problems into exit codes."""

from __future__ import annotations

import os
from typing import Any

import httpx
import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)


class Api:
    """Calls `FIRELINE_URL` (default http://127.0.0.1:8000) with the API token in
    `FIRELINE_TOKEN` (make one with `fireline token create`)."""

    def __init__(self) -> None:
        self.base_url = os.environ.get("FIRELINE_URL", "http://127.0.0.1:8000").rstrip("/")
        token = os.environ.get("FIRELINE_TOKEN", "").strip()
        if not token:
            err.print(
                "[red]error:[/red] FIRELINE_TOKEN is not set; make a token with "
                "`fireline token create --user NAME` on the server and export it",
                highlight=False,
            )
            raise typer.Exit(2)
        self.client = httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The decoded JSON body of a 2xx answer; otherwise print the problem and exit 1."""
        try:
            response = self.client.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as error:
            err.print(
                f"[red]error:[/red] cannot reach Fireline at {self.base_url} ({error}); "
                "is `fireline serve` running, and is FIRELINE_URL right?",
                highlight=False,
            )
            raise typer.Exit(1) from None
        if response.is_success:
            return response.json()
        _print_problem(response)
        raise typer.Exit(1)


def _print_problem(response: httpx.Response) -> None:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    errors = body.get("errors") or []
    if errors:
        # The detail joins the same field errors; print them once, one per line.
        err.print(f"[red]refused ({response.status_code}):[/red]", highlight=False)
        for item in errors:
            line = f"  {item.get('field')}: {item.get('message')}"
            err.print(line, markup=False, highlight=False)
    else:
        detail = body.get("detail") or response.reason_phrase
        err.print(f"[red]refused ({response.status_code}):[/red]", end=" ", highlight=False)
        err.print(str(detail), markup=False, highlight=False)
