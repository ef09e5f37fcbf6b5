"""The finite model: a process as a finite table of cases over answer classes.

Every input fact becomes one or more **variables** (a group's member facts one per member copy,
``voksne[2].indkomst``). Each variable has a few **answer classes**: a number compared only with
constants c1 < ... < ck splits at those constants, so one representative per class decides every
condition exactly. An int with a declared ``distribution`` (or a small range) and a group's count
get one class per value, so arithmetic on them stays exact.

Where a number takes part in arithmetic (an amount, ``husleje * 0.6``) it is **opaque**: its
exact value is needed whenever the active branch of an outcome reads it (the design's rule:
an amount makes every input of its formula on the active branch relevant). A comparison that
reads an opaque number (``areal > tilladt_areal``) is an **atom**: a yes/no value of its own,
revealed once all its inputs are known. Which atom values a combination of classes can take, and
how likely each is, is estimated from ATOM_SAMPLES draws of its opaque numbers inside their
classes: figures of a model with atoms are estimates, not exact.

Rows: every combination of classes (and atom values) of one **component** (variables and
outcomes that share no variable with the rest), evaluated by the exact interpreter. A row has a
probability (the product of its class priors), a **key** (the outcome values) and **needs**
(opaque variables whose exact value its outcomes read).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .classes import AnswerClass, answer_classes
from .evaluate import as_date
from .expr import Binary, Call, Expr, ListOf, Literal, Name, Unary, children
from .model import Fact, Process, outcome_formulas
from .typecheck import GROUP_FUNCTIONS

#: class index of a variable that does not apply in a row (its member does not exist, or its
#: applies_if does not hold)
NA = -1
#: most rows one component may have; beyond it the component is reported as too large
MAX_ROWS = 250_000
#: draws per combination of classes that estimate the probabilities of its atom values
ATOM_SAMPLES = 64
#: most interpreter runs the enumeration of one component may take (bounds its time; beyond it
#: the figures are estimated by simulation, analyzer.montecarlo)
MAX_EVALUATIONS = 60_000

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
#: functions whose value over an amount is piecewise (probes may miss where the pieces meet)
PIECEWISE = ("min", "max", "abs", "round", "floor", "ceil")
_REVERSED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!=", "in": "in", "not in": "not in"}


class TooLarge(Exception):
    """A component has more rows than MAX_ROWS."""


@dataclass(frozen=True)
class Variable:
    #: "alder", or "voksne[2].indkomst" for member 2 of group voksne
    id: str
    fact: Fact
    classes: tuple[AnswerClass, ...]
    #: whether the exact value is needed where arithmetic reads it (see module docstring)
    opaque: bool
    #: member copy index (1-based) and group, for member facts
    group: str | None = None
    index: int | None = None
    #: the group this variable counts, if any
    counts: str | None = None
    #: how the class probabilities were obtained: "declared" or "assumed uniform"
    prior: str = "declared"
    #: indices of the variables its applies_if reads (through derived facts and group functions)
    applies_inputs: frozenset[int] = frozenset()

    @property
    def register(self) -> bool:
        return self.fact.kind == "register"


@dataclass(frozen=True)
class Atom:
    #: the comparison node and the member copy it is evaluated for (None at process level)
    node: Binary
    copy: int | None
    text: str
    #: indices of the variables it reads
    inputs: frozenset[int]
    #: the group whose member copy ``copy`` it is evaluated for
    group: str | None = None


@dataclass
class Component:
    """Variables and outcomes that share no variable with the rest of the process."""

    variables: list[int]
    outcomes: list[str]
    atoms: list[int] = field(default_factory=list)
    #: per row: a class index (or NA) per variable of the component, then a value per atom
    rows: list[tuple[int, ...]] = field(default_factory=list)
    p: list[float] = field(default_factory=list)
    #: per row: index into ``key_values``
    keys: list[int] = field(default_factory=list)
    key_values: list[tuple] = field(default_factory=list)
    #: per row: positions (in ``variables``) whose exact value the outcomes read
    needs: list[frozenset[int]] = field(default_factory=list)

    def index(self) -> dict[tuple[int, ...], int]:
        """Row -> its index (built once)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {row: i for i, row in enumerate(self.rows)}
            self.__dict__["_index"] = cached
        return cached


