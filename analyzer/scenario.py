"""What-if scenarios: a named list of changes to one process's rules, applied purely.

A scenario file (docs/scenarios.md; JSON Schema ``schema/scenario.schema.json``) names a process
and lists changes, applied in order:

=================  ============================================================================
``set_constant``   give a constant another value (same kind of value: number, date, text, bool)
``prefill``        mark a question as register-supplied (prefilled when the citizen is logged in)
``drop_condition`` remove one conjunct of an ``and`` chain (or disjunct of an ``or``) from the
                   expressions of an outcome or a fact, matched by its parsed form, not spacing;
                   a condition that is a whole ``applies_if`` removes it, a whole ``when``
                   becomes ``true``
``drop_case``      remove one ``cases`` branch of an outcome (an exception), matched by its ``when``,
                   or one item of a set outcome, by its name
``replace``        a new ``derive`` / ``applies_if`` of a fact (an input fact becomes derived), or
                   a new ``when`` / ``value`` / ``applies_if`` of an outcome
``merge``          ``drop`` becomes derived as ``keep``: its readers read ``keep``; it is no
                   longer asked
``drop_fact``      remove an input fact that nothing reads any more
=================  ============================================================================

Contract:

- :func:`load` reads a scenario file with the project's safe YAML reader, checks it against the
  schema and returns a :class:`Scenario`, or raises :class:`ScenarioError` whose diagnostics say
  ``file:line:col`` (unknown names get a did-you-mean once the scenario is applied).
- :func:`apply` is pure: ``apply(process, changes, catalogue)`` returns a new
  :class:`~analyzer.model.Process` that passes :func:`analyzer.validate.validate` without errors
  (names, types of every replaced expression, cycles), or raises :class:`ScenarioError`. The
  changed process carries no tests: the rule file's tests describe the rules as they are.
- :func:`dump` renders a :class:`Scenario` as YAML text, deterministically, that :func:`load`
  reads back to an equal scenario (so ``askless suggest`` can write scenario files).
- Changes can be built in code (``Prefill("indkomst", "eIndkomst")``); their ``where`` is then
  None and diagnostics point at the scenario as a whole.

>>> s = Scenario("demo", Text("Demo"), "p", (SetConstant("graense", 100),))
>>> print(dump(s), end="")
scenario: demo
title:
  da: Demo
process: p
changes:
- set_constant:
    constant: graense
    value: 100
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import schema
from .deps import fact_by_id, references
from .diagnostics import Diagnostic, did_you_mean, make
from .expr import Binary, Expr, ExprError, parse
from .exprmatch import chains, shape, splice
from .model import Catalogue, Fact, Formula, Outcome, Process, Text
from .yamlread import Document, Mapping, Node, Scalar, Sequence, YamlError, locate, read, to_plain

SCHEMA = "scenario.schema.json"
#: most changes one scenario may list (also in the schema), to bound validation work
MAX_CHANGES = 200


class ScenarioError(Exception):
    """A scenario that cannot be read or applied; :attr:`diagnostics` say where and why."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = tuple(sorted(diagnostics))
        super().__init__("\n".join(d.render() for d in self.diagnostics))


@dataclass(frozen=True)
class Where:
    """Where a change was written: its file, and the YAML node of each of its keys."""

    path: str
    doc: Document = field(compare=False, repr=False)
    #: the change's mapping (``{kind: {...}}``) as read
    node: Node = field(compare=False, repr=False)

    def key(self, key: str | None = None) -> Node:
        """The value node of ``key`` in the change's body (the body itself when absent)."""
        assert isinstance(self.node, Mapping)
        body = next(iter(self.node.entries.values()))[1]
        if key is not None and isinstance(body, Mapping) and body.get(key) is not None:
            return body.get(key)  # type: ignore[return-value]
        return body


# -- the changes (one small frozen dataclass each) ------------------------------------------------

@dataclass(frozen=True)
class SetConstant:
    #: the constant's name
    constant: str
    #: its new value: a number, an ISO date, text or true/false, as the old value is
    value: Any
    #: where the change was written (not part of its identity)
    where: Where | None = dataclasses.field(default=None, compare=False)
    KIND = "set_constant"


@dataclass(frozen=True)
class Prefill:
    #: qualified id of a question ("alder", "voksne.indkomst")
    fact: str
    #: a register of the catalogue (rules/registers.yaml)
    register: str
    #: what in the register holds it (documentation only)
    field: str | None = None
    #: where the change was written (not part of its identity)
    where: Where | None = dataclasses.field(default=None, compare=False)
    KIND = "prefill"


