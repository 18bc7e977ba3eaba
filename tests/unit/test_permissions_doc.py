"""docs/permissions.md shows the permission tables exactly as the code has them."""

from __future__ import annotations

from pathlib import Path

from fireline.domain.access import ROLE_PERMISSIONS, SCOPE_PERMISSIONS, Permission
from fireline.entrypoints.api.permissions import ROUTE_PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def matrix(table: dict[object, frozenset[Permission]]) -> str:
    lines = [
        "| Permission | " + " | ".join(f"`{key}`" for key in table) + " |",
        "|---|" + "---|" * len(table),
    ]
    for permission in Permission:
        marks = " | ".join("✓" if permission in granted else "" for granted in table.values())
        lines.append(f"| `{permission}` | {marks} |")
    return "\n".join(lines)


def routes() -> str:
    lines = ["| Method | Path | Needs |", "|---|---|---|"]
    for (method, path), need in ROUTE_PERMISSIONS.items():
        shown = f"`{need}`" if isinstance(need, Permission) else "public"
        lines.append(f"| {method} | `{path}` | {shown} |")
    return "\n".join(lines)


def test_the_role_scope_and_route_tables_match_the_code() -> None:
    text = DOC.read_text()
    for table in (matrix(ROLE_PERMISSIONS), matrix(SCOPE_PERMISSIONS), routes()):  # type: ignore[arg-type]
        assert table in text, f"docs/permissions.md is out of date; it should contain:\n{table}"
