"""The policies Fireline ships: one per handbook, plus `default`.

Presets are YAML files in the `fireline/presets` package data, in the very format an
organisation writes, so each one is also a worked example of the policy file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from fireline.adapters.policy_file.errors import PolicyFileError, PolicyProblem
from fireline.adapters.policy_file.load import LoadedPolicy, load_policy_file

DEFAULT_PRESET = "default"


@dataclass(frozen=True)
class PresetInfo:
    """What a preset is, without validating it: its name, the handbook file it encodes
    (None for `default`), a short title, a description and where the file is."""

    name: str
    handbook: str | None
    title: str
    description: str
    path: Path


def _presets_dir() -> Path:
    # Presets are plain files next to the code (setuptools package data), so a real path
    # exists; a zipped install is not supported.
    return Path(str(resources.files("fireline").joinpath("presets")))


def _preset_paths() -> dict[str, Path]:
    paths = {path.stem: path for path in _presets_dir().glob("*.yaml")}
    order = sorted(paths, key=lambda name: (name != DEFAULT_PRESET, name))
    return {name: paths[name] for name in order}


def list_presets() -> list[PresetInfo]:
    """Every shipped preset, `default` first and the rest by name."""
    return [_read_info(path) for path in _preset_paths().values()]


def load_preset(name: str) -> LoadedPolicy:
    """The preset called `name`. Raises PolicyFileError (listing the presets) when unknown."""
    presets = _preset_paths()
    if name not in presets:
        raise PolicyFileError(
            [
                PolicyProblem(
                    "preset",
                    None,
                    "",
                    name,
                    f"unknown preset {name!r} (allowed: {', '.join(presets)})",
                )
            ]
        )
    loaded = _load_shipped(presets[name])
    # The document is a plain dict that callers change (to write a variant); each gets its
    # own. The policy is shared: nothing may change it (frozen dataclasses, though a few
    # hold plain dicts, such as a channel's settings).
    return replace(loaded, document=copy.deepcopy(loaded.document))


@cache
def _load_shipped(path: Path) -> LoadedPolicy:
    # Presets are package data, which does not change while Fireline runs: each is parsed
    # and validated once per process (a server builds a context per worker, tests per test).
    return load_policy_file(path)


def _read_info(path: Path) -> PresetInfo:
    # Only the header keys are read here, so listing presets stays cheap; `load_preset`
    # validates the whole file (and the tests load every preset).
    header = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(header, dict):
        header = {}
    handbook = header.get("handbook")
    return PresetInfo(
        name=path.stem,
        handbook=str(handbook) if handbook else None,
        title=str(header.get("title") or path.stem),
        description=str(header.get("description") or ""),
        path=path,
    )