@dataclass(frozen=True)
class DropCondition:
    #: the condition to remove, as an expression (matched by its parsed form)
    condition: str
    #: exactly one of outcome / fact names where to look
    outcome: str | None = None
    fact: str | None = None
    #: where the change was written (not part of its identity)
    where: Where | None = dataclasses.field(default=None, compare=False)
    KIND = "drop_condition"


@dataclass(frozen=True)
class DropCase:
    outcome: str
    #: the ``when`` of the case to remove (a ``cases`` outcome) ...
    when: str | None = None
    #: ... or the name of the item to remove (an ``items`` outcome)
    item: str | None = None
    #: where the change was written (not part of its identity)
    where: Where | None = dataclasses.field(default=None, compare=False)
    KIND = "drop_case"


@dataclass(frozen=True)
class Replace:
    #: "derive" or "applies_if" of a fact; "when", "value" or "applies_if" of an outcome
    role: str
    #: the new expression
    expression: str
    #: exactly one of outcome / fact
    outcome: str | None = None
    fact: str | None = None
    #: where the change was written (not part of its identity)
    where: Where | None = dataclasses.field(default=None, compare=False)
    KIND = "replace"


@dataclass(frozen=True)
class Merge:
    #: the fact that stays (may be derived)
    keep: str
    #: the input fact that becomes ``derive: keep``
    drop: str
    #: where the change was written (not part of its identity)
    where: Where | None = dataclasses.field(default=None, compare=False)
    KIND = "merge"


@dataclass(frozen=True)
class DropFact:
    fact: str
    #: where the change was written (not part of its identity)
    where: Where | None = dataclasses.field(default=None, compare=False)
    KIND = "drop_fact"


Change = SetConstant | Prefill | DropCondition | DropCase | Replace | Merge | DropFact
#: every change kind, by its key in a scenario file
KINDS: dict[str, type] = {c.KIND: c for c in (SetConstant, Prefill, DropCondition, DropCase, Replace, Merge, DropFact)}


@dataclass(frozen=True)
class Scenario:
    """A named list of changes to one process."""

    #: identifier (``husleje-fra-bbr``)
    name: str
    title: Text
    #: the process the changes apply to
    process: str
    changes: tuple[Change, ...]
    rationale: str | None = None
    #: the file it was read from (None when built in code)
    path: str | None = None


# -- reading and writing ---------------------------------------------------------------------------

def load(path: str) -> Scenario:
    """Read and structure-check a scenario file (names are checked by :func:`apply`)."""
    try:
        doc = read(path, hint="a scenario file is a mapping that starts with 'scenario: <name>' (see "
                   "examples/scenarios/)")
    except YamlError as exc:
        raise ScenarioError([exc.diagnostic]) from None
    root = doc.root
    if not isinstance(root, Mapping):
        raise ScenarioError([make(path, root.line, root.col, "invalid-value",
                                  "the top level of a scenario file must be a mapping",
                                  "start the file with 'scenario: <name>'")])
    crowded = _crowded(doc)
    diags = [d for d in schema.validate(doc, SCHEMA) if (d.line, d.col) not in {(c.line, c.col) for c in crowded}]
    if diags or crowded:
        raise ScenarioError(diags + crowded)
    data = to_plain(root)
    title = data["title"]
    changes: list[Change] = []
    seq = root.get("changes")
    assert isinstance(seq, Sequence)
    for node in seq.items:
        assert isinstance(node, Mapping)
        kind, body = next(iter(to_plain(node).items()))
        changes.append(_change(kind, body, Where(path, doc, node)))
    return Scenario(data["scenario"], Text(title) if isinstance(title, str) else Text(title["da"], title.get("en")),
                    data["process"], tuple(changes), data.get("rationale"), path)


def _crowded(doc: Document) -> list[Diagnostic]:
    """An entry of ``changes`` holding several changes (a missing '- '): said plainly, since the
    schema would only say 'too many properties'."""
    found = []
    seq = doc.root.get("changes") if isinstance(doc.root, Mapping) else None
    for i, node in enumerate(seq.items if isinstance(seq, Sequence) else ()):
        if isinstance(node, Mapping) and len(node.entries) > 1:
            found.append(make(doc.path, node.line, node.col, "invalid-value",
                              f"entry {i + 1} of 'changes' holds {len(node.entries)} changes ("
                              + ", ".join(node.entries) + "); each entry is one change",
                              "start each change with '- ' on a line of its own"))
    return found


