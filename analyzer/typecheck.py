"""Static types of expressions, checked when a rule file is loaded.

Types: ``bool``, ``int``, ``number`` (money is a number), ``date``, ``text``, ``choice`` (with
its values), ``set`` (with its items; the result of an ``items`` outcome), ``list`` (a list
literal), ``null`` and ``any`` (unknown after an earlier error, which silences follow-on errors).

>>> scope = Scope({"alder": Type("int"), "lejer": Type("bool")}, {})
>>> issues = []
>>> check(parse("alder >= 67 and lejer"), scope, issues), issues
(Type(kind='bool', values=frozenset()), [])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .diagnostics import did_you_mean
from .expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary, parse  # noqa: F401 (parse: doctest)

NUMERIC = ("int", "number")


@dataclass(frozen=True)
class Type:
    kind: str
    #: the values of a choice, or the items of a set
    values: frozenset[str] = frozenset()

    def __str__(self) -> str:
        if self.kind in ("choice", "set") and self.values:
            shown = ", ".join(sorted(self.values)[:6])
            return f"{self.kind} of {shown}{', ...' if len(self.values) > 6 else ''}"
        return self.kind


ANY = Type("any")
BOOL = Type("bool")
INT = Type("int")
NUMBER = Type("number")
DATE = Type("date")
TEXT = Type("text")
NULL = Type("null")


def fact_type(type_name: str, choices: tuple[str, ...] = ()) -> Type:
    if type_name == "money":
        return NUMBER
    if type_name == "choice":
        return Type("choice", frozenset(choices))
    return Type(type_name) if type_name else ANY


@dataclass
class Scope:
    """Names visible to an expression: name -> type, and groups: name -> the members' scope."""

    names: dict[str, Type]
    groups: dict[str, Scope]
    #: where a name is defined, for messages ("fact", "constant", "outcome")
    kinds: dict[str, str] = field(default_factory=dict)

    def candidates(self) -> list[str]:
        return sorted(set(self.names) | set(self.groups))


@dataclass(frozen=True)
class Issue:
    start: int
    end: int
    code: str
    message: str
    hint: str = ""


#: function name -> (minimum, maximum) number of arguments; None = any number
FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "min": (1, None, "min(a, b, ...): the smallest number or date"),
    "max": (1, None, "max(a, b, ...): the largest number or date"),
    "abs": (1, 1, "abs(x): the absolute value"),
    "round": (1, 2, "round(x) or round(x, digits): rounded half away from zero"),
    "floor": (1, 1, "floor(x): rounded down to a whole number"),
    "ceil": (1, 1, "ceil(x): rounded up to a whole number"),
    "date": (1, 1, "date('2026-01-01'): a date"),
    "years_between": (2, 2, "years_between(from, to): whole years from one date to another (an age)"),
    "months_between": (2, 2, "months_between(from, to): whole months"),
    "days_between": (2, 2, "days_between(from, to): days"),
    "add_days": (2, 2, "add_days(date, n)"),
    "add_months": (2, 2, "add_months(date, n)"),
    "add_years": (2, 2, "add_years(date, n)"),
    "count": (1, 2, "count(group) or count(group, condition): members (that meet the condition)"),
    "sum": (2, 2, "sum(group, expression): the sum over the members"),
    "any": (2, 2, "any(group, condition): whether some member meets the condition"),
    "all": (2, 2, "all(group, condition): whether every member meets the condition"),
}
GROUP_FUNCTIONS = ("count", "sum", "any", "all")


def check(node: Expr, scope: Scope, issues: list[Issue]) -> Type:
    """The type of ``node``; appends an :class:`Issue` for each problem found."""
    return _Checker(scope, issues).visit(node)


def compatible(a: Type, b: Type) -> bool:
    """Whether values of types ``a`` and ``b`` can be compared for equality."""
    if "any" in (a.kind, b.kind) or "null" in (a.kind, b.kind):
        return True
    if a.kind in NUMERIC and b.kind in NUMERIC:
        return True
    text_like = ("text", "choice")
    if a.kind in text_like and b.kind in text_like:
        return True
    return a.kind == b.kind


def join(a: Type, b: Type) -> Type | None:
    """The common type of two branches, or None when they do not fit together."""
    if a.kind == "any" or b.kind == "null":
        return a if a.kind != "any" else b
    if b.kind == "any" or a.kind == "null":
        return b if b.kind != "any" else a
    if a.kind in NUMERIC and b.kind in NUMERIC:
        return INT if a.kind == b.kind == "int" else NUMBER
    if a.kind == b.kind:
        return Type(a.kind, a.values | b.values)
    if {a.kind, b.kind} == {"choice", "text"}:
        return TEXT
    return None


