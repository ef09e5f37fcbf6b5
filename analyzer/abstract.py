"""The finite model: answer classes of input facts, and exact satisfiability by enumeration.

A number compared only with constants c1 < ... < ck falls into k+1 answer classes (below c1,
at c1, between c1 and c2, ...); one representative value per class and per boundary is enough
to decide every condition exactly. :func:`satisfiable` uses this to tell whether a condition can
ever hold. It answers ``None`` (unknown) rather than guess when the condition's cone has
arithmetic across facts, repeated groups, dates, or more combinations than ``budget``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from .deps import references, resolve
from .evaluate import EvalError, Evaluation, as_date
from .expr import Binary, Expr, ListOf, Literal, Name, Unary, children
from .model import Fact, Formula, Process

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")


def dependency_index(process: Process) -> dict[str, list[str | None]]:
    """owner id -> the ids its expressions name (None for an undefined name); build once, reuse."""
    by_owner: dict[str, list[str | None]] = {}
    for ref in references(process):
        by_owner.setdefault(ref.source, []).append(ref.target)
    return by_owner


def cone(process: Process, formula: Formula, group: str | None = None,
         index: dict[str, list[str | None]] | None = None) -> set[str] | None:
    """Qualified ids of every definition ``formula`` depends on, transitively; None if it has errors.

    Pass ``index`` (from :func:`dependency_index`) when asking for many cones of one process.
    """
    by_owner = dependency_index(process) if index is None else index
    seen: set[str] = set()
    todo = [t for t in _direct(process, formula, group)]
    while todo:
        target = todo.pop()
        if target is None:
            return None
        if target in seen:
            continue
        seen.add(target)
        todo.extend(by_owner.get(target, []))
    return seen


def _direct(process: Process, formula: Formula, group: str | None) -> list[str | None]:
    if formula.tree is None:
        return [None]
    found = []
    stack: list[Expr] = [formula.tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            found.append(resolve(process, node.name, group))
        stack.extend(children(node))
    return found


def domains(process: Process, ids: set[str], extra: tuple[Expr, ...] = ()) -> dict[str, list[Any]] | None:
    """Representative values of each input fact in ``ids``; None when the finite model is not exact.

    The cut points come from the expressions of the definitions in ``ids`` and from ``extra`` (the
    expression being decided, whose owner is not in its own cone)."""
    if any("." in i or i in process.groups for i in ids):
        return None
    inputs = [process.facts[i] for i in sorted(ids) if i in process.facts and process.facts[i].is_input]
    owners = {i for i in ids if i in process.facts or i in process.outcomes}
    trees = [f.tree for owner, _, _, f in _formulas_of(process, owners) if f.tree is not None] + list(extra)
    result: dict[str, list[Any]] = {}
    for fact in inputs:
        values = _representatives(process, fact, trees)
        if values is None:
            return None
        result[fact.name] = values
    return result


def _formulas_of(process: Process, owners: set[str]):
    from .deps import formulas
    for item in formulas(process):
        if item[0] in owners:
            yield item


def _representatives(process: Process, fact: Fact, trees: list[Expr]) -> list[Any] | None:
    if fact.type == "bool":
        return [True, False]
    if fact.type == "choice":
        return [c.value for c in fact.choices]
    if fact.type not in ("int", "number", "money", "text"):
        return None
    cuts: set[Any] = set()
    total = direct = 0
    for tree in trees:
        stack = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, Name) and node.name == fact.name:
                total += 1
            if isinstance(node, Binary) and node.op in COMPARISONS:
                for mine, other in ((node.left, node.right), (node.right, node.left)):
                    if isinstance(mine, Name) and mine.name == fact.name:
                        constants = _constant_values(process, other)
                        if constants is not None:
                            direct += 1
                            cuts.update(constants)
            stack.extend(children(node))
    if total != direct:
        return None  # the fact takes part in arithmetic or compares with another fact
    if fact.type == "text":
        return sorted({str(c) for c in cuts}) + ["\x00other"]
    if any(not isinstance(c, (int, float)) or isinstance(c, bool) for c in cuts):
        return None
    low = fact.min if isinstance(fact.min, (int, float)) else None
    high = fact.max if isinstance(fact.max, (int, float)) else None
    # the cuts and bounds inside the domain split it into points and open gaps; a value that
    # meets no cut point lies in one gap, so each point and one value per gap cover every class
    points = sorted({p for p in cuts | {low, high} - {None}
                     if (low is None or p >= low) and (high is None or p <= high)})
    if not points:
        return [low if low is not None else high if high is not None else 0]
    if fact.type == "int":
        values = {p for p in points if float(p).is_integer()}
        values.update(math.floor(a) + 1 for a, b in zip(points, points[1:]) if math.floor(a) + 1 < b)
        below, above = math.ceil(points[0]) - 1, math.floor(points[-1]) + 1
    else:
        values = set(points)
        values.update((a + b) / 2 for a, b in zip(points, points[1:]))
        below, above = points[0] - 1, points[-1] + 1
    if low is None:
        values.add(below)
    if high is None:
        values.add(above)
    return sorted(int(v) if fact.type == "int" else v for v in values)


def _constant_values(process: Process, node: Expr) -> list[Any] | None:
    if isinstance(node, Literal):
        return [node.value]
    if isinstance(node, Unary) and node.op == "-":  # a negative number is unary minus of a literal
        inner = _constant_values(process, node.operand)
        if inner is None or any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in inner):
            return None
        return [-v for v in inner]
    if isinstance(node, Name) and node.name in process.constants:
        return [as_date(process.constants[node.name].value)]
    if isinstance(node, ListOf):
        found = []
        for item in node.items:
            one = _constant_values(process, item)
            if one is None:
                return None
            found.extend(one)
        return found
    return None


def satisfiable(process: Process, formula: Formula, group: str | None = None, budget: int = 1 << 12,
                index: dict[str, list[str | None]] | None = None, spent: list[int] | None = None) -> bool | None:
    """Whether some case makes ``formula`` true: exact True/False, or None when not decidable here
    (including when it would take more than ``budget`` evaluations). ``spent[0]`` is increased
    by the evaluations made, so a caller can bound the work of many calls."""
    ids = cone(process, formula, group, index)
    if ids is None or group is not None:
        return None
    space = domains(process, ids, (formula.tree,) if formula.tree is not None else ())
    if space is None:
        return None
    names = sorted(space)
    size = math.prod(len(space[n]) for n in names)
    if size > budget:
        return None
    for combo in itertools.product(*(space[n] for n in names)):
        if spent is not None:
            spent[0] += 1
        case = dict(zip(names, combo))
        try:
            if Evaluation(process, case).formula(formula) is True:
                return True
        except (EvalError, TypeError, ArithmeticError):
            return None
    return False
