"""The rows of the finite model: every combination of answer classes of a component, decided by
the exact interpreter; and the row a concrete case falls in.

:func:`enumerate_component` fills a :class:`~analyzer.finite.Component`'s rows, probabilities,
keys (the outcome values, an amount at every probe value) and needs (the opaque numbers the
outcomes read). :func:`locate` finds the row of a case from a population file or a flow's
answers; :func:`class_of` the class of one answer.
"""

from __future__ import annotations

import itertools
import math
import random
import zlib
from typing import TYPE_CHECKING, Any

from .classes import PROBES, draw_in, probe
from .evaluate import EvalError, Evaluation, as_date
from .evaluate import value as value_of
from .expr import Binary
from .finite import ATOM_SAMPLES, MAX_EVALUATIONS, MAX_ROWS, NA, Component, Model, TooLarge, Variable
from .model import Fact, Process

if TYPE_CHECKING:
    from .finite import _Builder


def enumerate_component(b: _Builder, c: Component) -> None:
    """Evaluate every combination of classes (and atom values) of the component.

    Opaque numbers are evaluated at PROBES probe values; a row's key holds the outcomes at every
    probe, so rows count as deciding alike only if their amounts agree at all probes. The atom
    values of a combination of classes, and their probabilities, come from ATOM_SAMPLES draws
    of its opaque numbers inside their classes (values no draw produced are left out).
    Variables that do not apply in a row are set to NA; rows that then coincide are merged,
    adding their probabilities.
    """
    domains = [range(len(b.vars[v].classes)) for v in c.variables]
    size = math.prod(len(d) for d in domains)
    if size > MAX_ROWS:
        raise TooLarge(f"a component of {len(c.variables)} questions has {size} combinations of answer classes "
                       f"(limit {MAX_ROWS})")
    position = {v: i for i, v in enumerate(c.variables)}
    atom_position = {a: i for i, a in enumerate(c.atoms)}
    probes = PROBES if any(b.vars[v].opaque for v in c.variables) else 1
    # the atoms' values depend only on the classes of their inputs: draw once per such projection
    atom_inputs = sorted({position[v] for a in c.atoms for v in b.atoms[a].inputs if v in position})
    projections = math.prod(len(domains[i]) for i in atom_inputs) if c.atoms else 0
    work = size * probes * (2 if c.atoms else 1) + projections * ATOM_SAMPLES
    if work > MAX_EVALUATIONS:
        raise TooLarge(f"a component of {len(c.variables)} questions needs about {work} evaluations "
                       f"(limit {MAX_EVALUATIONS})")
    distributions: dict[tuple, dict[tuple, float]] = {}
    merged: dict[tuple, list] = {}
    evaluated = 0
    for combo in itertools.product(*domains):
        class_p = math.prod(b.vars[v].classes[k].p for v, k in zip(c.variables, combo))
        if class_p <= 0:
            continue
        projection = tuple(combo[i] for i in atom_inputs)
        if projection not in distributions:
            distributions[projection] = _atom_distribution(b, c, combo, position)
        for atoms, atom_p in sorted(distributions[projection].items()):
            evaluated += 1
            if evaluated > MAX_ROWS:
                raise TooLarge(f"a component of {len(c.variables)} questions has more than {MAX_ROWS} "
                               "combinations of answer classes and atom values")
            values, reads = [], set()
            for j in range(probes):
                ev = _RowEvaluation.start(b, c, combo, atoms, position, atom_position, j)
                try:
                    values.append(tuple(_freeze(ev.get(o)) for o in c.outcomes))
                except (EvalError, TypeError, ArithmeticError, ValueError) as exc:
                    # the outcomes cannot be computed on this row: keep it, marked (Model.errors)
                    values.append(tuple(f"error: {exc}" for _ in c.outcomes))
                reads |= ev.reads
                if j == 0:
                    ev.tracking = False
                    coords = [k if _applies(ev, b.vars[v]) else NA for v, k in zip(c.variables, combo)]
            needs = frozenset(position[v] for v in reads if v in position)
            # atoms keep their value even where not consulted: an observer who knows their inputs
            # sees it, so rows stay a product over atoms (no wildcard merging)
            row = tuple(coords) + tuple(atoms)
            entry = merged.setdefault(row, [0.0, (tuple(values), needs)])
            entry[0] += class_p * atom_p
    total = sum(entry[0] for entry in merged.values()) or 1.0
    key_ids: dict[tuple, int] = {}
    for row, (weight, key) in merged.items():
        c.rows.append(row)
        c.p.append(weight / total)
        if key not in key_ids:
            key_ids[key] = len(c.key_values)
            c.key_values.append(key)
        c.keys.append(key_ids[key])
        c.needs.append(key[1])


