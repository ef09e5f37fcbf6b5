"""Compile a process into a **visibility program**: the question flow as plain expressions.

The SurveyJS and XLSForm exports (:mod:`analyzer.exports`) and the HTML page render this program
into their target's expression language. It reproduces the three-valued (Kleene) flow of
:mod:`analyzer.kleene` exactly, on every process (no finite model, no size limit but the
expression budget): a question is **visible** when its ``applies_if`` is known to hold and it is
in the Kleene support of an undecided outcome (the question ``flow.py`` would ask, in form order),
or when it is answered and applies (answers stay on screen). Outcomes are computed from the
answers by the same rules, and are **known** exactly when :mod:`analyzer.kleene` decides them.

The IR contract (stable; other renderers build on it)
-----------------------------------------------------
Expressions (``IR``) are small frozen trees, **two-valued and total**: every node has a value for
any partial answers (no unknown, no null, no exception). They are:

- ``Lit(value)``: a bool, int, float or str.
- ``Answer(fact, member)``: the raw answer to question ``fact`` (its qualified id: ``lejer``,
  ``voksne.indkomst``); ``member`` is None at process level, else the 1-based member of the
  group. Its value is meaningful only where ``Answered`` holds. Values: bool for ``bool``, the
  choice value (str) for ``choice``, a number for ``int``/``number``/``money``, str for ``text``.
- ``Answered(fact, member)``: bool, the question has an answer (not empty).
- ``Ref(name)``: the value of the definition ``name`` (always an earlier one in ``defs``).
- ``Op(op, args)``, where ``op`` is one of (args in order):
  ``and`` ``or`` (2+ bools), ``not`` (1), ``if`` (cond, then, else: evaluate ``then`` only when
  cond holds; a renderer may evaluate both eagerly, no argument ever fails),
  ``==`` ``!=`` ``<`` ``<=`` ``>`` ``>=`` (2; numbers, or str/bool for ``==``/``!=``),
  ``+`` ``-`` ``*`` ``/`` (2 numbers), ``neg`` (1), ``min`` ``max`` (2+), ``abs`` ``floor``
  ``ceil`` (1), ``round`` (number, digits: half away from zero), ``concat`` (2+ str),
  ``contains`` (haystack str, needle str).

A value meaningful only under a condition (``Answer`` of an unanswered question, ``x / 0``) may
be anything (undefined, NaN) where the condition fails: the program always guards it with
``if``, so a renderer must only never raise on it.

A :class:`Program` holds:

- ``defs``: named definitions in dependency order (each refers only to earlier ones); ``type``
  is ``bool``, ``number``, ``str``, ``items`` (a str, see outcomes) or ``any``. Per compiled rule
  value X (a fact, a member's copy ``voksne_2_indkomst`` of a fact, an outcome, an intermediate
  ``X_t7``): ``X_k`` known (decided from the answers), ``X_n`` null (when known), ``X_v`` its
  value (when known and not null), and ``X__Q`` for each question Q its value can wait for: Q is
  in its **support** (X is not known and Q is an unanswered question the evaluation of X reads);
  Q is the question's label with ``.`` as ``_`` (``voksne_2_indkomst``). Also ``X_applies`` (its
  ``applies_if`` is known to hold), ``Q_visible``, ``Q_relevant``, ``decided``. Which exist
  depends on the rules (an always-known part is a literal, not a definition), and a name that
  would clash gets a number (``lejer_k_2``): read the names from ``defs``, do not build them;
- ``questions``: in form order (the order of the rule file; a group's questions at its place
  after the process-level facts, as :meth:`analyzer.model.Process.all_facts`): each with
  ``visible`` (a tuple: one IR bool for a process-level question; one per possible member
  ``1..max`` of its group) and ``prefilled`` (a register fact in ``logged_in`` mode: never
  shown; the host sets its value before the form starts);
- ``groups``: each repeated group, its count question and ``max``;
- ``outcomes``: per outcome ``known``/``null``/``value`` (Refs). An ``items`` outcome's value is
  the str ``|a||b|`` of the chosen item names, sorted;
- ``decided``: bool, every outcome known (show the decision);
- ``support``: per question label (``lejer``, ``voksne.2.indkomst``), an IR bool: in the support
  of an undecided outcome (``Q_relevant`` definitions).

Supports are sets of booleans, not strings, so the program stays linear in the rules: a derived
fact read twice adds its questions once.

:func:`run` is the reference interpreter of the IR (the tests run the renderings against it).

>>> from pathlib import Path
>>> from analyzer.load import load_paths
>>> rules = Path(__file__).resolve().parents[1] / "rules" / "ekstra_affald.yaml"
>>> program = compile_process(load_paths([str(rules)]).processes[0])
>>> visible, outcomes = run(program, {})
>>> visible[:2], outcomes["handling"]
(['adresse_i_kommunen', 'ejer'], 'UNKNOWN')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .evaluate import round_half_away
from .expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from .model import Fact, Formula, Loc, Outcome, Process

#: most definitions a program may have, and most IR nodes over all of them (bounds the output)
MAX_DEFS = 20_000
MAX_NODES = 400_000
#: an intermediate value whose four parts exceed this many IR nodes becomes definitions
HOIST_SIZE = 24


class Unsupported(Exception):
    """The rules use a construct the visibility program cannot express; the message names it, and
    ``loc`` is the fact or outcome it is in (None when not known)."""

    def __init__(self, message: str, loc: Loc | None = None):
        super().__init__(message)
        self.loc = loc


# -- the IR -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Answer:
    #: qualified id of the question: 'lejer' or 'voksne.indkomst'
    fact: str
    #: 1-based member of the group, None at process level
    member: int | None = None


@dataclass(frozen=True)
class Answered:
    fact: str
    member: int | None = None


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Op:
    op: str
    args: tuple


IR = Lit | Answer | Answered | Ref | Op
TRUE, FALSE, EMPTY = Lit(True), Lit(False), Lit("")


@dataclass(frozen=True)
class Def:
    name: str
    expr: IR
    #: bool, number, str or any
    type: str


@dataclass(frozen=True)
class QuestionSpec:
    fact: Fact
    #: the group of a member question, else None
    group: str | None
    #: one IR bool per member 1..max (one entry for a process-level question)
    visible: tuple
    #: a register fact in logged_in mode: never shown, set by the host
    prefilled: bool

    @property
    def key(self) -> str:
        return self.fact.key


@dataclass(frozen=True)
class GroupSpec:
    name: str
    #: the count question's fact name
    count: str
    max: int


@dataclass(frozen=True)
class OutcomeSpec:
    outcome: Outcome
    known: IR
    null: IR
    value: IR
    #: bool, number, str, items or any
    type: str


@dataclass(frozen=True)
class Program:
    process: Process
    mode: str
    defs: tuple
    questions: tuple
    groups: tuple
    outcomes: tuple
    decided: IR
    #: (question label, IR bool): in the support of an undecided outcome
    support: tuple


# -- helpers that fold constants (keep the expressions small) --------------------------------

def _and(*args: IR) -> IR:
    out = []
    for a in args:
        if a == FALSE:
            return FALSE
        if a != TRUE and a not in out:
            out.append(a)
    return TRUE if not out else out[0] if len(out) == 1 else Op("and", tuple(out))


def _or(*args: IR) -> IR:
    out = []
    for a in args:
        if a == TRUE:
            return TRUE
        if a != FALSE and a not in out:
            out.append(a)
    return FALSE if not out else out[0] if len(out) == 1 else Op("or", tuple(out))


def _not(a: IR) -> IR:
    if isinstance(a, Lit):
        return Lit(not a.value)
    if isinstance(a, Op) and a.op == "not":
        return a.args[0]
    return Op("not", (a,))


def _if(c: IR, a: IR, b: IR) -> IR:
    if c == TRUE or a == b:
        return a
    if c == FALSE:
        return b
    if a == TRUE and b == FALSE:
        return c
    if a == FALSE and b == TRUE:
        return _not(c)
    return Op("if", (c, a, b))


def _concat(*args: IR) -> IR:
    out = [a for a in args if a != EMPTY]
    return EMPTY if not out else out[0] if len(out) == 1 else Op("concat", tuple(out))


def _su(*sets: dict) -> dict:
    """Union of supports: per question, in the support of any."""
    found: dict = {}
    for s in sets:
        for q, m in s.items():
            found[q] = _or(found[q], m) if q in found else m
    return {q: m for q, m in found.items() if m != FALSE}


def _sif(c: IR, a: dict, b: dict) -> dict:
    """The support ``a`` where ``c`` holds, else ``b``."""
    if c == TRUE:
        return a
    if c == FALSE:
        return b
    found = {q: _if(c, a.get(q, FALSE), b.get(q, FALSE)) for q in list(a) + [q for q in b if q not in a]}
    return {q: m for q, m in found.items() if m != FALSE}


def size(node: IR) -> int:
    """IR nodes in ``node`` (Refs count 1)."""
    if isinstance(node, Op):
        return 1 + sum(size(a) for a in node.args)
    return 1


@dataclass(frozen=True)
class Cell:
    """A rule value in four parts: known, null (when known), value, and its support: per question
    that can be in it, an IR bool (false when the value is known)."""

    k: IR
    n: IR
    v: IR
    #: question label ('lejer', 'voksne.2.indkomst') -> IR bool: in the support (never when known)
    s: dict
    type: str = "any"

    def true(self) -> IR:
        return _and(self.k, _not(self.n), self.v)

    def false(self) -> IR:
        return _and(self.k, _not(self.n), _not(self.v))


def _const(value: Any) -> Cell:
    if value is None:
        return Cell(TRUE, TRUE, Lit(0), {}, "null")
    return Cell(TRUE, FALSE, Lit(value), {}, _type_of(value))


def _merge(a: str, b: str) -> str:
    """The type of a value that is either of two (null takes the other's type)."""
    return b if a == "null" else a if b in ("null", a) else "any"


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "str" if isinstance(value, str) else "any"


_FACT_TYPE = {"bool": "bool", "choice": "str", "text": "str", "int": "number", "number": "number",
              "money": "number"}
_CALLS = {"min", "max", "abs", "round", "floor", "ceil"}
_GROUP_CALLS = {"count", "sum", "any", "all"}


# -- the compiler -------------------------------------------------------------------------------

@dataclass
class _Compiler:
    process: Process
    mode: str
    defs: list = field(default_factory=list)
    names: set = field(default_factory=set)
    cells: dict = field(default_factory=dict)
    #: (fact key, member) -> IR bool: its applies_if is known to hold
    holds: dict = field(default_factory=dict)
    nodes: int = 0
    serial: int = 0
    #: the rule being compiled, for messages, and the start of its intermediates' names
    where: str = ""
    base: str = "x"
    loc: Loc | None = None

    def __post_init__(self) -> None:
        self.taken = {f.name for f in self.process.all_facts()} | set(self.process.groups) \
            | set(self.process.outcomes) | set(self.process.constants)

    # definitions
    def define(self, base: str, expr: IR, type_: str) -> IR:
        if isinstance(expr, (Lit, Ref, Answer, Answered)):
            return expr
        name = base
        k = 1
        while name in self.names or name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.names.add(name)
        self.nodes += size(expr)
        if len(self.defs) >= MAX_DEFS or self.nodes > MAX_NODES:
            raise Unsupported(f"the visibility program exceeds its budget ({MAX_DEFS} definitions, {MAX_NODES} "
                              f"expression nodes) at {self.where}", self.loc)
        self.defs.append(Def(name, expr, type_))
        return Ref(name)

    def hoist(self, cell: Cell, base: str) -> Cell:
        # the rule's name first: SurveyJS finds a variable by scanning those with its first letter
        return Cell(self.define(f"{base}_k", cell.k, "bool"), self.define(f"{base}_n", cell.n, "bool"),
                    self.define(f"{base}_v", cell.v, cell.type),
                    {q: self.define(f"{base}__{q.replace('.', '_')}", m, "bool") for q, m in cell.s.items()},
                    cell.type)

    def small(self, cell: Cell) -> Cell:
        if size(cell.k) + size(cell.n) + size(cell.v) + sum(size(m) for m in cell.s.values()) <= HOIST_SIZE:
            return cell
        self.serial += 1
        return self.hoist(cell, f"{self.base}_t{self.serial}")

    # names
    def name(self, name: str, scope: tuple | None) -> Cell:
        p = self.process
        if scope is not None and name in p.groups[scope[0]].facts:
            return self.fact(p.groups[scope[0]].facts[name], scope)
        if name in p.facts:
            return self.fact(p.facts[name], None)
        if name in p.constants:
            value = p.constants[name].value
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                raise Unsupported(f"date constant '{name}' ({self.where}): dates are not supported by the exports",
                                  self.loc)
            return _const(value)
        if name in p.outcomes:
            return self.outcome(p.outcomes[name])
        if name in p.groups:
            return self.count(name)
        raise Unsupported(f"unknown name '{name}' ({self.where})", self.loc)

    def fact(self, fact: Fact, scope: tuple | None) -> Cell:
        key = (fact.key, scope[1] if scope else None)
        if key in self.cells:
            return self.cells[key]
        if fact.type == "date":
            raise Unsupported(f"date fact '{fact.key}': dates are not supported by the exports", fact.loc)
        saved = self.where, self.base, self.loc
        self.where, self.loc = f"fact '{fact.key}'", fact.loc
        member = scope[1] if scope else None
        label = f"{fact.group}.{member}.{fact.name}" if fact.group else fact.name
        base = self.base = label.replace(".", "_")
        if fact.derive is not None:
            body = self.formula(fact.derive, scope)
        else:
            answered = Answered(fact.key, member)
            body = Cell(answered, FALSE, Answer(fact.key, member), {label: _not(answered)},
                        _FACT_TYPE.get(fact.type, "any"))
        if fact.applies_if is not None:
            a = self.formula(fact.applies_if, scope)
            holds = self.define(f"{base}_applies", a.true(), "bool")
            self.holds[key] = holds
            default = _const(fact.default)
            cell = Cell(_and(a.k, _or(_not(holds), body.k)), _if(holds, body.n, default.n),
                        _if(holds, body.v, default.v), _sif(a.k, _sif(holds, body.s, {}), a.s),
                        _merge(body.type, default.type))
        else:
            cell = body
        cell = self.hoist(cell, base)
        self.cells[key] = cell
        self.where, self.base, self.loc = saved
        return cell

    def count(self, group: str) -> Cell:
        c = self.name(self.process.groups[group].count, None)
        members = _and(c.k, _not(c.n))
        return Cell(members, FALSE, c.v, c.s, "number")

    def formula(self, formula: Formula, scope: tuple | None) -> Cell:
        if formula.tree is None:
            raise Unsupported(f"the expression '{formula.text}' does not parse ({self.where})", self.loc)
        return self.expr(formula.tree, scope)

    def expr(self, node: Expr, scope: tuple | None) -> Cell:
        if isinstance(node, Literal):
            return _const(node.value)
        if isinstance(node, Name):
            return self.name(node.name, scope)
        if isinstance(node, Unary):
            a = self.expr(node.operand, scope)
            if node.op == "not":
                return self.small(Cell(a.k, a.n, _not(a.v), a.s, "bool"))
            return self.small(Cell(a.k, a.n, Op("neg", (a.v,)), a.s, "number"))
        if isinstance(node, IfElse):
            return self.small(self.ifelse(node, scope))
        if isinstance(node, Binary):
            return self.small(self.binary(node, scope))
        if isinstance(node, Call):
            return self.small(self.call(node, scope))
        raise Unsupported(f"a list outside 'in' ({self.where})", self.loc)

    def ifelse(self, node: IfElse, scope: tuple | None) -> Cell:
        c, a, b = self.expr(node.cond, scope), self.expr(node.then, scope), self.expr(node.other, scope)
        same = _and(a.k, b.k, _or(_and(a.n, b.n), _and(_not(a.n), _not(b.n), Op("==", (a.v, b.v)))))
        k = _if(c.k, _or(c.n, _if(c.v, a.k, b.k)), same)
        n = _if(c.k, _or(c.n, _if(c.v, a.n, b.n)), a.n)
        v = _if(_and(c.k, _not(c.v)), b.v, a.v)
        s = _sif(k, {}, _sif(c.k, _sif(c.v, a.s, b.s), _su(c.s, a.s, b.s)))
        return Cell(k, n, v, s, _merge(a.type, b.type))

    def binary(self, node: Binary, scope: tuple | None) -> Cell:
        op = node.op
        if op in ("and", "or"):
            left, right = self.expr(node.left, scope), self.expr(node.right, scope)
            stop = (lambda c: c.true()) if op == "or" else (lambda c: c.false())
            decided = _or(stop(left), stop(right))
            k = _or(decided, _and(left.k, right.k))
            n = _and(_not(decided), _or(left.n, right.n))
            v = decided if op == "or" else _not(decided)
            return Cell(k, n, v, _sif(k, {}, _su(left.s, right.s)), "bool")
        if op in ("in", "not in"):
            return self.member_of(node, scope)
        nulls = [isinstance(x, Literal) and x.value is None for x in (node.left, node.right)]
        if any(nulls) and op in ("==", "!="):
            if all(nulls):
                return _const(op == "==")
            other = self.expr(node.right if nulls[0] else node.left, scope)
            return Cell(other.k, FALSE, other.n if op == "==" else _not(other.n), other.s, "bool")
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        type_ = "number" if op in "+-*/" else "bool"
        return Cell(_and(left.k, right.k), _or(left.n, right.n), Op(op, (left.v, right.v)),
                    _su(left.s, right.s), type_)

    def member_of(self, node: Binary, scope: tuple | None) -> Cell:
        if not isinstance(node.right, ListOf):
            raise Unsupported(f"'in' needs a list written out, as in x in ['a', 'b'] ({self.where})", self.loc)
        left = self.expr(node.left, scope)
        items = [self.expr(item, scope) for item in node.right.items]
        found = _or(*[_and(_not(i.n), Op("==", (left.v, i.v))) for i in items])
        k = _and(left.k, *[i.k for i in items])
        n = _or(left.n, _and(_not(found), _or(*[i.n for i in items])))
        # kleene.py drops the support of the list's items (the list itself is a decided value)
        return Cell(k, n, found if node.op == "in" else _not(found), left.s, "bool")

    def call(self, node: Call, scope: tuple | None) -> Cell:
        f = node.func
        if f in _GROUP_CALLS:
            return self.group_call(node, scope)
        if f not in _CALLS:
            raise Unsupported(f"function {f}() ({self.where}): not supported by the exports", self.loc)
        args = [self.expr(a, scope) for a in node.args]
        if f == "round" and len(args) == 1:
            args.append(_const(0))
        return Cell(_and(*[a.k for a in args]), _or(*[a.n for a in args]), Op(f, tuple(a.v for a in args)),
                    _su(*[a.s for a in args]), "number")

    def group_call(self, node: Call, scope: tuple | None) -> Cell:
        group_name = node.args[0]
        assert isinstance(group_name, Name)
        group = self.process.groups[group_name.name]
        c = self.count(group.name)
        if len(node.args) == 1:
            return c
        top = _group_max(self.process, group.name)
        results = [self.expr(node.args[1], (group.name, i)) for i in range(1, top + 1)]
        exists = [Op(">=", (c.v, Lit(i))) for i in range(1, top + 1)]
        unknown = _or(*[_and(e, _not(r.k)) for e, r in zip(exists, results)])
        null = _or(*[_and(e, r.n) for e, r in zip(exists, results)])
        member_s = _su(*[_sif(e, r.s, {}) for e, r in zip(exists, results)])
        f = node.func
        if f in ("sum", "count"):
            k = _and(c.k, _not(unknown))
            parts = [_if(e, r.v if f == "sum" else _if(r.v, Lit(1), Lit(0)), Lit(0)) for e, r in zip(exists, results)]
            v: IR = parts[0] if len(parts) == 1 else Op("+", (parts[0], parts[1]))
            for part in parts[2:]:
                v = Op("+", (v, part))
            return Cell(k, null, v, _sif(k, {}, _sif(c.k, member_s, c.s)), "number")
        hit = _or(*[_and(e, r.true() if f == "any" else r.false()) for e, r in zip(exists, results)])
        k = _and(c.k, _or(hit, _not(unknown)))
        return Cell(k, _and(_not(hit), null), hit if f == "any" else _not(hit),
                    _sif(k, {}, _sif(c.k, member_s, c.s)), "bool")

    # outcomes
    def outcome(self, outcome: Outcome) -> Cell:
        key = ("outcome", outcome.name)
        if key in self.cells:
            return self.cells[key]
        saved = self.where, self.base, self.loc
        self.where, self.base, self.loc = f"outcome '{outcome.name}'", outcome.name, outcome.loc
        touched = [self.formula(f, None) for f in _body_formulas(outcome)]
        touch = _su(*[t.s for t in touched])
        if outcome.kind in ("when", "value"):
            body = touched[0]
        elif outcome.kind == "items":
            chosen = sorted(zip(outcome.items, touched), key=lambda pair: pair[0].name)
            body = Cell(_and(*[t.k for t in touched]), FALSE,
                        _concat(*[_if(t.true(), Lit(f"|{item.name}|"), EMPTY) for item, t in chosen]), touch, "items")
        else:
            body = self.cases(outcome, touch)
        if outcome.applies_if is not None:
            a = self.formula(outcome.applies_if, None)
            holds = self.define(f"{outcome.name}_applies", a.true(), "bool")
            body = Cell(_and(a.k, _or(_not(holds), body.k)), _or(_not(holds), body.n), body.v,
                        _sif(a.k, _sif(holds, body.s, {}), _su(a.s, touch)), body.type)
        cell = self.hoist(body, outcome.name)
        self.cells[key] = cell
        self.where, self.base, self.loc = saved
        return cell

    def cases(self, outcome: Outcome, touch: IR) -> Cell:
        rest = _const(None)
        for case in reversed(outcome.cases):
            value = self.formula(case.value, None) if case.value is not None else _const(case.then)
            if case.when is None:
                rest = value
                continue
            c = self.formula(case.when, None)
            k = _and(c.k, _or(c.n, _if(c.v, value.k, rest.k)))
            rest = self.small(Cell(k, _or(c.n, _if(c.v, value.n, rest.n)), _if(c.v, value.v, rest.v),
                                   _sif(k, {}, _sif(c.k, _sif(c.v, value.s, rest.s), touch)),
                                   _merge(value.type, rest.type)))
        return rest


def _body_formulas(outcome: Outcome) -> list[Formula]:
    """The formulas kleene.py's ``_touch`` reads: every one but the applies_if, in order."""
    found = [outcome.when, outcome.value]
    for case in outcome.cases:
        found += [case.when, case.value]
    found += [item.when for item in outcome.items]
    return [f for f in found if f is not None]


def _group_max(process: Process, group: str) -> int:
    count = process.groups[group].count
    fact = process.facts.get(count)
    if fact is None or not isinstance(fact.max, int) or isinstance(fact.max, bool):
        raise Unsupported(f"group '{group}': its count '{count}' needs a whole-number max")
    return fact.max


def compile_process(process: Process, mode: str = "anonymous") -> Program:
    """The visibility program of ``process`` in ``mode``; raises :class:`Unsupported` naming the
    construct when the rules use one the exports cannot express (dates, unknown functions)."""
    if mode not in ("anonymous", "logged_in"):
        raise ValueError(f"mode must be anonymous or logged_in, not {mode!r}")
    c = _Compiler(process, mode)
    outcomes = []
    for outcome in process.outcomes.values():
        cell = c.outcome(outcome)
        outcomes.append(OutcomeSpec(outcome, cell.k, cell.n, cell.v, cell.type))
    everything = _su(*[c.cells[("outcome", n)].s for n in process.outcomes])
    support = {q: c.define(f"{q.replace('.', '_')}_relevant", m, "bool") for q, m in everything.items()}
    decided = c.define("decided", _and(*[o.known for o in outcomes]), "bool")
    groups = tuple(GroupSpec(g.name, g.count, _group_max(process, g.name)) for g in process.groups.values())
    questions = []
    for fact in process.all_facts():
        if not fact.is_input:
            continue
        members = [None] if fact.group is None else list(range(1, _group_max(process, fact.group) + 1))
        prefilled = not fact.asked(mode)
        visible = []
        for m in members:
            c.where, c.base = f"fact '{fact.key}'", fact.name
            scope = (fact.group, m) if fact.group else None
            if prefilled:
                visible.append(FALSE)
                continue
            c.fact(fact, scope)
            applies = c.holds.get((fact.key, m), TRUE)
            label = f"{fact.group}.{m}.{fact.name}" if fact.group else fact.name
            base = label.replace(".", "_")
            shown = _or(_and(Answered(fact.key, m), applies), support.get(label, FALSE))
            visible.append(c.define(f"{base}_visible", shown, "bool"))
        questions.append(QuestionSpec(fact, fact.group, tuple(visible), prefilled))
    return Program(process, mode, tuple(c.defs), tuple(questions), groups, tuple(outcomes), decided,
                   tuple(support.items()))


# -- the reference interpreter ------------------------------------------------------------------

UNKNOWN = "UNKNOWN"


def evaluate(node: IR, answers: dict, values: dict) -> Any:
    """The value of an IR expression; ``answers`` maps (fact key, member) to the answer (absent:
    unanswered), ``values`` holds the definitions computed so far."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Answer):
        return answers.get((node.fact, node.member))
    if isinstance(node, Answered):
        return answers.get((node.fact, node.member)) is not None
    if isinstance(node, Ref):
        return values[node.name]
    op, args = node.op, node.args
    if op == "and":
        return all(bool(evaluate(a, answers, values)) for a in args)
    if op == "or":
        return any(bool(evaluate(a, answers, values)) for a in args)
    if op == "if":
        return evaluate(args[1] if evaluate(args[0], answers, values) else args[2], answers, values)
    xs = [evaluate(a, answers, values) for a in args]
    if op == "not":
        return not xs[0]
    if op == "concat":
        return "".join(xs)
    if op == "contains":
        return xs[1] in xs[0]
    if op in ("==", "!="):
        same = xs[0] == xs[1] and isinstance(xs[0], str) == isinstance(xs[1], str)
        return same if op == "==" else not same
    try:
        return _numeric(op, xs)
    except (TypeError, ZeroDivisionError, ValueError, OverflowError):
        return math.nan  # a value under a condition that fails: guarded by an 'if'


def _numeric(op: str, xs: list) -> Any:
    a = xs[0]
    if op == "neg":
        return -a
    if op in ("min", "max"):
        return min(xs) if op == "min" else max(xs)
    if op == "abs":
        return abs(a)
    if op == "floor":
        return math.floor(a)
    if op == "ceil":
        return math.ceil(a)
    if op == "round":
        return round_half_away(a, xs[1])
    b = xs[1]
    return {"<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b,
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()


def answers_of(case: dict) -> dict:
    """A case or answers in the format of tests (``{fact: v, group: [{fact: v}]}``) as the IR's
    ``(fact key, member) -> value`` (None values left out: unanswered)."""
    found = {}
    for name, value in case.items():
        if isinstance(value, list):
            for i, row in enumerate(value, 1):
                for fact, v in row.items():
                    if v is not None:
                        found[(f"{name}.{fact}", i)] = v
        elif value is not None:
            found[(name, None)] = value
    return found


def run(program: Program, case: dict) -> tuple[list[str], dict[str, Any]]:
    """Evaluate the program on answers (a case in the format of tests): the visible questions in
    form order (``voksne.2.indkomst`` for a member) and every outcome's value (None for null,
    ``UNKNOWN`` when not known, a sorted list for items)."""
    answers = answers_of(case)
    values: dict[str, Any] = {}
    for d in program.defs:
        values[d.name] = evaluate(d.expr, answers, values)
    count = {g.name: answers.get((g.count, None)) for g in program.groups}
    visible = []
    for q in program.questions:
        for m, shown in enumerate(q.visible, 1):
            if q.group is not None:
                n = count[q.group]
                if not isinstance(n, int) or m > n:
                    continue
            if evaluate(shown, answers, values):
                visible.append(f"{q.group}.{m}.{q.fact.name}" if q.group else q.fact.name)
    outcomes = {}
    for o in program.outcomes:
        if not evaluate(o.known, answers, values):
            outcomes[o.outcome.name] = UNKNOWN
        elif evaluate(o.null, answers, values):
            outcomes[o.outcome.name] = None
        else:
            v = evaluate(o.value, answers, values)
            outcomes[o.outcome.name] = [x for x in v.split("|") if x] if o.type == "items" else v
    return visible, outcomes
