"""Interpret expressions and decide a process for one case.

:func:`value` interprets an AST over an environment. ``null`` (a fact that does not apply, or a
value not given) propagates: arithmetic and comparisons with null give null, and ``and`` / ``or``
/ ``not`` follow Kleene's three-valued logic (``false and null`` is ``false``, ``true or null`` is
``true``). This is the exact, row-by-row interpreter: the oracle for every faster engine.

:class:`Evaluation` decides every outcome of a process for one case (a mapping from input fact
names to values; a group takes a list of member mappings) and keeps a trace of the rules that
produced each value.

>>> from analyzer.expr import parse
>>> value(parse("if a > 2 then 'big' else 'small'"), MappingEnv({"a": 3}))
'big'
>>> value(parse("false and x > 1"), MappingEnv({"x": None})), value(parse("true and x > 1"), MappingEnv({"x": None}))
(False, None)
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from .expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from .model import Fact, Formula, Loc, Outcome, Process

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})


class EvalError(Exception):
    """A value cannot be computed (division by zero, a missing input, a bad date)."""


class Env(Protocol):
    def get(self, name: str) -> Any: ...
    def members(self, group: str) -> list[Env]: ...


@dataclass
class MappingEnv:
    """An environment from a plain mapping (groups as lists of mappings); for tests and examples."""

    values: dict[str, Any]

    def get(self, name: str) -> Any:
        if name not in self.values:
            raise EvalError(f"no value for '{name}'")
        return self.values[name]

    def members(self, group: str) -> list[Env]:
        return [MappingEnv({**self.values, **m}) for m in self.values.get(group, [])]


def as_date(v: Any) -> Any:
    if isinstance(v, str) and _DATE.match(v):
        return dt.date.fromisoformat(v)
    return v


def value(node: Expr, env: Env) -> Any:
    """The value of ``node`` in ``env`` (None stands for null)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return env.get(node.name)
    if isinstance(node, Unary):
        v = value(node.operand, env)
        if v is None:
            return None
        return (not v) if node.op == "not" else -v
    if isinstance(node, Binary):
        if node.op in _COMPARISONS:
            # the finite model abstracts some comparisons into yes/no atoms (analyzer.finite)
            atom = getattr(env, "atom", None)
            if atom is not None:
                known = atom(node)
                if known is not None:
                    return known
        return _binary(node, env)
    if isinstance(node, IfElse):
        cond = value(node.cond, env)
        if cond is None:
            return None
        return value(node.then if cond else node.other, env)
    if isinstance(node, ListOf):
        return [value(item, env) for item in node.items]
    if isinstance(node, Call):
        return _call(node, env)
    raise AssertionError(type(node))  # pragma: no cover


def _binary(node: Binary, env: Env) -> Any:
    op = node.op
    if op == "and":
        left = value(node.left, env)
        if left is False:
            return False
        right = value(node.right, env)
        if right is False:
            return False
        return None if left is None or right is None else True
    if op == "or":
        left = value(node.left, env)
        if left is True:
            return True
        right = value(node.right, env)
        if right is True:
            return True
        return None if left is None or right is None else False
    left, right = value(node.left, env), value(node.right, env)
    if op in ("in", "not in"):
        if left is None or right is None:
            return None
        found = left in right
        if not found and any(item is None for item in right):
            return None  # 'x in [a, null]' is 'x == a or x == null': unknown unless x == a
        return found if op == "in" else not found
    if op in ("==", "!="):
        if isinstance(node.left, Literal) and node.left.value is None or \
                isinstance(node.right, Literal) and node.right.value is None:
            same = left is right  # 'x == null' asks whether x is null
        elif left is None or right is None:
            return None
        else:
            same = left == right
        return same if op == "==" else not same
    if left is None or right is None:
        return None
    try:
        return _arithmetic(op, left, right)
    except OverflowError as exc:  # a date out of range, a float too large
        raise EvalError(f"'{op}': {exc}") from None


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "+":
        if isinstance(left, dt.date):
            return left + dt.timedelta(days=right)
        return left + right
    if op == "-":
        if isinstance(left, dt.date) and isinstance(right, dt.date):
            return (left - right).days
        if isinstance(left, dt.date):
            return left - dt.timedelta(days=right)
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        if right == 0:
            raise EvalError("division by zero")
        return left / right
    raise AssertionError(op)  # pragma: no cover


