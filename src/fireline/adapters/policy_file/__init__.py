"""The policy file: an organisation's incident handbook as YAML, loaded into a domain `Policy`.

Public surface (everything else in this package is private)::

    load_policy_file(path) / load_policy_text(text, source) / parse_document(document, source)
        -> LoadedPolicy(policy, document, digest)   or raise PolicyFileError(.problems)
    list_presets() -> list[PresetInfo];  load_preset(name) -> LoadedPolicy

`docs/policy.md` is the reference for the file format.
"""

from fireline.adapters.policy_file.errors import PolicyFileError, PolicyProblem
from fireline.adapters.policy_file.load import (
    LoadedPolicy,
    load_policy_file,
    load_policy_text,
    parse_document,
)
from fireline.adapters.policy_file.presets import PresetInfo, list_presets, load_preset

__all__ = [
    "LoadedPolicy",
    "PolicyFileError",
    "PolicyProblem",
    "PresetInfo",
    "list_presets",
    "load_policy_file",
    "load_policy_text",
    "load_preset",
    "parse_document",
]