@dataclass
class Model:
    process: Process
    variables: list[Variable]
    atoms: list[Atom]
    components: list[Component]
    #: variables that no outcome depends on (dead: never asked by an adaptive flow)
    unused: list[int]
    #: calls of min, max, abs or a rounding over an amount (amounts compared at probes only)
    piecewise: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """True when no atom abstracts a comparison over amounts and no amount takes min, max,
        abs or a rounding of a number (whose probes could agree by chance): every figure on the
        model is then exact."""
        return not self.atoms and not self.piecewise

    @property
    def opaque(self) -> list[str]:
        """The facts whose exact values outcomes need (member facts once), in file order."""
        used = {v for c in self.components for v in c.variables}
        found: list[str] = []
        for i, var in enumerate(self.variables):
            key = var.fact.key
            if var.opaque and i in used and key not in found:
                found.append(key)
        return found

    @property
    def errors(self) -> list[tuple[str, str, int]]:
        """(outcome, error, rows) for outcomes that cannot be computed on some rows."""
        found: dict[tuple[str, str], int] = {}
        for c in self.components:
            for (values, _), count in zip(c.key_values, _key_counts(c)):
                for outcome, value in zip(c.outcomes, values[0] if values else ()):
                    if isinstance(value, str) and value.startswith("error: "):
                        found[(outcome, value[7:])] = found.get((outcome, value[7:]), 0) + count
        return [(o, e, n) for (o, e), n in sorted(found.items())]


# -- building ---------------------------------------------------------------------------------

def build(process: Process) -> Model:
    """The finite model of ``process`` (raises TooLarge when a component exceeds MAX_ROWS)."""
    return _Builder(process).build()


def variables(process: Process) -> list[Variable]:
    """The variables of ``process`` with their classes, without enumerating any rows."""
    builder = _Builder(process)
    builder.build_variables()
    return builder.vars