def round_half_away(x: float, digits: int = 0) -> float:
    """Round half away from zero, as amounts in Danish law are rounded (not banker's rounding)."""
    factor = 10 ** abs(digits)  # an int: 10 ** -400 as a float would be 0
    scaled = abs(x) * factor if digits >= 0 else abs(x) / factor
    rounded = math.floor(scaled + 0.5 + 1e-9)
    if not digits:
        return int(math.copysign(rounded, x))
    return math.copysign(rounded / factor if digits > 0 else rounded * factor, x)


def years_between(a: dt.date, b: dt.date) -> int:
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


def months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day)


def add_months(d: dt.date, n: int) -> dt.date:
    month = d.month - 1 + n
    year, month = d.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _call(node: Call, env: Env) -> Any:
    f = node.func
    if f in ("count", "sum", "any", "all"):
        group = node.args[0]
        assert isinstance(group, Name)
        members = env.members(group.name)
        if f == "count" and len(node.args) == 1:
            return len(members)
        results = [value(node.args[1], m) for m in members]
        if f == "sum":
            return None if any(r is None for r in results) else sum(results)
        if f == "count":
            return None if any(r is None for r in results) else sum(1 for r in results if r)
        if f == "any":
            return True if any(r is True for r in results) else (None if None in results else False)
        return False if any(r is False for r in results) else (None if None in results else True)
    args = [value(a, env) for a in node.args]
    if f == "date":
        try:
            return dt.date.fromisoformat(args[0])
        except (TypeError, ValueError):
            raise EvalError(f"date({args[0]!r}): not an ISO date") from None
    if any(a is None for a in args):
        return None
    try:
        return _function(f, args)
    except (ArithmeticError, ValueError) as exc:  # a date out of range, an infinite number
        raise EvalError(f"{f}(): {exc}") from None


def _function(f: str, args: list[Any]) -> Any:
    if f == "min":
        return min(args)
    if f == "max":
        return max(args)
    if f == "abs":
        return abs(args[0])
    if f == "round":
        return round_half_away(args[0], args[1] if len(args) > 1 else 0)
    if f == "floor":
        return math.floor(args[0])
    if f == "ceil":
        return math.ceil(args[0])
    if f == "years_between":
        return years_between(args[0], args[1])
    if f == "months_between":
        return months_between(args[0], args[1])
    if f == "days_between":
        return (args[1] - args[0]).days
    if f == "add_days":
        return args[0] + dt.timedelta(days=args[1])
    if f == "add_months":
        return add_months(args[0], args[1])
    if f == "add_years":
        return add_months(args[0], 12 * args[1])
    raise AssertionError(f)  # pragma: no cover


@dataclass(frozen=True)
class Step:
    """One rule that contributed to a value: what was decided, by which rule, where."""

    target: str
    rule: str
    loc: Loc
    result: Any


