"""The vendored Swagger UI and ReDoc files are exactly what `scripts/vendor-docs-assets`
took from the pinned npm releases (MANIFEST.json), and ship with the package."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from fireline.entrypoints.web.docs import STATIC

DOCS = STATIC / "docs"
SCRIPT = Path(__file__).parents[2] / "scripts" / "vendor-docs-assets"


def test_every_vendored_file_is_the_one_the_manifest_pins() -> None:
    manifest = json.loads((DOCS / "MANIFEST.json").read_text())
    listed = {}
    for package in manifest.values():
        listed.update(package["files"])
    on_disk = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*") if path.is_file()} - {
        "MANIFEST.json"
    }
    assert on_disk == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((DOCS / name).read_bytes()).hexdigest() == digest, name


def test_the_manifest_names_the_versions_the_script_pins() -> None:
    manifest = json.loads((DOCS / "MANIFEST.json").read_text())
    script = SCRIPT.read_text()
    for name, package in manifest.items():
        pinned = re.search(
            rf'"{re.escape(name)}": {{\s*"version": "([^"]+)",\s*"integrity": "([^"]+)"', script
        )
        assert pinned is not None, name
        assert (package["version"], package["integrity"]) == pinned.groups()


def test_the_licences_ship_beside_the_files() -> None:
    assert (DOCS / "swagger-ui" / "LICENSE").is_file()
    assert (DOCS / "swagger-ui" / "NOTICE").is_file()
    assert (DOCS / "redoc" / "LICENSE").is_file()
