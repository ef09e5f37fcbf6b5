"""The BDD engine (``dd.autoref``): one binary decision diagram per outcome value.

Each variable's answer classes (those with a positive prior) get a code in ``ceil(log2 n)`` bits
with a domain constraint (code < n). Every name is evaluated symbolically into a **guarded
value**: a mapping from each value it can take to the BDD of the cases where it takes it (an
outcome's mapping is its one BDD per value). The guarded values are computed with the exact
interpreter applied to each combination of values (so ``null``, Kleene logic, errors and the
functions are the interpreter's own); only ``and`` / ``or`` / ``if`` and the fact and outcome
rules are lazy, as the interpreter is.

Relevance of q to outcome o, for each value v of o: with A the cases consistent with the answers,
(exists q. A and o=v) and (exists q. A and o!=v) is satisfiable. Exact on the outcomes whose cone
has no opaque variable (used in arithmetic across facts); a query about any other outcome raises
:class:`Unsupported` (the selector passes it to the SMT engine). The
manager may hold at most ``node_cap`` nodes, and a guarded value at most ``MAX_VALUES`` values:
beyond them :class:`TooLarge`, which the selector catches (the SMT engine takes over).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from dd import autoref
from dd import bdd as dd_bdd

from ..evaluate import EvalError, _binary, _call, as_date
from ..expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from ..model import Fact, Formula, Outcome
from ..rows import class_of
from .base import Implied, Reasoner, TooLarge, Unsupported, Verdict, condition, freeze

#: default most nodes the BDD manager may hold
NODE_CAP = 200_000
#: most distinct values one guarded value may take
MAX_VALUES = 2_000
_ERRORS = (EvalError, TypeError, ArithmeticError, ValueError)


class _Error:
    """An interpreter error as a value (compared by message, as the enumeration compares them)."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Error) and other.message == self.message

    def __hash__(self) -> int:
        return hash(("error", self.message))


def _key(value: Any) -> Any:
    """A hashable key that tells apart values the interpreter tells apart (1, 1.5, True)."""
    frozen = freeze(value)
    return (type(frozen).__name__, repr(frozen)) if not isinstance(frozen, _Error) else ("error", frozen.message)


class _Manager(dd_bdd.BDD):
    """dd's manager without its check at finalisation. dd asserts there that no node is still
    referenced; when the garbage collector frees a reference cycle that holds the manager and
    nodes together (an engine held by an exception's traceback), it finalises them in any order
    and the check fails with nothing wrong. The nodes are Python objects: nothing leaks."""

    def __del__(self) -> None:
        pass


class _NoEnv:
    @staticmethod
    def get(name: str) -> Any:  # pragma: no cover - only literals are evaluated
        raise EvalError(name)