@dataclass
class Evaluation:
    """Decide the outcomes of ``process`` for one ``case``; values are computed on demand.

    ``case`` maps input fact names to values (ISO date strings are read as dates); a group takes
    a list of member mappings. An input that is needed but not given raises :class:`EvalError`.
    """

    process: Process
    case: dict[str, Any]
    group: str | None = None
    parent: Evaluation | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    trace: list[Step] = field(default_factory=list)
    #: branches taken, for coverage: ("applies_if", id, held), ("when", outcome, result),
    #: ("case", outcome, index or 0 for none), ("item", outcome, item, included)
    branches: set[tuple] = field(default_factory=set)
    _active: set[str] = field(default_factory=set)

    def outcomes(self) -> dict[str, Any]:
        return {name: self.get(name) for name in self.process.outcomes}

    def members(self, group: str) -> list[Evaluation]:
        if self.parent is not None:
            return self.parent.members(group)
        rows = self.case.get(group, [])
        if not isinstance(rows, list):
            raise EvalError(f"group '{group}' must be given as a list of members")
        return [Evaluation(self.process, row if isinstance(row, dict) else {}, group, self, trace=self.trace,
                           branches=self.branches) for row in rows]

    def get(self, name: str) -> Any:
        if name in self.cache:
            return self.cache[name]
        if name in self._active:
            raise EvalError(f"'{name}' depends on itself")
        self._active.add(name)
        try:
            result = self._compute(name)
        finally:
            self._active.discard(name)
        self.cache[name] = result
        return result

    def _compute(self, name: str) -> Any:
        process = self.process
        if self.group is not None and name in process.groups[self.group].facts:
            return self._fact(process.groups[self.group].facts[name])
        if self.parent is not None:
            return self.parent.get(name)
        if name in process.facts:
            return self._fact(process.facts[name])
        if name in process.constants:
            return as_date(process.constants[name].value)
        if name in process.outcomes:
            return self._outcome(process.outcomes[name])
        if name in process.groups:
            return len(self.members(name))
        raise EvalError(f"unknown name '{name}'")

    def formula(self, formula: Formula) -> Any:
        if formula.tree is None:
            raise EvalError(f"the expression '{formula.text}' does not parse")
        return value(formula.tree, self)

    def _fact(self, fact: Fact) -> Any:
        if fact.applies_if is not None:
            held = self.formula(fact.applies_if) is True
            self.branches.add(("applies_if", fact.key, held))
        if fact.applies_if is not None and not held:
            self.trace.append(Step(fact.name, f"applies_if {fact.applies_if.text} is not true", fact.loc, fact.default))
            return as_date(fact.default)
        if fact.derive is not None:
            result = self.formula(fact.derive)
            self.trace.append(Step(fact.name, f"derive: {fact.derive.text}", fact.loc, result))
            return result
        if fact.name not in self.case:
            group = self._group_of_count(fact.name)
            if group is not None and group in self.case:
                return len(self.members(group))
            where = f" of a member of '{self.group}'" if self.group else ""
            raise EvalError(f"the case gives no value for '{fact.name}'{where}")
        return as_date(self.case[fact.name])

    def _group_of_count(self, name: str) -> str | None:
        for group in self.process.groups.values():
            if group.count == name:
                return group.name
        return None

    def _outcome(self, outcome: Outcome) -> Any:
        if outcome.applies_if is not None:
            held = self.formula(outcome.applies_if) is True
            self.branches.add(("applies_if", outcome.name, held))
        if outcome.applies_if is not None and not held:
            self.trace.append(Step(outcome.name, f"applies_if {outcome.applies_if.text} is not true", outcome.loc, None))
            return None
        if outcome.kind == "when":
            assert outcome.when is not None
            result = self.formula(outcome.when)
            self.trace.append(Step(outcome.name, f"when: {outcome.when.text}", outcome.loc, result))
            self.branches.add(("when", outcome.name, result))
            return result
        if outcome.kind == "value":
            assert outcome.value is not None
            result = self.formula(outcome.value)
            self.trace.append(Step(outcome.name, f"value: {outcome.value.text}", outcome.loc, result))
            return result
        if outcome.kind == "items":
            chosen = [item.name for item in outcome.items if self.formula(item.when) is True]
            self.branches.update(("item", outcome.name, item.name, item.name in chosen) for item in outcome.items)
            for item in outcome.items:
                if item.name in chosen:
                    self.trace.append(Step(outcome.name, f"item {item.name}: {item.when.text}", item.loc, True))
            return sorted(chosen)
        for index, case in enumerate(outcome.cases, 1):
            if case.when is not None:
                cond = self.formula(case.when)
                if cond is None:
                    self.trace.append(Step(outcome.name, f"case {index}: {case.when.text} is unknown", case.loc, None))
                    return None
                if not cond:
                    continue
            result = self.formula(case.value) if case.value is not None else case.then
            label = f"case {index}: {case.when.text}" if case.when is not None else f"case {index}: else"
            self.trace.append(Step(outcome.name, label, case.loc, result))
            self.branches.add(("case", outcome.name, index))
            return result
        self.trace.append(Step(outcome.name, "no case matches", outcome.loc, None))
        self.branches.add(("case", outcome.name, 0))
        return None