class Cones:
    """What each outcome reads: the variables of its cone, and those it needs the exact value of.

    A variable an outcome compares only with constants (``alder >= 65``) is decided for that
    outcome by its answer class; the outcome needs the exact value only where its formulas (through
    derived facts and applies_if) use the variable otherwise: in arithmetic, compared with another
    fact, or passed to a function. A variable whose classes are single values is always decided
    by its class. Built without enumerating any rows.
    """

    def __init__(self, process: Process):
        self._builder = _Builder(process)
        self._builder.build_variables()
        self._builder._discover_atoms()
        self.variables: list[Variable] = self._builder.vars
        self._exact_memo: dict[tuple, frozenset[int]] = {}

    def of(self, name: str) -> frozenset[int]:
        """The variables ``name`` (an outcome, or a fact at process level) reads, with every
        input of an atom it reads."""
        cone = set(self._builder._name_cone(name, None, None, 0))
        for atom in self._builder.atoms:
            if atom.inputs & cone:
                cone |= atom.inputs
        return frozenset(cone)

    def exact(self, name: str) -> frozenset[int]:
        """The variables whose exact value (not only its class) ``name`` (an outcome, or a fact
        at process level) may read."""
        return frozenset(v for v in self._name_exact(name, None, None, 0)
                         if not all(c.point for c in self.variables[v].classes))

    def decisive(self, outcome: str) -> frozenset[int]:
        """The variables whose exact value (not only its class, or whether it is known) can change
        which parts of ``outcome``'s three-valued evaluation (analyzer.kleene) are decided, and so
        its support: :meth:`exact` less the inputs read only to compute the outcome's value (a
        ``value`` formula's arithmetic, ``min``, ``max``, ...). Such a value is UNKNOWN exactly
        while one of those inputs is; which numbers they hold does not change what is read."""
        o = self._builder.p.outcomes[outcome]
        values = [o.value, *(case.value for case in o.cases)]
        found: set[int] = set()
        for formula in outcome_formulas(o):
            if formula.tree is None:
                continue
            if any(formula is v for v in values):
                found |= self._value_exact(formula.tree, None, None, 1)
            else:
                found |= self._exact_in(formula.tree, None, None, 1)
        return frozenset(v for v in found if not all(c.point for c in self.variables[v].classes))

    def _value_exact(self, node: Expr, group: str | None, copy: int | None, depth: int) -> set[int]:
        """:meth:`_exact_in` of an expression whose result is only a value (of an outcome): its
        arithmetic, ``min`` / ``max`` / ``abs`` / ``round`` / ``floor`` / ``ceil`` and the values
        of derived facts are UNKNOWN exactly while an input is; a divisor (zero is an error),
        round's digits, a date (arithmetic can leave the calendar), a comparison, a condition or
        any other function is read as :meth:`_exact_in` reads it."""
        found: set[int] = set()
        stack: list[tuple[Expr, str | None, int | None]] = [(node, group, copy)]
        while stack:
            current, scope, index = stack.pop()
            if isinstance(current, Literal):
                continue
            if isinstance(current, Name):
                found |= self._name_value_exact(current.name, scope, index, depth)
            elif isinstance(current, Binary) and current.op in ("+", "-", "*", "/"):
                stack.append((current.left, scope, index))
                if current.op == "/":
                    found |= self._exact_in(current.right, scope, index, depth)
                else:
                    stack.append((current.right, scope, index))
            elif isinstance(current, Unary) and current.op == "-":
                stack.append((current.operand, scope, index))
            elif isinstance(current, Call) and current.func in PIECEWISE:
                # round's digits are not a value: a huge one is an error
                stack.extend((arg, scope, index) for arg in current.args[:1 if current.func == "round" else None])
                for arg in current.args[1:] if current.func == "round" else ():
                    found |= self._exact_in(arg, scope, index, depth)
            else:
                found |= self._exact_in(current, scope, index, depth)
        return found

    def _name_value_exact(self, name: str, group: str | None, copy: int | None, depth: int) -> frozenset[int]:
        key = ("value", name, group, copy)
        if key in self._exact_memo:
            return self._exact_memo[key]
        b = self._builder
        var, formulas, scope = b._resolve(name, group, copy)
        if (not formulas and name in b.p.groups) or name in b.p.outcomes or depth >= 200:
            return self._name_exact(name, group, copy, depth)
        self._exact_memo[key] = frozenset()  # a cycle (reported by check) stops here
        found: set[int] = set()
        if var is not None and self.variables[var].fact.type == "date":
            found.add(var)  # date arithmetic can leave the calendar (an error): its value counts
        derive, applies_if = formulas if formulas else (None, None)
        if derive is not None and derive.tree is not None:
            found |= self._value_exact(derive.tree, scope[0], scope[1], depth + 1)
        if applies_if is not None and applies_if.tree is not None:
            found |= self._exact_in(applies_if.tree, scope[0], scope[1], depth + 1)
        result = frozenset(found)
        self._exact_memo[key] = result
        return result

    def _name_exact(self, name: str, group: str | None, copy: int | None, depth: int) -> frozenset[int]:
        key = (name, group, copy)
        if key in self._exact_memo:
            return self._exact_memo[key]
        self._exact_memo[key] = frozenset()  # a cycle (reported by check) stops here
        b = self._builder
        found: set[int] = set()
        var, formulas, scope = b._resolve(name, group, copy)
        if not formulas and name in b.p.groups:
            var = b.var_index.get(b.p.groups[name].count)  # count(g), any(g, ...): the count is read
        if var is not None:
            found.add(var)  # read by name outside a comparison with a constant
        for formula in formulas:
            if formula is not None and formula.tree is not None and depth < 200:
                found |= self._exact_in(formula.tree, scope[0], scope[1], depth + 1)
        result = frozenset(found)
        self._exact_memo[key] = result
        return result

    def _exact_in(self, node: Expr, group: str | None, copy: int | None, depth: int) -> set[int]:
        b = self._builder
        found: set[int] = set()
        stack: list[tuple[Expr, str | None, int | None]] = [(node, group, copy)]
        while stack:
            current, scope, index = stack.pop()
            if isinstance(current, Binary):
                direct = b._direct(current, scope)
                if direct is not None:
                    # 'fact OP constant': the class decides it; only the fact's applies_if is read
                    mine = current.left if isinstance(current.left, Name) and b._fact_key(
                        current.left.name, scope) == direct[0] else current.right
                    assert isinstance(mine, Name)
                    found |= self._name_exact(mine.name, scope, index, depth) - {b._resolve(mine.name, scope, index)[0]}
                    continue
            if isinstance(current, Name):
                found |= self._name_exact(current.name, scope, index, depth)
                continue
            if isinstance(current, Call) and current.func in GROUP_FUNCTIONS and current.args:
                first = current.args[0]
                if isinstance(first, Name) and first.name in b.p.groups:
                    found |= self._name_exact(first.name, None, None, depth)
                    for i in range(1, b._max_members(first.name) + 1):
                        stack.extend((arg, first.name, i) for arg in current.args[1:])
                    continue
            stack.extend((child, scope, index) for child in children(current))
        return found


