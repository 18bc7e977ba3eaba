"""Reading YAML safely while remembering where every key and value sits in the file.

The loader is PyYAML's safe loader with two changes that matter for policy files: a key
written twice is a problem rather than silently "last one wins", and only ``true`` and
``false`` are booleans (YAML 1.1 would read the country code ``NO`` or the word ``on`` as a
boolean, which nobody writing a policy means).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_ALIASES = 100
MAX_VALUES = 100_000
"""Values (scalars, lists, mappings) a document may hold, each alias counted as everything it
stands for: the longest preset has under 600, and a few lines of aliases can stand for
billions ("billion laughs"), which validating or printing would then walk one by one."""

Loc = tuple[str | int, ...]
"""A path into the document: mapping keys and list indexes, as pydantic reports them."""


@dataclass(frozen=True)
class DuplicateKey:
    """A key written a second time in the same mapping, at `line` (1-based)."""

    path: Loc
    line: int


class DocumentTooLarge(yaml.MarkedYAMLError):
    """The document holds more than MAX_VALUES values with its aliases expanded, more than
    MAX_ALIASES aliases, or an alias inside the value it names; `problem_mark` is where."""


class _PolicyLoader(yaml.SafeLoader):
    """Safe loader that records duplicate keys instead of overwriting them, and counts the
    values of the document as it composes it, each alias as all it stands for."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.duplicates: list[tuple[MappingNode, ScalarNode]] = []
        self.aliases = 0
        self.values = 0
        self._sizes: dict[int, int] = {}
        self._open: set[str] = set()

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark: Any = event.start_mark
        if not isinstance(event, yaml.AliasEvent):
            self._count(1, mark)
            # A list or mapping is filed under its anchor before what is in it is composed:
            # until it is done, an alias to it would make it contain itself.
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                self._open.add(anchor)
            try:
                return super().compose_node(parent, index)
            finally:
                self._open.discard(anchor)
        # Aliases let a few lines stand for an exponentially large document ("billion
        # laughs"); each counts as all it stands for.
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise DocumentTooLarge(
                problem=f"more than {MAX_ALIASES} YAML aliases (*name) (allowed: at most "
                f"{MAX_ALIASES})",
                problem_mark=mark,
            )
        if event.anchor in self._open:
            raise DocumentTooLarge(
                problem=f"the alias *{event.anchor} is inside the value it names, which would "
                "never end (allowed: aliases of values written before them)",
                problem_mark=mark,
            )
        node = super().compose_node(parent, index)
        if node is not None:
            self._count(self._expanded(node), mark)
        return node

    def _count(self, values: int, mark: Any) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise DocumentTooLarge(
                problem=f"the document holds more than {MAX_VALUES} values once its aliases "
                "(*name) are expanded (a policy has a few thousand at most)",
                problem_mark=mark,
            )

    def _expanded(self, node: Node) -> int:
        """The values `node` stands for, aliases inside it expanded (sizes remembered, so a
        node reached many times is measured once)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._expanded(item) for item in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._expanded(key) + self._expanded(value) for key, value in node.value)
        self._sizes[id(node)] = size
        return size

    def construct_yaml_int(self, node: ScalarNode) -> int:
        # Python reads at most 4,300 digits of a number (converting more takes quadratic time).
        try:
            number: int = super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                problem="a number with too many digits (allowed: at most 4300)",
                problem_mark=node.start_mark,
            ) from None
        return number

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    self.duplicates.append((node, key_node))
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


# Replace YAML 1.1 booleans (yes/no/on/off/y/n) by the YAML 1.2 pair true/false.
_PolicyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PolicyLoader.add_constructor("tag:yaml.org,2002:int", _PolicyLoader.construct_yaml_int)
_PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class LineIndex:
    """Where each path of a document starts in the file (1-based lines).

    A mapping entry sits on its key's line, so a problem with a whole section points at
    the section's key; a list item sits on the line where the item starts.
    """

    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the deepest part of `loc` written in the file; None for an empty index."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def known_prefix(self, loc: Loc) -> Loc:
        """The longest beginning of `loc` that names something written in the file."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return loc[:end]
        return ()


def index_lines(root: Node) -> tuple[LineIndex, dict[int, Loc]]:
    """Record the line of every mapping key and list item under `root`.

    Also returns the path of every mapping node (by `id`), to place duplicate keys. A node
    reached again through a YAML alias is indexed once, at its first path, which also keeps
    recursive or exponential alias structures from blowing up the walk.
    """
    index = LineIndex()
    index.lines[()] = root.start_mark.line + 1
    mapping_paths: dict[int, Loc] = {}
    seen: set[int] = set()
    stack: list[tuple[Loc, Node]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[Loc, Node, int]] = []
        if isinstance(node, MappingNode):
            mapping_paths[id(node)] = path
            children = [
                ((*path, _key(key)), value, key.start_mark.line + 1)
                for key, value in node.value
                if isinstance(key, ScalarNode)
            ]
        elif isinstance(node, SequenceNode):
            children = [
                ((*path, position), item, item.start_mark.line + 1)
                for position, item in enumerate(node.value)
            ]
        for child, child_node, line in children:
            index.lines.setdefault(child, line)
            stack.append((child, child_node))
    return index, mapping_paths


def _key(node: ScalarNode) -> str | int:
    # Keys reach pydantic as the YAML value; integer keys stay integers so that the paths
    # match pydantic's `loc`.
    return int(node.value) if node.tag == "tag:yaml.org,2002:int" else str(node.value)


@dataclass(frozen=True)
class ParsedYaml:
    """The data of a YAML document, where its parts are, and the keys written twice."""

    data: object
    index: LineIndex
    duplicates: list[DuplicateKey]


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document safely. Raises yaml.YAMLError (with a mark) on bad syntax."""
    loader = _PolicyLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return ParsedYaml(None, LineIndex(), [])
        data = loader.construct_document(root)
    finally:
        loader.dispose()
    index, mapping_paths = index_lines(root)
    duplicates = [
        DuplicateKey((*mapping_paths.get(id(mapping), ()), _key(key)), key.start_mark.line + 1)
        for mapping, key in loader.duplicates
    ]
    return ParsedYaml(data, index, duplicates)
