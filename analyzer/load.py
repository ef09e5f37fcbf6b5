"""Load rule files: read YAML safely, check the structure, parse expressions, build the model.

``load_paths(["rules/"])`` walks folders for ``*.yaml`` / ``*.yml`` files (sorted, so output is
deterministic), reads each one, tells process files from the register catalogue by their top
key (``process`` or ``registers``), validates it against its JSON Schema and builds
:class:`~analyzer.model.Process` objects. It never raises on bad input: every problem becomes a
:class:`~analyzer.diagnostics.Diagnostic`. Semantic checks live in :mod:`analyzer.validate`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import schema
from .diagnostics import Diagnostic, make
from .expr import ExprError, parse
from .model import (
    Case,
    Catalogue,
    Choice,
    Constant,
    Fact,
    Formula,
    Group,
    Item,
    Law,
    LawRef,
    Loc,
    Outcome,
    PriorClass,
    Process,
    Register,
    TestCase,
    Text,
    Volume,
)
from .yamlread import RULE_FILE_HINT, Document, Mapping, Node, Scalar, Sequence, YamlError, locate, read

RULE_SUFFIXES = (".yaml", ".yml")
#: the catalogue file name looked for beside rule files
CATALOGUE_NAME = "registers.yaml"
#: what an empty register catalogue should hold
CATALOGUE_HINT = "a register catalogue is a mapping that starts with 'registers:' (see rules/registers.yaml)"
#: most files a folder walk reads, to keep a stray path (/, $HOME) from running for minutes
MAX_FILES = 2000


@dataclass
class Project:
    """Everything loaded from the paths given on the command line."""

    processes: list[Process] = field(default_factory=list)
    catalogue: Catalogue | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def discover(paths: list[str]) -> tuple[list[str], list[Diagnostic]]:
    """Rule files under ``paths`` (files as given, folders walked), and problems with the paths."""
    files: list[str] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, n) for n in names if n.endswith(RULE_SUFFIXES))
            if not found:
                problems.append(make(path, 0, 0, "unreadable", "the folder holds no .yaml or .yml file"))
            files.extend(sorted(found))
        else:
            files.append(path)
    if len(files) > MAX_FILES:
        problems.append(make(paths[0], 0, 0, "too-large",
                             f"{len(files)} rule files found; the limit is {MAX_FILES}",
                             "point askless at the folder that holds the rules"))
        files = files[:MAX_FILES]
    unique = list(dict.fromkeys(files))
    return unique, problems


def load_paths(paths: list[str], catalogue_path: str | None = None) -> Project:
    """Load every rule file under ``paths`` and the register catalogue that applies to them."""
    project = Project()
    files, problems = discover(paths)
    project.files = files
    project.diagnostics.extend(problems)
    documents: list[Document] = []
    unreadable: set[str] = set()
    for path in files:
        try:
            doc = read(path, hint=CATALOGUE_HINT if os.path.basename(path) == CATALOGUE_NAME else RULE_FILE_HINT)
        except YamlError as exc:
            project.diagnostics.append(exc.diagnostic)
            unreadable.add(os.path.realpath(path))
            continue
        project.diagnostics.extend(doc.warnings)
        if isinstance(doc.root, Mapping) and "registers" in doc.root.entries and "process" not in doc.root.entries:
            catalogue, diags = load_catalogue_document(doc)
            project.diagnostics.extend(diags)
            if catalogue and project.catalogue is None and catalogue_path is None:
                project.catalogue = catalogue
        else:
            documents.append(doc)
    if catalogue_path is not None:
        project.catalogue = _catalogue_from(catalogue_path, project.diagnostics)
    elif project.catalogue is None:
        found = find_catalogue(documents)
        if os.path.realpath(found) not in unreadable:  # its finding is already reported
            project.catalogue = _catalogue_from(found, project.diagnostics)
    first_file: dict[str, str] = {}
    for doc in documents:
        process, diags = load_process_document(doc)
        project.diagnostics.extend(diags)
        if process is None:
            continue
        if process.name in first_file:
            value = doc.root.get("process") if isinstance(doc.root, Mapping) else None
            project.diagnostics.append(make(
                doc.path, value.line if value else 1, value.col if value else 1, "duplicate-name",
                f"process '{process.name}' is also defined in {first_file[process.name]}",
                "give each process its own name; results and graphs are keyed by it"))
            continue
        first_file[process.name] = doc.path
        project.processes.append(process)
    return project


#: how many folders above a rule file askless looks for registers.yaml
CATALOGUE_LEVELS = 3


def find_catalogue(documents: list[Document]) -> str:
    """``registers.yaml`` beside the first rule file or in a folder above it, else the built-in one.

    The search goes up at most CATALOGUE_LEVELS folders and stops at the root of a repository
    (a folder holding ``.git``), so a stray file far above the rules is never picked up.
    """
    for doc in documents[:1]:
        folder = Path(doc.path).resolve().parent
        for candidate in [folder, *folder.parents][:CATALOGUE_LEVELS + 1]:
            path = candidate / CATALOGUE_NAME
            if path.is_file():
                return os.path.relpath(path) if not os.path.isabs(doc.path) else str(path)
            if (candidate / ".git").exists():
                break
    return builtin_catalogue_path()


def builtin_catalogue_path() -> str:
    return str(resources.files("analyzer").joinpath("data", CATALOGUE_NAME))


def _catalogue_from(path: str, diagnostics: list[Diagnostic]) -> Catalogue | None:
    try:
        doc = read(path, hint=CATALOGUE_HINT)
    except YamlError as exc:
        diagnostics.append(exc.diagnostic)
        return None
    catalogue, diags = load_catalogue_document(doc)
    diagnostics.extend(diags)
    return catalogue


def load_catalogue_document(doc: Document) -> tuple[Catalogue | None, list[Diagnostic]]:
    diags = schema.validate(doc, schema.REGISTERS)
    if diags:
        return None, diags
    registers = {}
    table = doc.root.get("registers")
    assert isinstance(table, Mapping)
    for name, (key, node) in table.entries.items():
        data = _plain(node)
        registers[name] = Register(name, data["title"], tuple(data["holds"]), _loc(key),
                                   data.get("authority"), data.get("law"), data.get("source"))
    return Catalogue(doc.path, registers), []


def load_file(path: str) -> tuple[Process | None, list[Diagnostic]]:
    """One process file (without catalogue checks); handy in tests and editors."""
    try:
        doc = read(path)
    except YamlError as exc:
        return None, [exc.diagnostic]
    process, diags = load_process_document(doc)
    return process, list(doc.warnings) + diags


def load_process_document(doc: Document) -> tuple[Process | None, list[Diagnostic]]:
    root = doc.root
    if not isinstance(root, Mapping):
        found = "a list" if isinstance(root, Sequence) else f"the value {root.raw!r}" if isinstance(root, Scalar) else "?"
        return None, [make(doc.path, root.line, root.col, "invalid-value",
                           f"the top level of a rule file must be a mapping, not {found}",
                           "start the file with 'process: <name>' (or 'registers:' for a register catalogue)")]
    diags = schema.validate(doc, schema.PROCESS)
    if diags:
        return None, diags
    return _Builder(doc).build()


def _loc(node: Node | None) -> Loc:
    return Loc(node.line, node.col) if node is not None else Loc(0, 0)


def _plain(node: Node | None) -> Any:
    from .yamlread import to_plain
    return None if node is None else to_plain(node)


def _text(value: Any) -> Text | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Text(value)
    return Text(value["da"], value.get("en"))


class _Builder:
    """Builds a Process from a document that fits the schema."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.diags: list[Diagnostic] = []

    def build(self) -> tuple[Process | None, list[Diagnostic]]:
        root = self.doc.root
        assert isinstance(root, Mapping)
        data = _plain(root)
        law = data.get("law")
        laws = {k: Law(v["id"], v.get("title"), v.get("url")) for k, v in (data.get("laws") or {}).items()}
        volume = data.get("volume")
        process = Process(
            name=data["process"], title=_text(data["title"]), path=self.doc.path, doc=self.doc,
            authority=data.get("authority"),
            law=Law(law["id"], law.get("title"), law.get("url")) if law else None,
            laws=laws,
            volume=Volume(volume["applications_per_year"], volume.get("source"), volume.get("assumption"))
            if volume else None,
            constants=self._constants(root.get("constants")),
            facts=self._facts(root.get("facts"), None),
            groups=self._groups(root.get("groups")),
            outcomes=self._outcomes(root.get("outcomes")),
            tests=self._tests(root.get("tests")),
        )
        return process, self.diags

    # -- pieces -------------------------------------------------------------------------------

    def formula(self, node: Node | None) -> Formula | None:
        if node is None:
            return None
        assert isinstance(node, Scalar)
        text = str(node.value)
        try:
            tree = parse(text)
        except ExprError as exc:
            line, col = locate(self.doc, node, exc.start)
            self.diags.append(make(self.doc.path, line, col, exc.code, exc.message, exc.hint))
            tree = None
        return Formula(text, tree, node)

    def lawref(self, node: Node | None) -> LawRef | None:
        if node is None:
            return None
        value = _plain(node)
        if isinstance(value, str):
            return LawRef(value, None, _loc(node))
        return LawRef(value["ref"], value["law"], _loc(node))

    def _constants(self, node: Node | None) -> dict[str, Constant]:
        found = {}
        if isinstance(node, Mapping):
            for name, (key, value) in node.entries.items():
                data = _plain(value)
                found[name] = Constant(name, data["value"], _loc(key), data.get("unit"), data.get("valid_from"),
                                       data.get("valid_to"), self.lawref(value.get("law")), data.get("source"))
        return found

    def _facts(self, node: Node | None, group: str | None) -> dict[str, Fact]:
        found = {}
        if isinstance(node, Mapping):
            for name, (key, value) in node.entries.items():
                found[name] = self._fact(name, key, value, group)
        return found

    def _fact(self, name: str, key: Scalar, node: Node, group: str | None) -> Fact:
        assert isinstance(node, Mapping)
        data = _plain(node)
        derive = self.formula(node.get("derive"))
        if derive is not None:
            kind = "derived"
        elif data.get("register"):
            kind = "register"
        else:
            kind = "question"
        choices = self._choices(data.get("choices"))
        type_ = data.get("type") or ("choice" if choices else "bool" if "p_true" in data else "")
        prior = tuple(PriorClass(p.get("upto"), float(p["p"])) for p in data.get("prior") or ())
        distribution = []
        for value, p in (data.get("distribution") or {}).items():
            try:
                distribution.append((int(value), float(p)))
            except ValueError:
                entry = node.get("distribution")
                assert isinstance(entry, Mapping)
                bad = entry.key_node(value)
                self.diags.append(make(self.doc.path, bad.line, bad.col, "invalid-value",
                                       f"distribution of fact '{name}' has the key '{value}'; "
                                       "expected a whole number of members", "for example {0: 0.5, 1: 0.3, 2: 0.2}"))
        key_locs = {k: _loc(k_node) for k, (k_node, _) in node.entries.items()}
        return Fact(
            name=name, kind=kind, type=type_, loc=_loc(key), ask=_text(data.get("ask")), help=_text(data.get("help")),
            register=data.get("register"), register_field=data.get("register_field"), derive=derive,
            applies_if=self.formula(node.get("applies_if")), default=data.get("default"),
            law=self.lawref(node.get("law")), choices=choices, p_true=data.get("p_true"), prior=prior,
            distribution=tuple(sorted(distribution)), min=data.get("min"), max=data.get("max"), unit=data.get("unit"),
            group=group, source=data.get("source"), assumption=data.get("assumption"), key_locs=key_locs,
        )

    @staticmethod
    def _choices(data: Any) -> tuple[Choice, ...]:
        if not data:
            return ()
        if isinstance(data, list):
            return tuple(Choice(str(v)) for v in data)
        return tuple(Choice(str(v), _text((d or {}).get("label")), (d or {}).get("p")) for v, d in data.items())

    def _groups(self, node: Node | None) -> dict[str, Group]:
        found = {}
        if isinstance(node, Mapping):
            for name, (key, value) in node.entries.items():
                assert isinstance(value, Mapping)
                data = _plain(value)
                found[name] = Group(name, data["count"], self._facts(value.get("facts"), name), _loc(key),
                                    _text(data.get("title")), _loc(value.get("count")))
        return found

    def _outcomes(self, node: Node | None) -> dict[str, Outcome]:
        found = {}
        if not isinstance(node, Mapping):
            return found
        for name, (key, value) in node.entries.items():
            assert isinstance(value, Mapping)
            data = _plain(value)
            kind = next(k for k in ("when", "value", "cases", "items") if k in data)
            cases: list[Case] = []
            cases_node = value.get("cases")
            if isinstance(cases_node, Sequence):
                for case_node in cases_node.items:
                    assert isinstance(case_node, Mapping)
                    c = _plain(case_node)
                    cases.append(Case(
                        _loc(case_node), when=self.formula(case_node.get("when")),
                        then=c.get("then", c.get("else")),
                        value=self.formula(case_node.get("value") or case_node.get("else_value")),
                        law=self.lawref(case_node.get("law"))))
            items: list[Item] = []
            items_node = value.get("items")
            if isinstance(items_node, Mapping):
                for item, (item_key, item_node) in items_node.entries.items():
                    assert isinstance(item_node, Mapping)
                    items.append(Item(item, self.formula(item_node.get("when")), _loc(item_key),
                                      _text(_plain(item_node.get("title"))), self.lawref(item_node.get("law"))))
            found[name] = Outcome(
                name=name, kind=kind, loc=_loc(key), title=_text(data.get("title")), law=self.lawref(value.get("law")),
                when=self.formula(value.get("when")), value=self.formula(value.get("value")), cases=tuple(cases),
                items=tuple(items), applies_if=self.formula(value.get("applies_if")), unit=data.get("unit"))
        return found

    def _tests(self, node: Node | None) -> tuple[TestCase, ...]:
        found = []
        if isinstance(node, Sequence):
            for test_node in node.items:
                assert isinstance(test_node, Mapping)
                data = _plain(test_node)
                found.append(TestCase(data["name"], data["given"], data["expect"], _loc(test_node), test_node,
                                      data.get("mode"), data.get("source")))
        return tuple(found)