class _Builder:
    def __init__(self, process: Process):
        self.p = process
        self.vars: list[Variable] = []
        self.var_index: dict[str, int] = {}
        self.atoms: list[Atom] = []
        self.atom_index: dict[tuple, int] = {}
        self.cuts: dict[str, list[tuple[str, Any]]] = {}
        self.indirect: set[str] = set()
        self.cone_memo: dict[tuple, frozenset[int]] = {}

    # --- scanning the expressions -----------------------------------------------------------

    def _formulas(self):
        """(formula, group scope) for every expression in the process."""
        p = self.p
        for fact in p.facts.values():
            for f in (fact.derive, fact.applies_if):
                if f is not None:
                    yield f, None
        for group in p.groups.values():
            for fact in group.facts.values():
                for f in (fact.derive, fact.applies_if):
                    if f is not None:
                        yield f, group.name
        for o in p.outcomes.values():
            for f in outcome_formulas(o):
                yield f, None

    def _fact_key(self, name: str, group: str | None) -> str | None:
        """'name' or 'group.name' for an input fact, else None."""
        p = self.p
        if group is not None and name in p.groups[group].facts:
            return f"{group}.{name}" if p.groups[group].facts[name].is_input else None
        fact = p.facts.get(name)
        return name if fact is not None and fact.is_input else None

    def _constant(self, node: Expr) -> list[Any] | None:
        if isinstance(node, Literal) and node.value is not None and not isinstance(node.value, bool):
            return [node.value]
        if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Literal) \
                and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
            return [-node.operand.value]
        if isinstance(node, Name) and node.name in self.p.constants:
            return [as_date(self.p.constants[node.name].value)]
        if isinstance(node, Call) and node.func == "date" and len(node.args) == 1 \
                and isinstance(node.args[0], Literal):
            return [as_date(node.args[0].value)]
        if isinstance(node, ListOf):
            found: list[Any] = []
            for item in node.items:
                one = self._constant(item)
                if one is None:
                    return None
                found.extend(one)
            return found
        return None

    def _direct(self, node: Binary, group: str | None) -> tuple[str, str, list[Any]] | None:
        """(fact key, operator as seen from the fact, constants) for 'fact OP constant'."""
        if node.op not in COMPARISONS:
            return None
        for mine, other, op in ((node.left, node.right, node.op), (node.right, node.left, _REVERSED[node.op])):
            if isinstance(mine, Name) and not (op in ("in", "not in") and mine is node.right):
                key = self._fact_key(mine.name, group)
                values = self._constant(other)
                if key is not None and values is not None:
                    return key, op, values
        return None

    def scan(self) -> None:
        """Collect cut points of each input fact, and which facts occur outside direct comparisons."""
        for formula, group in self._formulas():
            if formula.tree is None:
                continue
            stack: list[tuple[Expr, str | None, bool]] = [(formula.tree, group, False)]
            while stack:
                node, scope, covered = stack.pop()
                if isinstance(node, Binary):
                    direct = self._direct(node, scope)
                    if direct is not None:
                        key, op, values = direct
                        self.cuts.setdefault(key, []).extend((op, v) for v in values)
                        other = node.right if isinstance(node.left, Name) and self._fact_key(
                            node.left.name, scope) == key else node.left
                        stack.append((other, scope, False))
                        continue
                if isinstance(node, Name):
                    key = self._fact_key(node.name, scope)
                    if key is not None:
                        self.indirect.add(key)
                    continue
                if isinstance(node, Call) and node.func in GROUP_FUNCTIONS and node.args:
                    first = node.args[0]
                    inner = first.name if isinstance(first, Name) and first.name in self.p.groups else scope
                    stack.extend((arg, inner, False) for arg in node.args[1:])
                    continue
                stack.extend((child, scope, False) for child in children(node))

    # --- variables --------------------------------------------------------------------------

    def build(self) -> Model:
        self.build_variables()
        return self._components()

    def build_variables(self) -> None:
        self.scan()
        p = self.p
        counted = {g.count: g.name for g in p.groups.values()}
        for fact in p.facts.values():
            if fact.is_input:
                self._add_var(fact.name, fact, None, None, counted.get(fact.name))
        for group in p.groups.values():
            count = p.facts.get(group.count)
            top = count.max if count is not None and isinstance(count.max, int) else 0
            for i in range(1, top + 1):
                for fact in group.facts.values():
                    if fact.is_input:
                        self._add_var(f"{group.name}[{i}].{fact.name}", fact, group.name, i, None)
        for i, var in enumerate(self.vars):
            formula = var.fact.applies_if
            if formula is not None and formula.tree is not None:
                inputs = self._cone(formula.tree, var.group, var.index) - {i}
                self.vars[i] = dataclasses.replace(var, applies_inputs=inputs)

    def _add_var(self, var_id: str, fact: Fact, group: str | None, index: int | None, counts: str | None) -> None:
        key = f"{group}.{fact.name}" if group else fact.name
        classes, points, prior = answer_classes(fact, self.cuts.get(key, []), key in self.indirect,
                                                counts is not None)
        opaque = key in self.indirect and not points
        self.var_index[var_id] = len(self.vars)
        self.vars.append(Variable(var_id, fact, classes, opaque, group, index, counts, prior))

    # --- cones and atoms --------------------------------------------------------------------

    def _cone(self, node: Expr, group: str | None, copy: int | None, depth: int = 0) -> frozenset[int]:
        """Indices of the variables an expression reads, through derived facts and outcomes."""
        found: set[int] = set()
        stack: list[tuple[Expr, str | None, int | None]] = [(node, group, copy)]
        while stack:
            current, scope, index = stack.pop()
            if isinstance(current, Name):
                found |= self._name_cone(current.name, scope, index, depth)
                continue
            if isinstance(current, Call) and current.func in GROUP_FUNCTIONS and current.args:
                first = current.args[0]
                if isinstance(first, Name) and first.name in self.p.groups:
                    g = self.p.groups[first.name]
                    found |= self._name_cone(g.count, None, None, depth)
                    for i in range(1, self._max_members(g.name) + 1):
                        for arg in current.args[1:]:
                            stack.append((arg, g.name, i))
                    continue
            stack.extend((child, scope, index) for child in children(current))
        return frozenset(found)

    def _max_members(self, group: str) -> int:
        count = self.p.facts.get(self.p.groups[group].count)
        return count.max if count is not None and isinstance(count.max, int) else 0

    def _resolve(self, name: str, group: str | None, copy: int | None) -> tuple[int | None, list, tuple]:
        """What a name stands for in scope: (its variable if it is an input with one, the formulas
        that compute it or decide whether it applies, the scope those formulas are read in). A
        member fact is looked up in its group first; an outcome has its formulas; anything else
        (a group, a constant) has neither."""
        p = self.p
        if group is not None and name in p.groups[group].facts:
            fact = p.groups[group].facts[name]
            var = self.var_index.get(f"{group}[{copy}].{name}") if fact.is_input else None
            return var, [fact.derive, fact.applies_if], (group, copy)
        if name in p.facts:
            fact = p.facts[name]
            return (self.var_index.get(name) if fact.is_input else None), [fact.derive, fact.applies_if], (None, None)
        if name in p.outcomes:
            return None, outcome_formulas(p.outcomes[name]), (None, None)
        return None, [], (None, None)

    def _name_cone(self, name: str, group: str | None, copy: int | None, depth: int) -> frozenset[int]:
        memo_key = (name, group, copy)
        if memo_key in self.cone_memo:
            return self.cone_memo[memo_key]
        if depth > 200:
            return frozenset()
        self.cone_memo[memo_key] = frozenset()  # a cycle (already reported by check) stops here
        found: set[int] = set()
        var, formulas, scope = self._resolve(name, group, copy)
        if var is not None:
            found.add(var)
        if not formulas and name in self.p.groups:
            found |= self._name_cone(self.p.groups[name].count, None, None, depth + 1)
        for formula in formulas:
            if formula is not None and formula.tree is not None:
                found |= self._cone(formula.tree, scope[0], scope[1], depth + 1)
        result = frozenset(found)
        self.cone_memo[memo_key] = result
        return result

    def atom_for(self, node: Binary, group: str | None, copy: int | None) -> int | None:
        """The atom index of a comparison, or None when it is decided exactly by the classes."""
        key = (node, copy)
        if key in self.atom_index:
            return self.atom_index[key]
        direct = self._direct(node, group)
        if direct is not None:
            self.atom_index[key] = None  # type: ignore[assignment]
            return None
        inputs = self._cone(node, group, copy)
        if not self._reads_opaque(node, group, copy, root_is_candidate=True):
            self.atom_index[key] = None  # type: ignore[assignment]
            return None
        index = len(self.atoms)
        self.atoms.append(Atom(node, copy, _text(node), inputs, group if copy is not None else None))
        self.atom_index[key] = index
        return index

    def _reads_opaque(self, node: Expr, group: str | None, copy: int | None, depth: int = 0,
                      root_is_candidate: bool = False) -> bool:
        """Whether evaluating ``node`` may read an opaque variable outside every atom: only then
        is a comparison over it an atom (a comparison of outcomes decided by atoms is exact)."""
        stack: list[tuple[Expr, str | None, int | None]] = [(node, group, copy)]
        while stack:
            current, scope, index = stack.pop()
            if not (root_is_candidate and current is node) and isinstance(current, Binary) \
                    and current.op in COMPARISONS:
                if self.atom_for(current, scope, index) is not None:
                    continue
            if isinstance(current, Name):
                if self._name_reads_opaque(current.name, scope, index, depth):
                    return True
                continue
            if isinstance(current, Call) and current.func in GROUP_FUNCTIONS and current.args:
                first = current.args[0]
                if isinstance(first, Name) and first.name in self.p.groups:
                    for i in range(1, self._max_members(first.name) + 1):
                        stack.extend((arg, first.name, i) for arg in current.args[1:])
                    continue
            stack.extend((child, scope, index) for child in children(current))
        return False

    def _name_reads_opaque(self, name: str, group: str | None, copy: int | None, depth: int) -> bool:
        memo = self.__dict__.setdefault("_opaque_memo", {})
        key = (name, group, copy)
        if key in memo:
            return memo[key]
        memo[key] = False  # cycles stop here
        if depth > 200:
            return False
        var, formulas, scope = self._resolve(name, group, copy)
        result = var is not None and self.vars[var].opaque
        for formula in formulas:
            if not result and formula is not None and formula.tree is not None:
                result = self._reads_opaque(formula.tree, scope[0], scope[1], depth + 1)
        memo[key] = result
        return result

    def _discover_atoms(self) -> None:
        """Create every atom up front (their number fixes the shape of the rows)."""
        for formula, group in self._formulas():
            if formula.tree is None:
                continue
            copies = range(1, self._max_members(group) + 1) if group else [None]
            for copy in copies:
                stack: list[tuple[Expr, str | None, int | None]] = [(formula.tree, group, copy)]
                while stack:
                    node, scope, index = stack.pop()
                    if isinstance(node, Binary) and node.op in COMPARISONS:
                        if self.atom_for(node, scope, index) is not None:
                            continue
                    if isinstance(node, Call) and node.func in GROUP_FUNCTIONS and node.args:
                        first = node.args[0]
                        if isinstance(first, Name) and first.name in self.p.groups:
                            for i in range(1, self._max_members(first.name) + 1):
                                stack.extend((arg, first.name, i) for arg in node.args[1:])
                            continue
                    stack.extend((child, scope, index) for child in children(node))

    # --- components and rows ----------------------------------------------------------------

    def _components(self) -> Model:
        from . import rows  # rows builds on this module's types
        self._discover_atoms()
        p = self.p
        outcome_vars: dict[str, frozenset[int]] = {}
        for name in p.outcomes:
            cone = set(self._name_cone(name, None, None, 0))
            for atom in self.atoms:
                if atom.inputs & cone:
                    cone |= atom.inputs
            outcome_vars[name] = frozenset(cone)
        parent = list(range(len(self.vars)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for cone in outcome_vars.values():
            members = sorted(cone)
            for other in members[1:]:
                parent[find(other)] = find(members[0])
        for atom in self.atoms:
            members = sorted(atom.inputs)
            for other in members[1:]:
                parent[find(other)] = find(members[0])
        used = set().union(*outcome_vars.values()) if outcome_vars else set()
        # a group's count belongs with its members
        for i, v in enumerate(self.vars):
            if v.group is not None:
                count = self.var_index.get(p.groups[v.group].count)
                if count is not None and i in used:
                    parent[find(i)] = find(count)
        roots: dict[int, Component] = {}
        constant_outcomes = []
        for name, cone in outcome_vars.items():
            if not cone:
                constant_outcomes.append(name)
                continue
            root = find(min(cone))
            roots.setdefault(root, Component([], [])).outcomes.append(name)
        for i in sorted(used):
            root = find(i)
            if root in roots:
                roots[root].variables.append(i)
        components = sorted(roots.values(), key=lambda c: c.variables[0])
        if constant_outcomes:
            components.append(Component([], constant_outcomes))
        for component in components:
            members = set(component.variables)
            component.atoms = [i for i, a in enumerate(self.atoms) if a.inputs and min(a.inputs) in members]
            rows.enumerate_component(self, component)
        unused = [i for i in range(len(self.vars)) if i not in used]
        return Model(p, self.vars, self.atoms, components, unused, self._piecewise())

    def _piecewise(self) -> list[str]:
        """The calls of min, max, abs, round, floor or ceil whose arguments read an amount."""
        found: list[str] = []
        for formula, group in self._formulas():
            if formula.tree is None:
                continue
            copy = 1 if group and self._max_members(group) else None
            stack = [formula.tree]
            while stack:
                node = stack.pop()
                if isinstance(node, Call) and node.func in PIECEWISE and any(
                        self._reads_opaque(arg, group, copy) for arg in node.args):
                    text = _text(node)
                    if text not in found:
                        found.append(text)
                stack.extend(children(node))
        return sorted(found)


def _text(node: Binary) -> str:
    from .expr import IfElse, Unary
    def show(n: Expr) -> str:
        if isinstance(n, Literal):
            return repr(n.value) if isinstance(n.value, str) else str(n.value).lower() if isinstance(n.value, bool) \
                else str(n.value)
        if isinstance(n, Name):
            return n.name
        if isinstance(n, Binary):
            return f"({show(n.left)} {n.op} {show(n.right)})"
        if isinstance(n, Unary):
            return f"{n.op} {show(n.operand)}" if n.op == "not" else f"-{show(n.operand)}"
        if isinstance(n, Call):
            return f"{n.func}({', '.join(show(a) for a in n.args)})"
        if isinstance(n, ListOf):
            return "[" + ", ".join(show(a) for a in n.items) + "]"
        if isinstance(n, IfElse):
            return f"(if {show(n.cond)} then {show(n.then)} else {show(n.other)})"
        return "?"
    text = show(node)
    return text[1:-1] if text.startswith("(") else text


def _key_counts(c: Component) -> list[int]:
    counts = [0] * len(c.key_values)
    for k in c.keys:
        counts[k] += 1
    return counts
