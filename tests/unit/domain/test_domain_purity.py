"""The domain imports nothing but the standard library (import-linter checks it too)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import fireline.domain

DOMAIN = Path(fireline.domain.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_every_domain_module_imports_only_the_standard_library_and_the_domain() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in DOMAIN.glob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("fireline.domain")
        and name != "__future__"
    }
    assert offenders == set()
