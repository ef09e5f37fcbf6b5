"""Read a YAML file into a tree of located nodes, safely and within explicit limits.

The tree is built from PyYAML's event stream (``yaml.parse`` with the safe loader) by an
explicit stack, never by constructing Python objects from tags: no tag can run code, no alias
can expand without being counted, and nesting depth is checked before it can exhaust the
interpreter's recursion. Every node keeps its 1-based line and column, so later stages can
point at the exact place of a finding.

Limits (see docs/rule-format.md, "Limits"):

- :data:`MAX_FILE_BYTES` bytes per file;
- :data:`MAX_DEPTH` levels of nesting;
- :data:`MAX_NODES` nodes, counting every alias expansion.

A problem is reported as a :class:`YamlError` carrying a diagnostic; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.resolver import Resolver

from .diagnostics import Diagnostic, make

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 48
MAX_NODES = 200_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_YAML11_BOOL_WORDS = {"yes", "no", "on", "off", "y", "n"}


class YamlError(Exception):
    """Reading failed; :attr:`diagnostic` says where and why."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.render())
        self.diagnostic = diagnostic


@dataclass(eq=False)
class Node:
    #: 1-based line of the node's first character
    line: int
    #: 1-based column of the node's first character
    col: int


@dataclass(eq=False)
class Scalar(Node):
    #: the resolved value: str, int, float, bool or None (dates stay ISO strings)
    value: Any
    #: the text as written, without quotes
    raw: str = ""
    #: PyYAML's style: None (plain), "'", '"', "|" or ">"
    style: str | None = None


@dataclass(eq=False)
class Mapping(Node):
    #: key text -> (key scalar, value node), in file order
    entries: dict[str, tuple[Scalar, Node]] = field(default_factory=dict)

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def key_node(self, key: str) -> Scalar | None:
        entry = self.entries.get(key)
        return entry[0] if entry else None


@dataclass(eq=False)
class Sequence(Node):
    items: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    """A read file: its path as given, its text (for locating inside scalars), its root node."""

    path: str
    text: str
    root: Node
    #: warnings found while reading (for example YAML 1.1 booleans)
    warnings: tuple[Diagnostic, ...] = ()


