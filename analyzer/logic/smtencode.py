"""The SMT encoding of a process (z3): every name and expression as a :class:`Term`.

Every value is a pair (defined, value), so ``null`` propagates as in :mod:`analyzer.evaluate`:
``and`` / ``or`` / ``not`` are Kleene's, a fact that does not apply takes its default, an
outcome whose ``applies_if`` does not hold is null, and ``cases`` take the first branch that
holds. Sorts: a bool is a ``Bool``, an int an ``Int``, a number or an amount a ``Real``, a
choice or a text an ``Int`` code (equality only), a date an ``Int`` day number. Used by
:mod:`analyzer.logic.smt`; constructs it cannot encode raise :class:`Unsupported`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from ..evaluate import as_date
from ..expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from ..model import Fact, Formula, Outcome, Process
from .base import Domain, Unsupported


@dataclass(frozen=True)
class Term:
    """An encoded value: ``defined`` is false where the interpreter gives null."""

    defined: Any
    value: Any
    #: "bool", "num", "str" (an Int code), "date" (an Int day), "list", "set" (items), "null"
    kind: str


FALSE = z3.BoolVal(False)
TRUE = z3.BoolVal(True)
NULL = Term(FALSE, None, "null")


def real(x: Any) -> Any:
    return z3.ToReal(x) if z3.is_int(x) else x


def number(v: int | float) -> Any:
    if isinstance(v, int):
        return z3.IntVal(v)
    return z3.RealVal(Fraction(repr(v)))  # 0.18 as 18/100, not the nearest double


class Encoder:
    """Encodes names and expressions of one process over its variables (memoised)."""

    def __init__(self, process: Process, domain: Domain):
        self.domain = domain
        self.process = process
        self.codes: dict[str, int] = {}
        self.consts: dict[int, Any] = {}
        self.memo: dict[tuple, Term] = {}

    # -- values -------------------------------------------------------------------------------

    def code(self, text: str) -> int:
        return self.codes.setdefault(text, len(self.codes))

    def kind_of(self, fact: Fact) -> str:
        if fact.type == "bool":
            return "bool"
        if fact.type in ("choice", "text"):
            return "str"
        if fact.type == "date":
            return "date"
        return "num"

    def const(self, v: int) -> Any:
        if v not in self.consts:
            var = self.domain.variables[v]
            kind = self.kind_of(var.fact)
            name = var.id
            if kind == "bool":
                self.consts[v] = z3.Bool(name)
            elif kind == "num" and var.fact.type != "int":
                self.consts[v] = z3.Real(name)
            else:
                self.consts[v] = z3.Int(name)
        return self.consts[v]

    def literal(self, value: Any, like: str | None = None) -> Term:
        value = as_date(value)
        if value is None:
            return NULL
        if isinstance(value, bool):
            return Term(TRUE, z3.BoolVal(value), "bool")
        if isinstance(value, (int, float)):
            return Term(TRUE, number(value), "num")
        if isinstance(value, dt.date):
            return Term(TRUE, z3.IntVal(value.toordinal()), "date")
        if isinstance(value, str):
            return Term(TRUE, z3.IntVal(self.code(value)), "str")
        if isinstance(value, list):
            return Term(TRUE, [self.literal(x) for x in value], "list")
        raise Unsupported(f"the value {value!r}")

    def z3_value(self, v: int, value: Any) -> Any:
        """An answer as a z3 value of variable v's sort."""
        term = self.literal(value)
        if term.kind == "null" or term.kind == "list":
            raise ValueError(f"'{self.domain.variables[v].id}': {value!r} is not an answer")
        return term.value

    def domain_of(self, v: int, x: Any) -> Any:
        """The constraint that x is a value variable v's declared domain allows."""
        var = self.domain.variables[v]
        fact = var.fact
        classes = var.classes
        if all(c.point for c in classes) and fact.type != "text":
            return z3.Or([x == self.literal(c.rep).value for c in classes if c.p > 0])
        parts = []
        if fact.type in ("int", "number", "money", "date"):
            for bound, op in ((fact.min, "ge"), (fact.max, "le")):
                if bound is not None:
                    b = self.literal(bound).value
                    parts.append(x >= b if op == "ge" else x <= b)
            for c in classes:
                if c.p <= 0:
                    inside = []
                    if c.lo is not None:
                        inside.append(x >= self.literal(c.lo).value)
                    if c.hi is not None:
                        inside.append(x < self.literal(c.hi).value)
                    parts.append(z3.Not(z3.And(inside)) if inside else FALSE)
        return z3.And(parts) if parts else TRUE

    # -- names --------------------------------------------------------------------------------

    def name(self, name: str, group: str | None = None, copy: int | None = None) -> Term:
        key = (name, group, copy)
        if key not in self.memo:
            self.memo[key] = self._name(name, group, copy)
        return self.memo[key]

    def _name(self, name: str, group: str | None, copy: int | None) -> Term:
        p = self.process
        if group is not None and name in p.groups[group].facts:
            return self.fact(p.groups[group].facts[name], group, copy)
        if name in p.facts:
            return self.fact(p.facts[name], None, None)
        if name in p.constants:
            return self.literal(p.constants[name].value)
        if name in p.outcomes:
            return self.outcome(p.outcomes[name])
        if name in p.groups:
            return self.name(p.groups[name].count)
        raise Unsupported(f"unknown name '{name}'")

    def fact(self, fact: Fact, group: str | None, copy: int | None) -> Term:
        if fact.derive is not None:
            own = self.formula(fact.derive, group, copy)
        else:
            var_id = f"{group}[{copy}].{fact.name}" if group else fact.name
            v = self.domain.var(var_id)
            own = Term(TRUE, self.const(v), self.kind_of(fact))
        if fact.applies_if is None:
            return own
        held = self.truth(self.formula(fact.applies_if, group, copy))
        return self.ite(held, own, self.literal(fact.default))

    def outcome(self, o: Outcome) -> Term:
        if o.kind == "when":
            result = self.formula(o.when)
        elif o.kind == "value":
            result = self.formula(o.value)
        elif o.kind == "items":
            result = Term(TRUE, [self.truth(self.formula(i.when)) for i in o.items], "set")
        else:
            result = NULL
            for case in reversed(o.cases):
                branch = self.formula(case.value) if case.value is not None else self.literal(case.then)
                if case.when is None:
                    result = branch
                    continue
                cond = self.formula(case.when)
                result = self.ite(cond.value, branch, result, defined=cond.defined)
        if o.applies_if is None:
            return result
        return self.ite(self.truth(self.formula(o.applies_if)), result, NULL)

    # -- expressions --------------------------------------------------------------------------

    def formula(self, formula: Formula | None, group: str | None = None, copy: int | None = None) -> Term:
        if formula is None or formula.tree is None:
            raise Unsupported("an expression that does not parse")
        return self.expr(formula.tree, group, copy)

    @staticmethod
    def truth(t: Term) -> Any:
        """'is true' (null and false are not)."""
        return z3.And(t.defined, t.value) if t.kind == "bool" else FALSE

    def ite(self, cond: Any, a: Term, b: Term, defined: Any = None) -> Term:
        """If cond then a else b (null when ``defined`` is false)."""
        if a.kind == "null" and b.kind == "null":
            return NULL
        kind = a.kind if a.kind != "null" else b.kind
        if a.kind != "null" and b.kind != "null" and a.kind != b.kind:
            raise Unsupported(f"branches give a {a.kind} and a {b.kind}")
        av, bv = self.like(a, kind), self.like(b, kind)
        d = z3.If(cond, a.defined, b.defined)
        if defined is not None:
            d = z3.And(defined, d)
        if kind == "set":
            size = len(av if av is not None else bv)
            av, bv = av if av is not None else [FALSE] * size, bv if bv is not None else [FALSE] * size
            return Term(d, [z3.If(cond, x, y) for x, y in zip(av, bv)], kind)
        if kind == "list":
            raise Unsupported("a list chosen by a condition")
        if kind == "num" and (z3.is_real(av) or z3.is_real(bv)):
            av, bv = real(av), real(bv)
        return Term(d, z3.If(cond, av, bv), kind)

    @staticmethod
    def like(t: Term, kind: str) -> Any:
        """t's value, or a placeholder of ``kind`` for null (never read: its defined is false)."""
        if t.kind != "null":
            return t.value
        return {"bool": FALSE, "num": z3.IntVal(0), "str": z3.IntVal(-1), "date": z3.IntVal(0)}.get(kind, None)

    def expr(self, node: Expr, group: str | None, copy: int | None) -> Term:
        if isinstance(node, Literal):
            return self.literal(node.value)
        if isinstance(node, Name):
            return self.name(node.name, group, copy)
        if isinstance(node, Unary):
            t = self.expr(node.operand, group, copy)
            if t.kind == "null":
                return t
            if node.op == "not":
                return Term(t.defined, z3.Not(t.value) if t.kind == "bool" else FALSE, "bool")
            return Term(t.defined, -t.value, t.kind)
        if isinstance(node, IfElse):
            cond = self.expr(node.cond, group, copy)
            if cond.kind == "null":
                return NULL
            return self.ite(cond.value, self.expr(node.then, group, copy), self.expr(node.other, group, copy),
                            defined=cond.defined)
        if isinstance(node, ListOf):
            return Term(TRUE, [self.expr(i, group, copy) for i in node.items], "list")
        if isinstance(node, Binary):
            return self.binary(node, group, copy)
        if isinstance(node, Call):
            return self.call(node, group, copy)
        raise Unsupported(type(node).__name__)  # pragma: no cover

    def binary(self, node: Binary, group: str | None, copy: int | None) -> Term:
        op = node.op
        a, b = self.expr(node.left, group, copy), self.expr(node.right, group, copy)
        if op in ("and", "or"):
            ta, tb = self.truth(a), self.truth(b)
            fa = z3.And(a.defined, z3.Not(a.value)) if a.kind == "bool" else FALSE
            fb = z3.And(b.defined, z3.Not(b.value)) if b.kind == "bool" else FALSE
            if op == "and":
                return Term(z3.Or(z3.And(ta, tb), fa, fb), z3.And(ta, tb), "bool")
            return Term(z3.Or(ta, tb, z3.And(fa, fb)), z3.Or(ta, tb), "bool")
        if op in ("in", "not in"):
            if b.kind != "list":
                raise Unsupported("'in' over something other than a list")
            hits = [z3.And(i.defined, self._eq(a, i)) for i in b.value if i.kind != "null"]
            found = z3.Or(hits) if hits else FALSE
            some_null = z3.Or([z3.Not(i.defined) for i in b.value]) if b.value else FALSE
            defined = z3.And(a.defined, z3.Or(found, z3.Not(some_null)))
            return Term(defined, found if op == "in" else z3.Not(found), "bool")
        if op in ("==", "!="):
            null_literal = any(isinstance(n, Literal) and n.value is None for n in (node.left, node.right))
            if null_literal:
                other = b if isinstance(node.left, Literal) and node.left.value is None else a
                same = z3.Not(other.defined) if not (isinstance(node.left, Literal) and node.left.value is None
                                                     and isinstance(node.right, Literal)
                                                     and node.right.value is None) else TRUE
                return Term(TRUE, same if op == "==" else z3.Not(same), "bool")
            same = self._eq(a, b)
            return Term(z3.And(a.defined, b.defined), same if op == "==" else z3.Not(same), "bool")
        if a.kind == "null" or b.kind == "null":
            return NULL
        defined = z3.And(a.defined, b.defined)
        if a.kind not in ("num", "date") or b.kind not in ("num", "date"):
            raise Unsupported(f"'{op}' over {a.kind} and {b.kind}")
        x, y = a.value, b.value
        if op in ("<", "<=", ">", ">="):
            return Term(defined, {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op], "bool")
        kind = "date" if (a.kind == "date") != (b.kind == "date") else "num"
        if op == "+":
            return Term(defined, x + y, kind)
        if op == "-":
            return Term(defined, x - y, "num" if a.kind == b.kind else kind)
        if op == "*":
            return Term(defined, x * y, "num")
        if op == "/":
            return Term(defined, real(x) / real(y), "num")
        raise Unsupported(f"operator '{op}'")  # pragma: no cover

    def _eq(self, a: Term, b: Term) -> Any:
        if a.kind == "null" or b.kind == "null":
            return FALSE
        if a.kind != b.kind:
            return FALSE  # 'a' == 1 is false to the interpreter too
        if a.kind in ("list", "set"):
            raise Unsupported("comparing lists")
        return a.value == b.value

    def call(self, node: Call, group: str | None, copy: int | None) -> Term:
        f = node.func
        if f in ("count", "sum", "any", "all"):
            return self.group_call(node, group, copy)
        if f == "date":
            first = node.args[0]
            if isinstance(first, Literal) and isinstance(first.value, str):
                return self.literal(as_date(first.value))
            raise Unsupported("date() of a computed text")
        args = [self.expr(a, group, copy) for a in node.args]
        if any(a.kind == "null" for a in args):
            return NULL
        if any(a.kind not in ("num", "date") for a in args):
            raise Unsupported(f"{f}() of a {'/'.join(sorted({a.kind for a in args}))}")
        defined = z3.And([a.defined for a in args])
        xs = [a.value for a in args]
        if any(z3.is_real(x) for x in xs):
            xs = [real(x) for x in xs]
        kind = args[0].kind
        if f in ("min", "max"):
            result = xs[0]
            for x in xs[1:]:
                result = z3.If(x < result if f == "min" else x > result, x, result)
            return Term(defined, result, kind)
        x = xs[0]
        if f == "abs":
            return Term(defined, z3.If(x >= 0, x, -x), kind)
        if f == "floor":
            return Term(defined, z3.ToInt(real(x)), kind)
        if f == "ceil":
            return Term(defined, -z3.ToInt(-real(x)), kind)
        if f == "round":
            digits = 0
            if len(node.args) > 1:
                if not (isinstance(node.args[1], Literal) and isinstance(node.args[1].value, int)):
                    raise Unsupported("round() to a computed number of digits")
                digits = node.args[1].value
            scale = z3.RealVal(Fraction(10) ** digits)
            scaled = real(x) * scale
            rounded = z3.If(scaled >= 0, z3.ToInt(scaled + z3.RealVal("1/2")),
                            -z3.ToInt(-scaled + z3.RealVal("1/2")))
            return Term(defined, rounded if digits == 0 else z3.ToReal(rounded) / scale, kind)
        raise Unsupported(f"{f}()")

    def group_call(self, node: Call, group: str | None, copy: int | None) -> Term:
        f = node.func
        first = node.args[0]
        assert isinstance(first, Name)
        g = self.process.groups[first.name]
        count = self.name(g.count)
        if f == "count" and len(node.args) == 1:
            return count
        top = self.domain.builder._max_members(g.name)
        exists = [z3.And(count.defined, count.value >= i) for i in range(1, top + 1)]
        results = [self.expr(node.args[1], g.name, i) for i in range(1, top + 1)]
        if f in ("sum", "count"):
            if f == "sum" and any(r.kind not in ("num", "null") for r in results):
                raise Unsupported("sum() of something other than numbers")
            defined = z3.And([count.defined] + [z3.Implies(e, r.defined) for e, r in zip(exists, results)])
            if f == "sum":
                terms = [z3.If(e, real(r.value) if r.kind == "num" else z3.RealVal(0), z3.RealVal(0))
                         for e, r in zip(exists, results)]
            else:
                terms = [z3.If(z3.And(e, self.truth(r)), z3.IntVal(1), z3.IntVal(0)) for e, r in zip(exists, results)]
            return Term(defined, z3.Sum(terms) if terms else z3.IntVal(0), "num")
        want = f == "any"  # any: a true member decides; all: a false member decides
        decides = [z3.And(e, r.defined, r.value if want else z3.Not(r.value)) if r.kind == "bool" else FALSE
                   for e, r in zip(exists, results)]
        nulls = [z3.And(e, z3.Not(r.defined)) for e, r in zip(exists, results)]
        hit = z3.Or(decides) if decides else FALSE
        defined = z3.And(count.defined, z3.Or(hit, z3.Not(z3.Or(nulls) if nulls else FALSE)))
        return Term(defined, hit if want else z3.Not(hit), "bool")


def rational(value: Any) -> int | float:
    """A z3 number as Python's: an int when whole; an irrational model value (nonlinear
    arithmetic) rounded to 20 decimals, so such a witness is close, not exact."""
    if z3.is_int_value(value):
        return value.as_long()
    if z3.is_algebraic_value(value):
        value = value.approx(20)
    q = value.as_fraction()
    return int(q) if q.denominator == 1 else float(q)


def differ(a: Term, b: Term) -> Any:
    """The two encodings give different values (null differs from every value)."""
    if a.kind == "set":
        return z3.Or(a.defined != b.defined,
                     z3.And(a.defined, b.defined, z3.Or([x != y for x, y in zip(a.value, b.value)] or [FALSE])))
    if a.kind == "null":
        return FALSE
    return z3.Or(a.defined != b.defined, z3.And(a.defined, b.defined, a.value != b.value))


def subst(t: Term, pairs: list[tuple[Any, Any]]) -> Term:
    if not pairs or t.kind == "null":
        return t
    value = [z3.substitute(x, *pairs) for x in t.value] if t.kind == "set" else z3.substitute(t.value, *pairs)
    return Term(z3.substitute(t.defined, *pairs), value, t.kind)