def _atom_distribution(b: _Builder, c: Component, combo: tuple, position: dict) -> dict[tuple, float]:
    """The atom values of one combination of classes and their probabilities: atoms that share
    no opaque input are independent (their inputs are drawn independently), so each group of
    atoms linked by shared inputs gets ATOM_SAMPLES draws of its own (seeded by the combination
    and the group), and the joint distribution is the product of the groups'. Sampled jointly,
    a combination as rare as three independent one-in-three atoms is missed by 64 draws about
    one time in eleven, and with it every case where they all hold."""
    if not c.atoms:
        return {(): 1.0}
    groups: list[tuple[list[int], set[int]]] = []  # (positions in c.atoms, opaque inputs)
    for i, a in enumerate(c.atoms):
        inputs = {v for v in b.atoms[a].inputs if b.vars[v].opaque}
        linked = [g for g in groups if g[1] & inputs]
        merged_positions = [i] + [k for g in linked for k in g[0]]
        merged_inputs = inputs.union(*(g[1] for g in linked))
        groups = [g for g in groups if g not in linked] + [(sorted(merged_positions), merged_inputs)]
    groups.sort(key=lambda g: g[0])
    joint: dict[tuple, float] = {(): 1.0}
    positions: list[int] = []
    for number, (members, _) in enumerate(groups):
        seed = (tuple(b.vars[v].id for v in c.variables), combo) if number == 0 else \
            (tuple(b.vars[v].id for v in c.variables), combo, number)
        rng = random.Random(zlib.crc32(repr(seed).encode("utf-8")))
        counts: dict[tuple, int] = {}
        for _ in range(ATOM_SAMPLES):
            def value(v: int, k: int, rng: random.Random = rng) -> Any:
                var = b.vars[v]
                return draw_in(var.classes[k], var.fact, rng) if var.opaque else var.classes[k].rep
            ev = Evaluation(b.p, _case(b, c, combo, position, value))
            seen = tuple(_atom_value(b, b.atoms[c.atoms[k]], ev) for k in members)
            counts[seen] = counts.get(seen, 0) + 1
        joint = {before + mine: p * n / ATOM_SAMPLES for before, p in joint.items() for mine, n in counts.items()}
        positions += members
    # back in the order of c.atoms
    order = [positions.index(k) for k in range(len(c.atoms))]
    return {tuple(values[i] for i in order): p for values, p in joint.items()}


def _atom_value(b: _Builder, atom: Any, ev: Evaluation) -> int:
    """1 when the atom holds on the evaluation's case, else 0 (also where it cannot be computed)."""
    env: Any = ev
    try:
        if atom.copy is not None:
            members = ev.members(atom.group)
            if atom.copy > len(members):
                return 0
            env = members[atom.copy - 1]
        return 1 if value_of(atom.node, env) is True else 0
    except (EvalError, TypeError, ArithmeticError, ValueError):
        return 0


def _case(b: _Builder, c: Component, combo: tuple, position: dict, value) -> dict[str, Any]:
    """The case of one combination of classes: ``value(v, k)`` gives variable v's value."""
    case: dict[str, Any] = {}
    for v, k in zip(c.variables, combo):
        var = b.vars[v]
        if var.group is None:
            case[var.fact.name] = value(v, k)
    for group in b.p.groups.values():
        count_index = b.var_index.get(group.count)
        if count_index is None or count_index not in position:
            continue
        n = b.vars[count_index].classes[combo[position[count_index]]].rep
        members = []
        for i in range(1, int(n) + 1):
            member = {}
            for fname in group.facts:
                vi = b.var_index.get(f"{group.name}[{i}].{fname}")
                if vi is not None and vi in position:
                    member[fname] = value(vi, combo[position[vi]])
            members.append(member)
        case[group.name] = members
    return case