def to_plain(node: Node) -> Any:
    """The node as plain Python data (dict, list, scalars), for JSON Schema validation."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_plain(item) for item in node.items]
    assert isinstance(node, Mapping)
    return {key: to_plain(value) for key, (_, value) in node.entries.items()}


def node_at(root: Node, path: Iterator[Any] | list[Any]) -> tuple[Node, Scalar | None]:
    """The node at a JSON path (keys and indexes), and the key node that leads to it, if any."""
    node, key_node = root, None
    for step in path:
        if isinstance(node, Mapping) and isinstance(step, str) and step in node.entries:
            key_node, node = node.entries[step]
        elif isinstance(node, Sequence) and isinstance(step, int) and 0 <= step < len(node.items):
            key_node, node = None, node.items[step]
        else:
            break
    return node, key_node


def read_text(path: str) -> str:
    """The file's text, or a YamlError for a missing, oversized, binary or non-UTF-8 file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise YamlError(make(path, 0, 0, "unreadable", "is a directory, not a rule file")) from None
    except FileNotFoundError:
        raise YamlError(make(path, 0, 0, "unreadable", "no such file",
                             "check the path; askless check accepts files and folders")) from None
    except OSError as exc:
        raise YamlError(make(path, 0, 0, "unreadable", f"cannot read the file: {exc.strerror}")) from None
    if len(data) > MAX_FILE_BYTES:
        raise YamlError(make(
            path, 0, 0, "too-large",
            f"the file is over the limit of {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            "split the process into smaller files; a rule file is usually well under 1 MiB"))
    return decode(path, data)


def decode(path: str, data: bytes) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _position(data[:nul])
        raise YamlError(make(path, line, col, "unreadable",
                             "the file contains NUL bytes: it looks binary, not YAML text",
                             "rule files are UTF-8 text"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data[: exc.start])
        raise YamlError(make(path, line, col, "unreadable",
                             f"invalid UTF-8 byte 0x{data[exc.start]:02x}",
                             "save the file as UTF-8 (Danish letters æ, ø, å are fine in UTF-8)")) from None
    return text.removeprefix("\ufeff")


def _position(prefix: bytes) -> tuple[int, int]:
    line = prefix.count(b"\n") + 1
    last = prefix.rfind(b"\n")
    col = len(prefix[last + 1:].decode("utf-8", errors="replace")) + 1
    return line, col


#: what an empty file should hold, by default (a rule file)
RULE_FILE_HINT = "a rule file is a mapping that starts with 'process: <name>'"


def read(path: str, text: str | None = None, hint: str = RULE_FILE_HINT) -> Document:
    """Read and parse one YAML file. ``text`` skips reading from disk (for tests and editors);
    ``hint`` says what the file should hold when it is empty."""
    if text is None:
        text = read_text(path)
    if not text.strip():
        raise YamlError(make(path, 1, 1, "yaml-syntax", "the file is empty", hint))
    builder = _Builder(path)
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_syntax_diagnostic(path, text, exc)) from None
    except yaml.YAMLError as exc:
        raise YamlError(make(path, 1, 1, "yaml-syntax", str(exc).splitlines()[0])) from None
    if builder.root is None:
        raise YamlError(make(path, 1, 1, "yaml-syntax", "the file holds no YAML document", hint))
    return Document(path, text, builder.root, tuple(builder.warnings))


def _syntax_diagnostic(path: str, text: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (exc.problem or "invalid YAML").strip()
    if exc.context:
        problem = f"{problem} ({exc.context.strip()})"
    if "maximum nesting depth" in problem:
        # libyaml's own depth limit can trip first: it scans ahead before askless sees the events
        return make(path, line, col, "too-large", f"nesting deeper than {MAX_DEPTH} levels",
                    "rule files need only a few levels; check for runaway brackets")
    hint = ""
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in source_line or "'\\t'" in problem:
        hint = "YAML indentation must use spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = "quote a value that contains ': ' (for example an expression or a question text)"
    elif "found character '%'" in problem or "found character '@'" in problem:
        hint = "quote the value"
    elif "could not find expected ':'" in problem:
        hint = "each entry of a mapping is 'key: value'; check the indentation of this line"
    return make(path, line, col, "yaml-syntax", problem, hint)


class _Builder:
    """Turns the event stream into located nodes, enforcing the limits."""

    def __init__(self, path: str):
        self.path = path
        self.root: Node | None = None
        self.documents = 0
        self.stack: list[list[Any]] = []  # [node, pending key scalar or None]
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.sizes: dict[int, int] = {}
        self.nodes = 0
        self.warnings: list[Diagnostic] = []

    def _fail(self, mark: Any, code: str, message: str, hint: str = "") -> None:
        raise YamlError(make(self.path, mark.line + 1, mark.column + 1, code, message, hint))

    def _count(self, mark: Any, n: int) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            self._fail(mark, "too-large",
                       f"the document expands to more than {MAX_NODES} nodes (aliases counted)",
                       "a YAML alias bomb, or a file far larger than any rule file needs")

    def feed(self, event: yaml.Event) -> None:
        mark = event.start_mark
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._fail(mark, "yaml-syntax", "the file holds more than one YAML document",
                           "put each process in a file of its own; remove the '---' line")
        elif isinstance(event, yaml.ScalarEvent):
            self._count(mark, 1)
            node = Scalar(mark.line + 1, mark.column + 1, self._resolve(event), event.value, event.style)
            self._add(node, event.anchor, 1, mark)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._count(mark, 1)
            if len(self.stack) >= MAX_DEPTH:
                self._fail(mark, "too-large", f"nesting deeper than {MAX_DEPTH} levels",
                           "rule files need only a few levels; check for runaway brackets")
            cls = Mapping if isinstance(event, yaml.MappingStartEvent) else Sequence
            self.stack.append([cls(mark.line + 1, mark.column + 1), None, event.anchor, self.nodes])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node, _, anchor, start = self.stack.pop()
            self._add(node, anchor, self.nodes - start + 1, node, counted=True)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                self._fail(mark, "yaml-syntax", f"unknown alias '*{event.anchor}'")
            node, size = self.anchors[event.anchor]
            self._count(mark, size)
            self._add(node, None, size, mark, counted=True)

    def _add(self, node: Node, anchor: str | None, size: int, mark: Any, counted: bool = False) -> None:
        if anchor:
            self.anchors[anchor] = (node, size)
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        parent = frame[0]
        if isinstance(parent, Sequence):
            parent.items.append(node)
        elif frame[1] is None:
            if not isinstance(node, Scalar):
                raise YamlError(make(self.path, node.line, node.col, "invalid-value",
                                     "a mapping key must be a plain name, not a list or a mapping"))
            frame[1] = node
        else:
            key = frame[1]
            frame[1] = None
            name = key.raw
            if name in parent.entries:
                first = parent.entries[name][0]
                raise YamlError(make(self.path, key.line, key.col, "duplicate-key",
                                     f"duplicate key '{name}' (first at line {first.line})",
                                     "remove one of them or give them different names"))
            parent.entries[name] = (key, node)

    def _resolve(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        value = event.value
        if tag.endswith(":str") or tag.endswith(":timestamp") or tag.endswith(":binary"):
            return value
        if tag.endswith(":null"):
            return None
        if tag.endswith(":bool"):
            if value.lower() in _YAML11_BOOL_WORDS and self.stack and (
                    isinstance(self.stack[-1][0], Sequence) or self.stack[-1][1] is not None):
                m = event.start_mark
                self.warnings.append(make(
                    self.path, m.line + 1, m.column + 1, "yaml-boolean",
                    f"'{value}' is read as the boolean {value.lower() in ('yes', 'on', 'y')}",
                    f"write true or false, or quote it ('{value}') to mean the text"))
            return value.lower() in ("true", "yes", "on", "y")
        if tag.endswith(":int"):
            try:
                return yaml.SafeLoader.construct_yaml_int(_CONSTRUCTOR, yaml.ScalarNode(tag, value))
            except ValueError:
                return value
        if tag.endswith(":float"):
            return yaml.SafeLoader.construct_yaml_float(_CONSTRUCTOR, yaml.ScalarNode(tag, value))
        # any explicit tag (!!python/object, !custom, ...) is kept as plain text, never constructed
        return value


_CONSTRUCTOR = yaml.SafeLoader("")


def locate(doc: Document, node: Node, offset: int) -> tuple[int, int]:
    """The 1-based (line, col) in the file of character ``offset`` of a scalar's value.

    Works for plain, quoted and block scalars by matching non-blank characters in order: the
    value's non-blank characters appear in the source in the same order, once escapes
    (``\\"``, ``\\u00e6``, ``''``, a backslash before a line break) are decoded.
    """
    if not isinstance(node, Scalar):
        return node.line, node.col
    target = sum(1 for ch in node.raw[:offset] if not ch.isspace())
    seen = 0
    for ch, line, col in _source_chars(doc.text.splitlines(), node):
        if not ch.isspace():
            if seen == target:
                return line + 1, col + 1
            seen += 1
    return node.line, node.col


_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            "e": "\x1b", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


def _source_chars(lines: list[str], node: Scalar) -> Iterator[tuple[str, int, int]]:
    """(character of the value, 0-based line, 0-based col of its source) from the scalar's start.

    Escapes are decoded, so ``\\"`` yields one '"' at the backslash; the walk stops at the
    closing quote of a quoted scalar (plain and block scalars run on: callers stop first).
    """
    style = node.style
    line, col = node.line - 1, node.col - 1
    if style in ("|", ">"):
        line, col = line + 1, 0
    elif style in ("'", '"'):
        col += 1
    while line < len(lines):
        text = lines[line]
        while col < len(text):
            ch = text[col]
            if style == "'" and ch == "'":
                if text[col + 1:col + 2] != "'":
                    return
                yield "'", line, col
                col += 2
                continue
            if style == '"' and ch == '"':
                return
            if style == '"' and ch == "\\":
                nxt = text[col + 1:col + 2]
                if not nxt:  # an escaped line break: the value goes on at the next line
                    break
                width = _HEX_DIGITS.get(nxt, 0)
                try:
                    decoded = chr(int(text[col + 2:col + 2 + width], 16)) if width else _ESCAPES.get(nxt, nxt)
                except ValueError:
                    decoded = nxt
                yield decoded, line, col
                col += 2 + width
                continue
            yield ch, line, col
            col += 1
        line, col = line + 1, 0