def _change(kind: str, body: dict, where: Where) -> Change:
    if kind == "replace":
        roles = [k for k in body if k not in ("fact", "outcome")]
        role = roles[0] if roles else ""
        return Replace(role, str(body.get(role, "")), body.get("outcome"), body.get("fact"), where)
    if kind == "prefill":
        return Prefill(body["fact"], body["register"], body.get("field"), where)
    return KINDS[kind](**body, where=where)


def _body(change: Change) -> dict:
    """The change as written in a scenario file (keys in a fixed order)."""
    if isinstance(change, Replace):
        body = {"fact": change.fact} if change.fact is not None else {"outcome": change.outcome}
        body[change.role] = change.expression
        return body
    body = {f.name: getattr(change, f.name) for f in dataclasses.fields(change)
            if f.name != "where" and getattr(change, f.name) is not None}
    return {k: body[k] for k in sorted(body, key=_KEY_ORDER.index)}


#: the order of keys in a dumped change: what it names first, then what it does
_KEY_ORDER = ["constant", "fact", "outcome", "keep", "drop", "register", "field", "condition", "when", "item", "value"]


def dump(scenario: Scenario) -> str:
    """The scenario as YAML text for a scenario file; the same scenario gives the same bytes."""
    data: dict[str, Any] = {"scenario": scenario.name,
                            "title": {"da": scenario.title.da} | ({"en": scenario.title.en} if scenario.title.en else {}),
                            "process": scenario.process}
    if scenario.rationale:
        data["rationale"] = scenario.rationale
    data["changes"] = [{c.KIND: _body(c)} for c in scenario.changes]
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


class _Dumper(yaml.SafeDumper):
    """Writes text that YAML would fold or drop (NEL, line and paragraph separators, control
    characters) double-quoted, where it is escaped, so that :func:`load` reads back the same text."""