def _freeze(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _applies(ev: _RowEvaluation, var: Variable) -> bool:
    if var.group is not None:
        count = ev.root.get(ev.b.p.groups[var.group].count)
        if count is None or var.index > count:
            return False
        member = ev.root.members(var.group)[var.index - 1]
        formula = var.fact.applies_if
        return formula is None or member.formula(formula) is True
    formula = var.fact.applies_if
    try:
        return formula is None or ev.root.formula(formula) is True
    except (EvalError, TypeError, ArithmeticError):
        return True


class _RowEvaluation(Evaluation):
    """The exact interpreter on one row: class representatives as values, atoms from the row,
    and a record of the opaque variables read (outside atoms)."""

    b: _Builder
    reads: set[int]

    @classmethod
    def start(cls, b: _Builder, c: Component, combo: tuple, atoms: tuple, position: dict, atom_position: dict,
              j: int = 0):
        def value(v: int, k: int) -> Any:
            var = b.vars[v]
            return probe(var.classes[k], var.fact, var.id, j) if var.opaque else var.classes[k].rep

        case = _case(b, c, combo, position, value)
        ev = cls(b.p, case)
        ev._setup(b, {a: atoms[i] for a, i in atom_position.items()}, set(), None, ev)
        return ev

    def _setup(self, b, atom_values, reads, copy, root) -> None:
        self.b, self.atom_values, self.reads, self.copy, self.root = b, atom_values, reads, copy, root
        self.tracking = True

    def members(self, group: str) -> list[Evaluation]:
        if self.parent is not None:
            return self.parent.members(group)
        cache = self.__dict__.setdefault("_members", {})
        if group not in cache:
            rows = self.case.get(group, [])
            made = []
            for i, row in enumerate(rows, 1):
                m = _RowEvaluation(self.process, row, group, self, trace=self.trace, branches=self.branches)
                m._setup(self.b, self.atom_values, self.reads, i, self.root)
                made.append(m)
            cache[group] = made
        return cache[group]

    def atom(self, node: Binary) -> Any:
        index = self.b.atom_index.get((node, self.copy))
        if index is None or index not in self.atom_values:
            return None
        return bool(self.atom_values[index])

    def _fact(self, fact: Fact) -> Any:
        result = super()._fact(fact)
        # an input that does not apply gives its default: its own value is never needed
        applies = fact.applies_if is None or self.formula(fact.applies_if) is True
        if fact.is_input and self.root.tracking and applies:
            var_id = f"{self.group}[{self.copy}].{fact.name}" if self.group else fact.name
            index = self.b.var_index.get(var_id)
            if index is not None and self.b.vars[index].opaque:
                self.reads.add(index)
        return result


def locate(model: Model, component: Component, case: dict[str, Any]) -> int | None:
    """The row of ``component`` that a concrete case falls in, or None when none does (a value
    outside every class the priors allow, or an input the case does not give)."""
    ev = Evaluation(model.process, case)
    coords: list[int] = []
    try:
        for v in component.variables:
            var = model.variables[v]
            if not _applies_to_case(ev, model.process, var):
                coords.append(NA)
                continue
            if var.group is None:
                value = case.get(var.fact.name)
            else:
                members = case.get(var.group, [])
                value = members[var.index - 1].get(var.fact.name) if var.index <= len(members) else None
            k = class_of(var, as_date(value))
            if k is None:
                return None
            coords.append(k)
        atoms = []
        for a in component.atoms:
            atom = model.atoms[a]
            env: Any = ev
            if atom.copy is not None:
                members = ev.members(atom.group)
                if atom.copy > len(members):
                    atoms.append(0)  # the member does not exist: the atom is never consulted
                    continue
                env = members[atom.copy - 1]
            atoms.append(1 if value_of(atom.node, env) is True else 0)
    except (EvalError, TypeError, ArithmeticError, ValueError):
        return None
    return component.index().get(tuple(coords) + tuple(atoms))


def _applies_to_case(ev: Evaluation, process: Process, var: Variable) -> bool:
    if var.group is not None:
        count = ev.get(process.groups[var.group].count)
        if count is None or var.index > count:
            return False
        formula = var.fact.applies_if
        return formula is None or ev.members(var.group)[var.index - 1].formula(formula) is True
    return var.fact.applies_if is None or ev.formula(var.fact.applies_if) is True


def class_of(var: Variable, value: Any) -> int | None:
    """The index of the class an answer falls in (None: outside every class the priors allow)."""
    if value is None:
        return None
    for k, c in enumerate(var.classes):
        if c.p <= 0:
            continue
        if c.point:
            if c.rep == value and type(c.rep) is type(value) or (not isinstance(value, bool) and c.rep == value
                                                                 and not isinstance(c.rep, bool)):
                return k
            continue
        if var.fact.type == "text":
            if c.rep == value or (c.rep == "\x00other" and value not in {x.rep for x in var.classes}):
                return k
            continue
        if (c.lo is None or value >= c.lo) and (c.hi is None or value < c.hi):
            return k
    return None
