"""Who refers to whom: the references between facts, constants, groups and outcomes.

Every expression in a process is walked once; each name is resolved in its scope (a group's
member facts see their siblings first, then the process; inside ``sum(g, ...)`` and friends the
members of ``g`` are visible). Ids are qualified: ``alder`` for a process-level definition,
``medlem.indkomst`` for a member fact of group ``medlem``. Both the validator (cycles, unused
facts) and the dependency graph are built from :func:`references`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .expr import Call, Expr, Name, children
from .model import Formula, Process
from .typecheck import GROUP_FUNCTIONS


@dataclass(frozen=True)
class Ref:
    #: qualified id of the definition whose expression holds the reference
    source: str
    #: "derive", "applies_if", "when", "value", "case", "item"
    role: str
    #: qualified id of what is referred to, or None when the name is undefined
    target: str | None
    #: the name as written
    name: str
    formula: Formula
    node: Name


def formulas(process: Process) -> Iterator[tuple[str, str, str | None, Formula]]:
    """(owner id, role, group scope, formula) for every expression in the process, in file order."""
    for fact in process.facts.values():
        for role, formula in (("derive", fact.derive), ("applies_if", fact.applies_if)):
            if formula is not None:
                yield fact.name, role, None, formula
    for group in process.groups.values():
        for fact in group.facts.values():
            for role, formula in (("derive", fact.derive), ("applies_if", fact.applies_if)):
                if formula is not None:
                    yield f"{group.name}.{fact.name}", role, group.name, formula
    for outcome in process.outcomes.values():
        for role, formula in (("applies_if", outcome.applies_if), ("when", outcome.when), ("value", outcome.value)):
            if formula is not None:
                yield outcome.name, role, None, formula
        for case in outcome.cases:
            for formula in (case.when, case.value):
                if formula is not None:
                    yield outcome.name, "case", None, formula
        for item in outcome.items:
            yield outcome.name, "item", None, item.when


def resolve(process: Process, name: str, group: str | None) -> str | None:
    """The qualified id that ``name`` means inside ``group`` (None: process level), or None."""
    if group is not None and name in process.groups[group].facts:
        return f"{group}.{name}"
    if name in process.facts or name in process.constants or name in process.outcomes or name in process.groups:
        return name
    return None


def references(process: Process) -> list[Ref]:
    found: list[Ref] = []
    for owner, role, group, formula in formulas(process):
        if formula.tree is None:
            continue
        for node, scope in _names(formula.tree, group, process):
            found.append(Ref(owner, role, resolve(process, node.name, scope), node.name, formula, node))
    return found


def _names(tree: Expr, group: str | None, process: Process) -> Iterator[tuple[Name, str | None]]:
    stack: list[tuple[Expr, str | None]] = [(tree, group)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, Name):
            yield node, scope
            continue
        if isinstance(node, Call) and node.func in GROUP_FUNCTIONS and node.args:
            first = node.args[0]
            inner = first.name if isinstance(first, Name) and first.name in process.groups else scope
            stack.append((first, scope))
            stack.extend((arg, inner) for arg in node.args[1:])
            continue
        stack.extend((child, scope) for child in children(node))


def fact_by_id(process: Process, fact_id: str):
    """The Fact for a qualified id, or None."""
    if "." in fact_id:
        group, name = fact_id.split(".", 1)
        return process.groups[group].facts.get(name) if group in process.groups else None
    return process.facts.get(fact_id)