def _text_node(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    odd = any(ch in "\x85\u2028\u2029\ufeff" or (not ch.isprintable() and ch not in "\n") for ch in text)
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"' if odd else None)


_Dumper.add_representer(str, _text_node)


# -- applying ------------------------------------------------------------------------------------

NOWHERE = "<scenario>"


def apply(process: Process, changes: tuple[Change, ...] | list[Change],
          catalogue: Catalogue | None = None) -> Process:
    """A new process with ``changes`` applied in order (the input is not touched).

    ``process`` must be valid. The result passes :func:`analyzer.validate.validate` with no error
    (``catalogue`` is used for register names); otherwise :class:`ScenarioError` says which
    change breaks what, at the change's line and column.
    """
    from .validate import validate  # validate imports load, which is heavier; keep import light

    if len(changes) > MAX_CHANGES:
        raise ScenarioError([make(NOWHERE, 0, 0, "too-large", f"{len(changes)} changes; the limit is {MAX_CHANGES}")])
    current = dataclasses.replace(process, tests=())
    created: list[tuple[Formula, Change, str]] = []
    for change in changes:
        current = _apply_one(current, change, catalogue, created)
    errors = [d for d in validate(current, catalogue) if d.severity == "error"]
    if errors:
        raise ScenarioError(_attribute(process, list(changes), catalogue, current, errors, created))
    return current


def _apply_one(p: Process, change: Change, catalogue: Catalogue | None,
               created: list[tuple[Formula, Change, str]]) -> Process:
    handler = _HANDLERS[type(change)]
    return handler(p, change, catalogue, created)


# -- locating problems in the scenario file --------------------------------------------------------

def _at(change: Change, code: str, message: str, hint: str = "", key: str | None = None,
        offset: int | None = None) -> Diagnostic:
    where = change.where
    if where is None:
        return make(NOWHERE, 0, 0, code, f"{change.KIND}: {message}", hint)
    node = where.key(key)
    line, col = (locate(where.doc, node, offset) if offset is not None and isinstance(node, Scalar)
                 else (node.line, node.col))
    return make(where.path, line, col, code, message, hint)


def _fail(change: Change, code: str, message: str, hint: str = "", key: str | None = None,
          offset: int | None = None) -> ScenarioError:
    return ScenarioError([_at(change, code, message, hint, key, offset)])


def _fact(p: Process, change: Change, fact_id: str, key: str) -> Fact:
    fact = fact_by_id(p, fact_id)
    if fact is None:
        known = [f.key for f in p.all_facts()]
        hint = did_you_mean(fact_id, known) or "facts: " + ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        raise _fail(change, "unknown-reference", f"process '{p.name}' has no fact '{fact_id}'", hint, key)
    return fact


def _outcome(p: Process, change: Change, name: str, key: str = "outcome") -> Outcome:
    if name not in p.outcomes:
        hint = did_you_mean(name, p.outcomes) or "outcomes: " + ", ".join(p.outcomes)
        raise _fail(change, "unknown-reference", f"process '{p.name}' has no outcome '{name}'", hint, key)
    return p.outcomes[name]


def _parse(change: Change, text: str, key: str) -> Formula:
    try:
        tree = parse(text)
    except ExprError as exc:
        raise _fail(change, exc.code, exc.message, exc.hint, key, exc.start) from None
    node = change.where.key(key) if change.where is not None else Scalar(0, 0, text, text)
    return Formula(text, tree, node)


# -- rebuilding the frozen model ----------------------------------------------------------------------

def _with_fact(p: Process, fact: Fact) -> Process:
    if fact.group is not None:
        group = p.groups[fact.group]
        group = dataclasses.replace(group, facts={**group.facts, fact.name: fact})
        return dataclasses.replace(p, groups={**p.groups, group.name: group})
    return dataclasses.replace(p, facts={**p.facts, fact.name: fact})


def _without_fact(p: Process, fact: Fact) -> Process:
    if fact.group is not None:
        group = p.groups[fact.group]
        group = dataclasses.replace(group, facts={k: v for k, v in group.facts.items() if k != fact.name})
        return dataclasses.replace(p, groups={**p.groups, group.name: group})
    return dataclasses.replace(p, facts={k: v for k, v in p.facts.items() if k != fact.name})


def _with_outcome(p: Process, outcome: Outcome) -> Process:
    return dataclasses.replace(p, outcomes={**p.outcomes, outcome.name: outcome})


#: keys an input fact has that a derived fact must not (validate flags them)
_INPUT_KEYS = ("ask", "help", "register", "register_field", "p_true", "prior", "distribution")


def _derived(fact: Fact, formula: Formula, *, unconditional: bool) -> Fact:
    """``fact`` as a derived fact computing ``formula`` (an input fact loses its question)."""
    dropped = set(_INPUT_KEYS) | ({"applies_if", "default"} if unconditional else set())
    changes: dict[str, Any] = dict(kind="derived", derive=formula, ask=None, help=None, register=None,
                                   register_field=None, p_true=None, prior=(), distribution=(),
                                   key_locs={k: v for k, v in fact.key_locs.items() if k not in dropped})
    if unconditional:
        changes.update(applies_if=None, default=None)
    return dataclasses.replace(fact, **changes)


@dataclass(frozen=True)
class _Slot:
    """One expression of a fact or an outcome, and how to put a new one in its place."""

    label: str
    role: str
    formula: Formula
    put: Callable[[Process, Formula | None], Process]


def _fact_slots(fact: Fact) -> list[_Slot]:
    found = []
    for role in ("applies_if", "derive"):
        formula = getattr(fact, role)
        if formula is not None:
            found.append(_Slot(f"{role} of fact '{fact.key}'", role, formula,
                               lambda p, f, role=role: _with_fact(p, _set(fact, role, f))))
    return found


def _set(fact: Fact, role: str, formula: Formula | None) -> Fact:
    if role == "applies_if" and formula is None:  # a fact that always applies has no use for a default
        keys = {k: v for k, v in fact.key_locs.items() if k not in ("applies_if", "default")}
        return dataclasses.replace(fact, applies_if=None, default=None, key_locs=keys)
    return dataclasses.replace(fact, **{role: formula})


def _outcome_slots(o: Outcome) -> list[_Slot]:
    found = []
    for role in ("applies_if", "when", "value"):
        formula = getattr(o, role)
        if formula is not None:
            found.append(_Slot(f"{role} of outcome '{o.name}'", role, formula,
                               lambda p, f, role=role: _with_outcome(p, dataclasses.replace(o, **{role: f}))))
    for i, case in enumerate(o.cases):
        for role in ("when", "value"):
            formula = getattr(case, role)
            if formula is None:
                continue

            def put(p: Process, f: Formula | None, i: int = i, role: str = role) -> Process:
                cases = list(o.cases)
                cases[i] = dataclasses.replace(cases[i], **{role: f})
                return _with_outcome(p, dataclasses.replace(o, cases=tuple(cases)))
            found.append(_Slot(f"case {i + 1} {role} of outcome '{o.name}'", role, formula, put))
    for i, item in enumerate(o.items):
        def put_item(p: Process, f: Formula | None, i: int = i) -> Process:
            items = list(o.items)
            items[i] = dataclasses.replace(items[i], when=f)
            return _with_outcome(p, dataclasses.replace(o, items=tuple(items)))
        found.append(_Slot(f"when of item '{item.name}' of outcome '{o.name}'", "when", item.when, put_item))
    return found


def _candidates(slots: list[_Slot]) -> list[str]:
    found: list[str] = []
    for slot in slots:
        if slot.formula.tree is None:
            continue
        found.append(slot.formula.text.strip())
        for _, operands in chains(slot.formula.tree):
            found += [slot.formula.text[o.start:o.end] for o in operands]
    return list(dict.fromkeys(found))


def _no_match(change: Change, what: str, wanted: str, options: list[str], key: str) -> ScenarioError:
    hint = did_you_mean(wanted, options) or ("candidates: " + "; ".join(f"'{o}'" for o in options[:8])
                                             + (" ..." if len(options) > 8 else "") if options else "")
    return _fail(change, "unknown-reference", f"{what} has no condition '{wanted}'", hint, key)


# -- one function per change kind -------------------------------------------------------------------

def _set_constant(p: Process, c: SetConstant, catalogue: Catalogue | None, created: list) -> Process:
    if c.constant not in p.constants:
        hint = did_you_mean(c.constant, p.constants) or "constants: " + ", ".join(p.constants)
        raise _fail(c, "unknown-reference", f"process '{p.name}' has no constant '{c.constant}'", hint, "constant")
    old = p.constants[c.constant]
    if _value_kind(c.value) != _value_kind(old.value):
        raise _fail(c, "invalid-value", f"constant '{c.constant}' is {_value_kind(old.value)} ({old.value!r}); "
                    f"the new value {c.value!r} is {_value_kind(c.value)}", f"for example value: {old.value!r}", "value")
    if isinstance(c.value, float) and not math.isfinite(c.value):
        raise _fail(c, "invalid-value", f"constant '{c.constant}' must be a finite number, not {c.value!r}",
                    f"for example value: {old.value!r}", "value")
    if _value_kind(c.value) == "a date":
        try:
            dt.date.fromisoformat(c.value)
        except ValueError:
            raise _fail(c, "invalid-value", f"constant '{c.constant}': {c.value!r} is not a date of the calendar",
                        "write a date as YYYY-MM-DD, for example 2027-02-28", "value") from None
    return dataclasses.replace(p, constants={**p.constants, c.constant: dataclasses.replace(old, value=c.value)})


def _value_kind(v: Any) -> str:
    import re
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", v):
        return "a date"
    return "text"


def _prefill(p: Process, c: Prefill, catalogue: Catalogue | None, created: list) -> Process:
    fact = _fact(p, c, c.fact, "fact")
    if fact.kind != "question":
        already = f"already prefilled from {fact.register}" if fact.kind == "register" else "derived, never asked"
        raise _fail(c, "invalid-value", f"fact '{fact.key}' is {already}",
                    "prefill applies to questions", "fact")
    if catalogue is not None and c.register not in catalogue.registers:
        known = sorted(catalogue.registers)
        raise _fail(c, "unknown-register", f"unknown register '{c.register}'",
                    did_you_mean(c.register, known) or "known registers: " + ", ".join(known), "register")
    return _with_fact(p, dataclasses.replace(fact, kind="register", register=c.register, register_field=c.field))


def _target_slots(p: Process, c: DropCondition | Replace) -> tuple[str, list[_Slot]]:
    if (c.outcome is None) == (c.fact is None):
        raise _fail(c, "invalid-value", "name exactly one of 'outcome' or 'fact'",
                    f"for example {c.KIND}: {{outcome: berettiget, ...}}")
    if c.fact is not None:
        fact = _fact(p, c, c.fact, "fact")
        return f"fact '{fact.key}'", _fact_slots(fact)
    return f"outcome '{c.outcome}'", _outcome_slots(_outcome(p, c, c.outcome))


def _drop_condition(p: Process, c: DropCondition, catalogue: Catalogue | None, created: list) -> Process:
    what, slots = _target_slots(p, c)
    wanted = shape(_parse(c, c.condition, "condition").tree)
    matches: list[tuple[_Slot, Binary | None, list[Expr], int]] = []
    for slot in slots:
        tree = slot.formula.tree
        if tree is None:
            continue
        if shape(tree) == wanted and slot.role != "value":
            matches.append((slot, None, [], 0))
            continue
        for chain, operands in chains(tree):
            matches += [(slot, chain, operands, i) for i, o in enumerate(operands) if shape(o) == wanted]
    if not matches:
        raise _no_match(c, what, c.condition, _candidates(slots), "condition")
    if len(matches) > 1:
        where_found = [f"'{m[0].formula.text[m[1].start:m[1].end]}'" if m[1] is not None else m[0].label
                       for m in matches]
        raise _fail(c, "unknown-reference", f"the condition '{c.condition}' occurs {len(matches)} times in {what}: "
                    "in " + " and in ".join(where_found),
                    "drop a larger condition that holds just one of them, or replace the whole expression",
                    "condition")
    slot, chain, operands, i = matches[0]
    if chain is None:
        if slot.role == "applies_if":
            return slot.put(p, None)
        text = "true"
    else:
        text = splice(slot.formula.text, chain, operands, i)
    return slot.put(p, Formula(text, parse(text), slot.formula.node))


def _drop_case(p: Process, c: DropCase, catalogue: Catalogue | None, created: list) -> Process:
    o = _outcome(p, c, c.outcome)
    if (c.when is None) == (c.item is None):
        raise _fail(c, "invalid-value", "name exactly one of 'when' (a case) or 'item' (an item of a set)",
                    "for example drop_case: {outcome: ordning, when: pensionist}")
    if c.item is not None:
        names = [i.name for i in o.items]
        if o.kind != "items" or c.item not in names:
            raise _fail(c, "unknown-reference", f"outcome '{o.name}' has no item '{c.item}'",
                        did_you_mean(c.item, names) or ("items: " + ", ".join(names) if names else
                                                        f"'{o.name}' is a '{o.kind}' outcome"), "item")
        return _with_outcome(p, dataclasses.replace(o, items=tuple(i for i in o.items if i.name != c.item)))
    if o.kind != "cases":
        raise _fail(c, "invalid-value", f"outcome '{o.name}' has no cases (it is a '{o.kind}' outcome)",
                    "use drop_condition to remove part of its condition", "outcome")
    wanted = shape(_parse(c, c.when, "when").tree)
    hits = [i for i, case in enumerate(o.cases) if case.when is not None and case.when.tree is not None
            and shape(case.when.tree) == wanted]
    if len(hits) != 1:
        options = [case.when.text for case in o.cases if case.when is not None]
        if hits:
            raise _fail(c, "unknown-reference", f"{len(hits)} cases of outcome '{o.name}' have when '{c.when}'",
                        "", "when")
        raise _no_match(c, f"outcome '{o.name}'", c.when, options, "when")
    return _with_outcome(p, dataclasses.replace(o, cases=tuple(x for i, x in enumerate(o.cases) if i != hits[0])))


_ROLES = {"fact": ("derive", "applies_if"), "outcome": ("when", "value", "applies_if")}


def _replace(p: Process, c: Replace, catalogue: Catalogue | None, created: list) -> Process:
    _target_slots(p, c)  # checks the target exists
    target = "fact" if c.fact is not None else "outcome"
    if c.role not in _ROLES[target]:
        raise _fail(c, "invalid-value", f"a {target} has no '{c.role}' to replace",
                    f"replace one of: {', '.join(_ROLES[target])}")
    formula = _parse(c, c.expression, c.role)
    created.append((formula, c, c.role))
    if c.fact is not None:
        fact = fact_by_id(p, c.fact)
        assert fact is not None
        if c.role == "derive":
            return _with_fact(p, _derived(fact, formula, unconditional=False))
        return _with_fact(p, dataclasses.replace(fact, applies_if=formula))
    o = p.outcomes[c.outcome]
    if c.role != "applies_if" and o.kind != c.role:
        raise _fail(c, "invalid-value",
                    f"outcome '{o.name}' is a '{o.kind}' outcome; its '{c.role}' cannot be replaced",
                    "replace the outcome's own kind of expression, or its applies_if", "outcome")
    return _with_outcome(p, dataclasses.replace(o, **{c.role: formula}))


def _merge(p: Process, c: Merge, catalogue: Catalogue | None, created: list) -> Process:
    keep = _fact(p, c, c.keep, "keep")
    drop = _fact(p, c, c.drop, "drop")
    if keep.key == drop.key:
        raise _fail(c, "invalid-value", f"'keep' and 'drop' are both '{keep.key}'", "", "drop")
    if not drop.is_input:
        raise _fail(c, "invalid-value", f"fact '{drop.key}' is derived, so it is never asked",
                    "use replace: {fact: ..., derive: ...} to change its definition", "drop")
    if keep.group is not None and keep.group != drop.group:
        raise _fail(c, "invalid-value", f"'{drop.key}' cannot read member fact '{keep.key}'",
                    "merge facts of the same group, or a member fact into a process-level one", "keep")
    text = keep.name
    formula = _parse(c, text, "keep") if c.where is not None else Formula(text, parse(text), Scalar(0, 0, text, text))
    created.append((formula, c, "keep"))
    return _with_fact(p, _derived(drop, formula, unconditional=True))


def _drop_fact(p: Process, c: DropFact, catalogue: Catalogue | None, created: list) -> Process:
    fact = _fact(p, c, c.fact, "fact")
    if not fact.is_input:
        raise _fail(c, "invalid-value", f"fact '{fact.key}' is derived, not a question",
                    "drop_fact removes questions and register facts", "fact")
    readers = sorted({r.source for r in references(p) if r.target == fact.key})
    readers += sorted(g.name for g in p.groups.values() if g.count == fact.key)
    if readers:
        raise _fail(c, "invalid-value", f"fact '{fact.key}' is still read by " + ", ".join(readers),
                    "drop or replace the conditions that read it first (changes apply in order)", "fact")
    return _without_fact(p, fact)


_HANDLERS: dict[type, Callable[..., Process]] = {
    SetConstant: _set_constant, Prefill: _prefill, DropCondition: _drop_condition, DropCase: _drop_case,
    Replace: _replace, Merge: _merge, DropFact: _drop_fact,
}


def _attribute(original: Process, changes: list[Change], catalogue: Catalogue | None, changed: Process,
               errors: list[Diagnostic], created: list[tuple[Formula, Change, str]]) -> list[Diagnostic]:
    """Point each validation error of the changed rules at the change that causes it: an unknown
    name in a new expression at its exact place, anything else at the first change after which
    it appears (found by validating the prefixes of the change list)."""
    from .validate import validate

    found: list[Diagnostic] = []
    names_of = {id(f): (f, c, key) for f, c, key in created}
    for ref in references(changed):
        if ref.target is None and id(ref.formula) in names_of:
            _, c, key = names_of[id(ref.formula)]
            known = [f.key for f in changed.all_facts()] + list(changed.constants) + list(changed.outcomes)
            found.append(_at(c, "unknown-reference", f"unknown name '{ref.name}'",
                             did_you_mean(ref.name, known), key, ref.node.start))
    if found:
        return found
    remaining = {(d.code, d.message): d for d in errors}
    current = dataclasses.replace(original, tests=())
    for change in changes:
        if not remaining:
            break
        current = _apply_one(current, change, catalogue, [])
        now = {(d.code, d.message) for d in validate(current, catalogue) if d.severity == "error"}
        for key in sorted(now & set(remaining)):
            d = remaining.pop(key)
            found.append(_at(change, d.code, f"after this change the rules fail validation: {d.message}", d.hint))
    return found


def process_mismatch(scenario: Scenario, process: str) -> Diagnostic:
    """The diagnostic for a scenario written for another process than the rule file given."""
    line, col = 0, 0
    if scenario.changes and scenario.changes[0].where is not None:
        root = scenario.changes[0].where.doc.root
        if isinstance(root, Mapping) and root.get("process") is not None:
            node = root.get("process")
            line, col = node.line, node.col
    return make(scenario.path or NOWHERE, line, col, "invalid-value",
                f"the scenario is for process '{scenario.process}', but the rule file holds '{process}'",
                f"write process: {process}, or give the rule file of '{scenario.process}'")