class BDD(Reasoner):
    """One BDD per outcome value (see the module docstring)."""

    name = "bdd"

    def __init__(self, process, mode: str = "anonymous", node_cap: int = NODE_CAP):
        super().__init__(process, mode)
        self.node_cap = node_cap
        self.bdd = autoref.BDD()
        self.bdd._bdd.__class__ = _Manager
        self.bits: list[list[str]] = []
        self.values: list[list[Any]] = []
        for v in range(len(self.domain.variables)):
            values = self.domain.values(v)
            width = max(0, math.ceil(math.log2(len(values)))) if values else 0
            names = [f"v{v}_{b}" for b in range(width)]
            if names:
                self.bdd.declare(*names)
            self.bits.append(names)
            self.values.append(values)
        self.true, self.false = self.bdd.true, self.bdd.false
        self.domain_bdd = self.true
        for v in range(len(self.domain.variables)):
            allowed = self.false
            for k in range(len(self.values[v])):
                allowed |= self.code(v, k)
            self.domain_bdd &= allowed
        self.memo: dict[tuple, dict] = {}
        self._exact = {o for o, cone in self.domain.outcome_cones().items() if self.domain.exact(cone)}
        if not self._exact and self.process.outcomes:
            raise Unsupported("every outcome reads numbers used in arithmetic across facts: answer classes "
                              "do not decide them")
        # build the exact outcomes' BDDs now, so the node cap shows before any query
        self.outcome_bdds = {o: self.name_of(o) for o in sorted(self._exact)}

    def sym(self, name: str) -> dict:
        """The guarded value of a fact or outcome whose cone is exact (else Unsupported)."""
        if name in self.process.outcomes and name not in self._exact or \
                name not in self.process.outcomes and not self.domain.exact(self.domain.cone(name)):
            raise Unsupported(f"'{name}' reads numbers used in arithmetic across facts: answer classes do "
                              "not decide it")
        return self.outcome_bdds[name] if name in self.outcome_bdds else self.name_of(name)

    # -- guarded values ----------------------------------------------------------------------

    def code(self, v: int, k: int) -> Any:
        node = self.true
        for b, name in enumerate(self.bits[v]):
            bit = self.bdd.var(name)
            node &= bit if (k >> b) & 1 else ~bit
        return node

    def _check_size(self) -> None:
        if len(self.bdd) > self.node_cap:
            raise TooLarge(f"the BDDs hold {len(self.bdd)} nodes (cap {self.node_cap})")

    def _add(self, out: dict, value: Any, guard: Any) -> None:
        if guard == self.false:
            return
        key = _key(value)
        if key in out:
            out[key] = (out[key][0], out[key][1] | guard)
        else:
            if len(out) >= MAX_VALUES:
                raise TooLarge(f"a rule takes more than {MAX_VALUES} values")
            out[key] = (value, guard)

    def const(self, value: Any) -> dict:
        return {_key(value): (value, self.true)}

    def apply(self, fn: Callable[..., Any], *args: dict) -> dict:
        """fn over every combination of the arguments' values (an error in fn is a value)."""
        out: dict = {}
        for combo in itertools.product(*(a.values() for a in args)):
            guard = self.true
            for _, g in combo:
                guard &= g
                if guard == self.false:
                    break
            if guard == self.false:
                continue
            values = [v for v, _ in combo]
            error = next((v for v in values if isinstance(v, _Error)), None)
            if error is not None:
                self._add(out, error, guard)
                continue
            try:
                result = fn(*values)
            except _ERRORS as exc:
                result = _Error(str(exc))
            self._add(out, result, guard)
        self._check_size()
        return out

    def branch(self, cond: dict, then: Callable[[], dict], other: Callable[[], dict] | None,
               none: Callable[[], dict] | None = None) -> dict:
        """Lazy choice on a condition: true -> then(), anything else but null and errors ->
        other(), null -> none() (null itself when not given); errors stay errors."""
        held = self.guard(cond, lambda v: v is True)
        nulls = self.guard(cond, lambda v: v is None)
        errors = {k: (v, g) for k, (v, g) in cond.items() if isinstance(v, _Error)}
        rest = self.true & ~held & ~nulls
        for _, g in errors.values():
            rest &= ~g
        out: dict = {}
        for _, (v, g) in errors.items():
            self._add(out, v, g)
        parts = [(held, then), (rest, other), (nulls, none if none is not None else (lambda: self.const(None)))]
        for guard, make in parts:
            if guard == self.false or make is None:
                continue
            for value, g in make().values():
                self._add(out, value, g & guard)
        return out

    def guard(self, sym: dict, test: Callable[[Any], bool]) -> Any:
        node = self.false
        for value, g in sym.values():
            if not isinstance(value, _Error) and test(value):
                node |= g
        return node

    # -- names and expressions ----------------------------------------------------------------

    def name_of(self, name: str, group: str | None = None, copy: int | None = None) -> dict:
        key = (name, group, copy)
        if key not in self.memo:
            self.memo[key] = self._name(name, group, copy)
        return self.memo[key]

    def _name(self, name: str, group: str | None, copy: int | None) -> dict:
        p = self.process
        if group is not None and name in p.groups[group].facts:
            return self.fact(p.groups[group].facts[name], group, copy)
        if name in p.facts:
            return self.fact(p.facts[name], None, None)
        if name in p.constants:
            return self.const(as_date(p.constants[name].value))
        if name in p.outcomes:
            return self.outcome(p.outcomes[name])
        if name in p.groups:
            return self.name_of(p.groups[name].count)
        raise Unsupported(f"unknown name '{name}'")

    def fact(self, fact: Fact, group: str | None, copy: int | None) -> dict:
        def own() -> dict:
            if fact.derive is not None:
                return self.formula(fact.derive, group, copy)
            v = self.domain.var(f"{group}[{copy}].{fact.name}" if group else fact.name)
            out: dict = {}
            for k, value in enumerate(self.values[v]):
                self._add(out, value, self.code(v, k))
            return out

        if fact.applies_if is None:
            return own()
        default = self.const(as_date(fact.default))
        return self.branch(self.formula(fact.applies_if, group, copy), own, lambda: default, lambda: default)

    def outcome(self, o: Outcome) -> dict:
        def body() -> dict:
            if o.kind == "when":
                return self.formula(o.when)
            if o.kind == "value":
                return self.formula(o.value)
            if o.kind == "items":
                parts = [self.apply(lambda v, n=item.name: (n,) if v is True else (), self.formula(item.when))
                         for item in o.items]
                return self.apply(lambda *chosen: tuple(sorted(n for c in chosen for n in c)), *parts) \
                    if parts else self.const(())
            return self._cases(list(o.cases))

        if o.applies_if is None:
            return body()
        return self.branch(self.formula(o.applies_if), body, lambda: self.const(None), lambda: self.const(None))

    def _cases(self, cases: list) -> dict:
        if not cases:
            return self.const(None)
        case, rest = cases[0], cases[1:]

        def result() -> dict:
            return self.formula(case.value) if case.value is not None else self.const(case.then)

        if case.when is None:
            return result()
        return self.branch(self.formula(case.when), result, lambda: self._cases(rest))

    def formula(self, formula: Formula | None, group: str | None = None, copy: int | None = None) -> dict:
        if formula is None or formula.tree is None:
            raise Unsupported("an expression that does not parse")
        return self.expr(formula.tree, group, copy)

    def expr(self, node: Expr, group: str | None, copy: int | None) -> dict:
        if isinstance(node, Literal):
            return self.const(node.value)
        if isinstance(node, Name):
            return self.name_of(node.name, group, copy)
        if isinstance(node, Unary):
            return self.apply(lambda v: None if v is None else ((not v) if node.op == "not" else -v),
                              self.expr(node.operand, group, copy))
        if isinstance(node, IfElse):
            return self.branch(self.expr(node.cond, group, copy), lambda: self.expr(node.then, group, copy),
                               lambda: self.expr(node.other, group, copy))
        if isinstance(node, ListOf):
            return self.apply(lambda *items: list(items), *(self.expr(i, group, copy) for i in node.items))
        if isinstance(node, Binary):
            return self.binary(node, group, copy)
        if isinstance(node, Call):
            return self.call(node, group, copy)
        raise Unsupported(type(node).__name__)  # pragma: no cover

    def binary(self, node: Binary, group: str | None, copy: int | None) -> dict:
        left = self.expr(node.left, group, copy)
        if node.op in ("and", "or"):
            stop = node.op == "or"  # true decides 'or', false decides 'and' (evaluated lazily)
            decided = {k: (v, g) for k, (v, g) in left.items() if v is stop or isinstance(v, _Error)}
            open_ = {k: (v, g) for k, (v, g) in left.items() if k not in decided}
            out = dict(decided)
            if open_:
                right = self.expr(node.right, group, copy)

                def combine(a: Any, b: Any) -> Any:
                    return _binary(Binary(0, 0, node.op, Literal(0, 0, a), Literal(0, 0, b)), _NoEnv)
                for value, g in self.apply(combine, open_, right).values():
                    self._add(out, value, g)
            return out
        right = self.expr(node.right, group, copy)
        null_literal = any(isinstance(n, Literal) and n.value is None for n in (node.left, node.right))

        def op(a: Any, b: Any) -> Any:
            if not null_literal and node.op not in ("in", "not in") and (a is None or b is None):
                return None
            return _binary(Binary(0, 0, node.op, Literal(0, 0, a), Literal(0, 0, b)), _NoEnv)
        return self.apply(op, left, right)

    def call(self, node: Call, group: str | None, copy: int | None) -> dict:
        f = node.func
        if f in ("count", "sum", "any", "all"):
            return self.group_call(node)
        args = [self.expr(a, group, copy) for a in node.args]
        return self.apply(lambda *vs: _call(Call(0, 0, f, tuple(Literal(0, 0, v) for v in vs)), _NoEnv), *args)

    def group_call(self, node: Call) -> dict:
        first = node.args[0]
        assert isinstance(first, Name)
        g = self.process.groups[first.name]
        count = self.name_of(g.count)
        if node.func == "count" and len(node.args) == 1:
            return count
        top = self.domain.builder._max_members(g.name)
        members = [self.expr(node.args[1], g.name, i) for i in range(1, top + 1)]
        f = node.func
        out: dict = {}
        for value, guard in list(count.values()):
            if isinstance(value, _Error) or value is None:
                self._add(out, value, guard)
                continue
            results = self.apply(lambda *rs: list(rs), *members[:int(value)]) if int(value) else self.const([])

            def reduce(rs: list) -> Any:
                if f == "sum":
                    return None if any(r is None for r in rs) else sum(rs)
                if f == "count":
                    return None if any(r is None for r in rs) else sum(1 for r in rs if r)
                if f == "any":
                    return True if any(r is True for r in rs) else (None if None in rs else False)
                return False if any(r is False for r in rs) else (None if None in rs else True)
            for result, g2 in self.apply(reduce, results).values():
                self._add(out, result, g2 & guard)
        return out

    # -- queries ------------------------------------------------------------------------------

    def _consistent(self, answers: dict[str, Any]) -> Any:
        node = self.domain_bdd
        for v, value in self.domain.check_answers(answers).items():
            k = class_of(self.domain.variables[v], value)
            positive = [i for i, c in enumerate(self.domain.variables[v].classes) if c.p > 0]
            if k is None or k not in positive:
                return self.false
            node &= self.code(v, positive.index(k))
        return node

    def _decode(self, assignment: dict[str, bool], vs: frozenset[int] | range) -> dict[str, Any]:
        out = {}
        for v in sorted(vs):
            k = sum(1 << b for b, name in enumerate(self.bits[v]) if assignment.get(name, False))
            out[self.domain.variables[v].id] = self.values[v][k] if k < len(self.values[v]) else None
        return out

    def _cube(self, assignment: dict[str, bool], names: list[str]) -> Any:
        node = self.true
        for name in names:
            bit = self.bdd.var(name)
            node &= bit if assignment.get(name, False) else ~bit
        return node

    def determined(self, answers: dict[str, Any]) -> Verdict:
        a = self._consistent(answers)
        for outcome in sorted(self.process.outcomes):
            cone = self.domain.cone(outcome)
            seen = [g & a for _, g in self.sym(outcome).values() if g & a != self.false]
            if len(seen) > 1:
                return self._verdict(False, tuple(self._decode(self.bdd.pick(g), cone) for g in seen[:2]))
        return self._verdict(True)

    def relevant(self, q: str, answers: dict[str, Any]) -> Verdict:
        v = self.domain.var(q)
        if v in self.domain.check_answers(answers):
            return self._verdict(False)
        if not self.domain.exact({v}):
            raise Unsupported(f"'{q}' is used in arithmetic across facts: answer classes do not decide it")
        a = self._consistent(answers)
        bits = self.bits[v]
        for outcome in sorted(self.process.outcomes):
            cone = self.domain.cone(outcome)
            if v not in cone or not bits:
                continue
            for _, g in sorted(self.sym(outcome).values(), key=lambda vg: repr(_key(vg[0]))):
                some = self.bdd.exist(bits, a & g)
                other = self.bdd.exist(bits, a & ~g)
                both = some & other
                if both != self.false:
                    rest = self.bdd.pick(both)
                    rest = {k: b for k, b in rest.items() if k not in bits}
                    cube = self._cube(rest, [n for w in sorted(cone) if w != v for n in self.bits[w]])
                    first = self._decode(self.bdd.pick(cube & a & g), cone)
                    second = self._decode(self.bdd.pick(cube & a & ~g), cone)
                    return self._verdict(True, (first, second))
        return self._verdict(False)

    def implied(self, name: str, answers: dict[str, Any]) -> Verdict:
        a = self._consistent(answers)
        if name in self.domain.index:
            v = self.domain.index[name]
            fixed = self.domain.check_answers(answers)
            if v in fixed:
                return self._verdict(Implied(fixed[v]))
            if not all(c.point for c in self.domain.variables[v].classes):
                return self._verdict(None)  # a range of numbers: never implied unless answered
            sym = {}
            for k, value in enumerate(self.values[v]):
                self._add(sym, value, self.code(v, k))
        else:
            sym = self.sym(name)
        seen = [value for value, g in sym.values() if g & a != self.false]
        if len(seen) != 1:
            return self._verdict(None)
        value = seen[0]
        return self._verdict(Implied(f"error: {value.message}" if isinstance(value, _Error) else freeze(value)))

    def _held(self, text: str) -> tuple[Any, frozenset[int]]:
        formula = condition(self.process, text)
        if not self.domain.exact(self.domain.condition_cone(formula)):
            raise Unsupported(f"the condition {text!r} reads numbers used in arithmetic across facts")
        return self.guard(self.formula(formula), lambda v: v is True), self.domain.condition_cone(formula)

    def always(self, text: str) -> Verdict:
        held, cone = self._held(text)
        bad = self.domain_bdd & ~held
        return self._verdict(bad == self.false, () if bad == self.false else (self._decode(self.bdd.pick(bad), cone),))

    def never(self, text: str) -> Verdict:
        held, cone = self._held(text)
        bad = self.domain_bdd & held
        return self._verdict(bad == self.false, () if bad == self.false else (self._decode(self.bdd.pick(bad), cone),))

    def overlaps(self, outcome: str) -> Verdict:
        o = self.process.outcomes[outcome]
        cone = self.domain.cone(outcome)
        self.sym(outcome)  # refuses an inexact outcome
        applies = self.guard(self.formula(o.applies_if), lambda v: v is True) if o.applies_if is not None else self.true
        branches = []
        for i, case in enumerate(o.cases, 1):
            if case.when is None:
                continue
            held = self.guard(self.formula(case.when), lambda v: v is True)
            result = self.formula(case.value) if case.value is not None else self.const(case.then)
            branches.append((i, held & applies & self.domain_bdd, result))
        found, witnesses = [], []
        for (i, hi, ri), (j, hj, rj) in itertools.combinations(branches, 2):
            both = hi & hj
            if both == self.false:
                continue
            differ = self.false
            for ka, (_, ga) in ri.items():
                for kb, (_, gb) in rj.items():
                    if ka != kb:
                        differ |= ga & gb
            hit = both & differ
            if hit != self.false:
                found.append((i, j))
                witnesses.append(self._decode(self.bdd.pick(hit), cone))
        return self._verdict(found, tuple(witnesses))

    def missing(self, outcome: str) -> Verdict:
        o = self.process.outcomes[outcome]
        if o.kind != "cases" or any(case.when is None for case in o.cases):
            return self._verdict(False)
        self.sym(outcome)  # refuses an inexact outcome
        node = self.domain_bdd
        if o.applies_if is not None:
            node &= self.guard(self.formula(o.applies_if), lambda v: v is True)
        for case in o.cases:
            node &= self.guard(self.formula(case.when), lambda v: v is False)
        cone = self.domain.cone(outcome)
        return self._verdict(node != self.false, () if node == self.false else (self._decode(self.bdd.pick(node), cone),))