class _Checker:
    def __init__(self, scope: Scope, issues: list[Issue]):
        self.scope = scope
        self.issues = issues

    def issue(self, node: Expr, code: str, message: str, hint: str = "") -> Type:
        self.issues.append(Issue(node.start, node.end, code, message, hint))
        return ANY

    def expect(self, node: Expr, kinds: tuple[str, ...], what: str) -> Type:
        t = self.visit(node)
        if t.kind not in kinds and t.kind not in ("any", "null"):
            self.issue(node, "type-mismatch", f"{what} must be {' or '.join(kinds)}, but this is {t}")
        return t

    def visit(self, node: Expr) -> Type:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Literal(self, node: Literal) -> Type:
        value = node.value
        if value is None:
            return NULL
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int):
            return INT
        if isinstance(value, float):
            return NUMBER
        return TEXT

    def visit_Name(self, node: Name) -> Type:
        if node.name in self.scope.names:
            return self.scope.names[node.name]
        if node.name in self.scope.groups:
            return self.issue(node, "type-mismatch", f"'{node.name}' is a group; use it in count(), sum(), any() or all()",
                              f"for example count({node.name})")
        hint = did_you_mean(node.name, self.scope.candidates())
        return self.issue(node, "unknown-reference", f"unknown name '{node.name}'",
                          hint or "define it under facts, constants or outcomes")

    def visit_Unary(self, node: Unary) -> Type:
        if node.op == "not":
            self.expect(node.operand, ("bool",), "the operand of 'not'")
            return BOOL
        t = self.expect(node.operand, NUMERIC, "the operand of unary '-'")
        return t if t.kind in NUMERIC else NUMBER

    def visit_ListOf(self, node: ListOf) -> Type:
        result = ANY
        for item in node.items:
            t = self.visit(item)
            joined = join(result, t)
            if joined is None:
                return self.issue(item, "type-mismatch", f"a list mixes {result} and {t}")
            result = joined
        return Type("list", frozenset({result.kind}))

    def visit_IfElse(self, node: IfElse) -> Type:
        self.expect(node.cond, ("bool",), "the condition of 'if'")
        a, b = self.visit(node.then), self.visit(node.other)
        joined = join(a, b)
        if joined is None:
            return self.issue(node, "type-mismatch", f"'then' gives {a} but 'else' gives {b}")
        return joined

    def visit_Binary(self, node: Binary) -> Type:
        op = node.op
        if op in ("and", "or"):
            self.expect(node.left, ("bool",), f"the left side of '{op}'")
            self.expect(node.right, ("bool",), f"the right side of '{op}'")
            return BOOL
        if op in ("in", "not in"):
            return self._membership(node)
        left, right = self.visit(node.left), self.visit(node.right)
        if "any" in (left.kind, right.kind):
            return BOOL if op in ("==", "!=", "<", "<=", ">", ">=") else ANY
        if op in ("==", "!="):
            if not compatible(left, right):
                return self.issue(node, "type-mismatch", f"cannot compare {left} with {right} using '{op}'")
            self._choice_literal(left, node.right)
            self._choice_literal(right, node.left)
            return BOOL
        if op in ("<", "<=", ">", ">="):
            if (left.kind in NUMERIC and right.kind in NUMERIC) or left.kind == right.kind == "date":
                return BOOL
            return self.issue(node, "type-mismatch", f"'{op}' compares numbers or dates, not {left} and {right}")
        if op in ("+", "-"):
            if left.kind in NUMERIC and right.kind in NUMERIC:
                return INT if left.kind == right.kind == "int" else NUMBER
            if left.kind == "date" and right.kind == "int":
                return DATE
            if op == "-" and left.kind == right.kind == "date":
                return INT
            hint = "add days with add_days(date, n); count days with days_between(a, b)" if "date" in (
                left.kind, right.kind) else ""
            return self.issue(node, "type-mismatch", f"cannot apply '{op}' to {left} and {right}", hint)
        if op in ("*", "/"):
            if left.kind in NUMERIC and right.kind in NUMERIC:
                return INT if op == "*" and left.kind == right.kind == "int" else NUMBER
            return self.issue(node, "type-mismatch", f"'{op}' needs numbers, not {left} and {right}")
        raise AssertionError(op)  # pragma: no cover - the parser makes no other operator

    def _membership(self, node: Binary) -> Type:
        left = self.visit(node.left)
        if isinstance(node.right, ListOf):
            right = self.visit(node.right)
            for item in node.right.items:
                item_type = self.visit(item)
                if not compatible(left, item_type):
                    self.issue(item, "type-mismatch", f"'{node.op}' compares {left} with {item_type}")
                self._choice_literal(left, item)
            del right
            return BOOL
        right = self.visit(node.right)
        if right.kind == "set":
            if left.kind not in ("text", "any", "choice"):
                self.issue(node.left, "type-mismatch", f"the items of a set are text, not {left}")
            elif isinstance(node.left, Literal) and right.values and node.left.value not in right.values:
                hint = did_you_mean(str(node.left.value), right.values) or "items: " + ", ".join(sorted(right.values))
                self.issue(node.left, "unknown-choice", f"'{node.left.value}' is not an item of this set", hint)
            return BOOL
        if right.kind == "any":
            return BOOL
        return self.issue(node.right, "type-mismatch", f"'{node.op}' needs a list [a, b] or a set, not {right}")

    def _choice_literal(self, choice: Type, other: Expr) -> None:
        """A choice compared with a text literal: the literal must be one of the choice's values."""
        if choice.kind == "choice" and isinstance(other, Literal) and isinstance(other.value, str):
            if choice.values and other.value not in choice.values:
                hint = did_you_mean(other.value, choice.values) or "choices: " + ", ".join(sorted(choice.values))
                self.issue(other, "unknown-choice", f"'{other.value}' is not one of the choices", hint)

    def visit_Call(self, node: Call) -> Type:
        spec = FUNCTIONS.get(node.func)
        if spec is None:
            hint = did_you_mean(node.func, FUNCTIONS) or "functions: " + ", ".join(sorted(FUNCTIONS))
            for arg in node.args:
                self.visit(arg)
            return self.issue(Name(node.start, node.start + len(node.func), node.func), "unknown-reference",
                              f"unknown function '{node.func}'", hint)
        low, high, usage = spec
        if len(node.args) < low or (high is not None and len(node.args) > high):
            return self.issue(node, "type-mismatch", f"{node.func}() takes {_arity(low, high)}, got {len(node.args)}",
                              f"usage: {usage}")
        if node.func in GROUP_FUNCTIONS:
            return self._group_call(node, usage)
        if node.func in ("min", "max"):
            result, ok = ANY, True
            for arg in node.args:
                t = self.expect(arg, NUMERIC + ("date",), f"an argument of {node.func}()")
                if t.kind not in NUMERIC + ("date", "null", "any"):
                    ok = False  # reported by expect()
                    continue
                joined = join(result, t)
                if joined is None:
                    self.issue(arg, "type-mismatch", f"{node.func}() mixes {result} and {t}",
                               "compare numbers with numbers, dates with dates")
                    ok = False
                    continue
                result = joined
            return result if ok else ANY
        if node.func == "abs":
            t = self.expect(node.args[0], NUMERIC, "the argument of abs()")
            return t if t.kind in NUMERIC else NUMBER
        if node.func in ("round", "floor", "ceil"):
            self.expect(node.args[0], NUMERIC, f"the argument of {node.func}()")
            if len(node.args) == 2:
                self.expect(node.args[1], ("int",), "the number of digits")
                return NUMBER
            return INT
        if node.func == "date":
            arg = node.args[0]
            if not (isinstance(arg, Literal) and isinstance(arg.value, str)):
                return self.issue(arg, "type-mismatch", "date() takes a quoted ISO date", "date('2026-01-01')")
            try:
                dt.date.fromisoformat(arg.value)
            except ValueError:
                return self.issue(arg, "type-mismatch", f"'{arg.value}' is not a date", "write it as YYYY-MM-DD")
            return DATE
        if node.func.endswith("_between"):
            for arg in node.args:
                self.expect(arg, ("date",), f"an argument of {node.func}()")
            return INT
        # add_days, add_months, add_years
        self.expect(node.args[0], ("date",), f"the first argument of {node.func}()")
        self.expect(node.args[1], ("int",), f"the second argument of {node.func}()")
        return DATE

    def _group_call(self, node: Call, usage: str) -> Type:
        first = node.args[0]
        if not isinstance(first, Name) or first.name not in self.scope.groups:
            hint = did_you_mean(first.name, self.scope.groups) if isinstance(first, Name) else ""
            groups = ", ".join(sorted(self.scope.groups)) or "none are defined"
            return self.issue(first, "unknown-reference" if isinstance(first, Name) else "type-mismatch",
                              f"the first argument of {node.func}() must be a group (groups: {groups})",
                              hint or f"usage: {usage}")
        inner = _Checker(self.scope.groups[first.name], self.issues)
        if len(node.args) == 2:
            kinds = NUMERIC if node.func == "sum" else ("bool",)
            t = inner.expect(node.args[1], kinds, f"the second argument of {node.func}()")
            if node.func == "sum":
                return t if t.kind in NUMERIC else NUMBER
        return BOOL if node.func in ("any", "all") else INT


def _arity(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} argument{'s' if low > 1 else ''}"
    if low == high:
        return f"{low} argument{'s' if low > 1 else ''}"
    return f"{low} to {high} arguments"
