"""Vectorised population runs: a process compiled to DuckDB SQL and run over a population file.

A population file (CSV or Parquet, one case per row, laid out as :mod:`analyzer.population`
writes it) is read by DuckDB; every derived fact and outcome of the process becomes a column
computed by one SQL query, so a million rows take seconds instead of the minutes a Python loop
per row takes. The row-by-row interpreter (:mod:`analyzer.evaluate`) is the specification and
the oracle: the compiler reproduces its semantics exactly, and the tests compare both on every
row of the bundled populations and of generated rule sets.

What the compiler reproduces, and how:

- **null and Kleene logic**: SQL's ``AND`` / ``OR`` / ``NOT`` and ``x IN (...)`` are Kleene's;
  ``x == null`` becomes ``x IS NULL``; every function of a null argument is null.
- **errors**: where the interpreter raises :class:`~analyzer.evaluate.EvalError` (division by
  zero, a date outside 0001-9999, rounding an infinite number), each compiled expression carries
  a second SQL expression, true exactly when the interpreter would raise, guarded as the
  interpreter is lazy (``false and 1 / 0 > 1`` does not raise). An outcome whose evaluation
  raises is null in the output and the row's ``error`` column names the first such outcome.
- **numbers**: int facts and int arithmetic are ``BIGINT`` (an overflow beyond 2^63 stops the
  query with :class:`VectorisedError`, where Python's ints would grow), numbers and money are
  ``DOUBLE``, as Python's floats are; ``/`` is always a float division; rounding is half away
  from zero with the interpreter's formula (``floor(|x| * 10^d + 0.5 + 1e-9)``), so results are
  equal for values below 2^53.
- **applies_if, defaults, cases in order, items (sorted names), group aggregates** over the
  member columns ``group[i].fact`` of the existing members (``i`` up to the count column).
- **input values** are parsed from text as :func:`analyzer.population.read` parses them; the
  first bad value is reported with :func:`analyzer.population.read`'s own message.

Anything the compiler cannot express raises :class:`Unsupported` naming the construct (the
caller then falls back to the interpreter); it never gives a different answer.

Entry points: :func:`evaluate_population` (a lazy DuckDB relation of the outcomes per row),
:func:`write_outcomes` (to CSV / Parquet, ``askless evaluate``), :func:`explain` (the SQL of some
outcomes, ``askless evaluate --sql``), :func:`decision_changes` (before / after on every row, in
one pass, this module's :class:`Changes`) and :func:`whatif_changes` (the same comparison as
:func:`analyzer.whatif.decision_changes`, with its result type). A ``progress`` callback gets
the percentage done while a long query runs; this module never prints.

>>> from analyzer.expr import parse
>>> compiled = _Compiler(None, "").expr(parse("if 7 / 2 > 3 then 'a' else null"), None)
>>> compiled.kind
'str'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import population
from .evaluate import as_date
from .expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from .model import Fact, Outcome, Process
from .population import FORMATS, PopulationError, _parse, columns

#: a compiled sub-expression longer than this (characters of SQL) becomes a column of its own, so
#: that a name used in several places (a condition is tested for true, false and null) cannot
#: make the query text grow exponentially with the nesting of the rule
HOIST_CHARS = 600
#: sample row numbers kept per outcome in :func:`decision_changes`
SAMPLES = 5
#: value transitions kept per text or set outcome in :func:`decision_changes`
TRANSITIONS = 10
ROW, ERROR = "row", "error"
#: characters Python's str.strip() removes (population.read strips every cell)
_WHITESPACE = "".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())
_IDENT = re.compile(r'"(?:[^"]|"")*"')
_DATE_MIN, _DATE_MAX = "DATE '0001-01-01'", "DATE '9999-12-31'"


class VectorisedError(Exception):
    """The engine cannot evaluate this population (a DuckDB error such as an integer overflow);
    the message says why. The row-by-row interpreter can still be used."""


class Unsupported(VectorisedError):
    """A construct of the rules that the SQL compiler does not express; the message names it."""


# -- SQL text helpers --------------------------------------------------------------------------

def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def text_literal(value: str) -> str:
    """A quoted SQL string literal (user data never enters SQL any other way)."""
    if "\x00" in value:
        raise Unsupported("a text value with a NUL character")
    return "'" + value.replace("'", "''") + "'"


def _any(*errs: str) -> str:
    """SQL for 'any of these is true', dropping FALSE and folding TRUE."""
    kept = [e for e in errs if e != "FALSE"]
    if "TRUE" in kept:
        return "TRUE"
    if not kept:
        return "FALSE"
    return kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"


def _when(guard: str, err: str) -> str:
    """SQL for 'guard holds and err is true' (FALSE when err cannot be true)."""
    if err == "FALSE" or guard == "FALSE":
        return "FALSE"
    if guard == "TRUE":
        return err
    return f"(({guard}) AND {err})"


def _not_null(*args) -> str:
    return " AND ".join([f"({a.sql}) IS NOT NULL" for a in args if not a.known] or ["TRUE"])


def _null_if_any(args: list, sql: str) -> str:
    """``sql``, or null when any argument (an _S) is null, as the interpreter's functions are."""
    test = " OR ".join(f"({a.sql}) IS NULL" for a in args if not a.known)
    return f"CASE WHEN {test} THEN NULL ELSE {sql} END" if test else sql


# -- compiled expressions ----------------------------------------------------------------------

_NUMERIC = ("int", "float")


@dataclass(frozen=True)
class _S:
    """A compiled expression: its value, when the interpreter would raise, its runtime kind."""

    sql: str
    #: SQL boolean, true on the rows where evaluating the expression raises EvalError
    err: str
    #: bool, int, float, str, date, list or null (Python's runtime type of the value)
    kind: str
    #: computed columns the SQL reads
    deps: frozenset[str] = frozenset()
    #: a column or a literal: cheap to repeat in the SQL text
    simple: bool = False
    #: a literal other than null: never null
    known: bool = False


def _join(a: str, b: str, what: str) -> str:
    if a == b or b == "null":
        return a
    if a == "null":
        return b
    if a in _NUMERIC and b in _NUMERIC:
        return "float"
    raise Unsupported(f"{what} gives values of two kinds ({a} and {b}); SQL needs one column type")


def literal(value: Any) -> _S:
    """A typed SQL literal of a value from a rule file (constants, defaults, ``then``)."""
    if value is None:
        return _S("NULL", "FALSE", "null", simple=True)
    if isinstance(value, bool):
        return _S("TRUE" if value else "FALSE", "FALSE", "bool", simple=True, known=True)
    if isinstance(value, int):
        if not -2**63 < value < 2**63:
            raise Unsupported(f"the whole number {value} (beyond 64 bits)")
        return _S(f"CAST({value} AS BIGINT)", "FALSE", "int", simple=True, known=True)
    if isinstance(value, float):
        return _S(f"CAST('{value!r}' AS DOUBLE)", "FALSE", "float", simple=True, known=True)
    if isinstance(value, dt.date):
        return _S(f"DATE '{value.isoformat()}'", "FALSE", "date", simple=True, known=True)
    if isinstance(value, str):
        return _S(text_literal(value), "FALSE", "str", simple=True, known=True)
    raise Unsupported(f"the value {value!r} (a {type(value).__name__})")


# -- the compiler --------------------------------------------------------------------------------

@dataclass
class _Inputs:
    """The typed input columns of a run, shared by the processes compiled over one file: one
    parsed column per (file column, fact type)."""

    #: file column names
    present: frozenset[str]
    #: (column, type signature) -> id of the parsed column
    ids: dict[tuple, str] = field(default_factory=dict)
    #: id -> (SQL number or None, SQL value, population.Column); see _parse_sql
    parsed: dict[str, tuple[str | None, str, Any]] = field(default_factory=dict)

    def column(self, col: Any) -> str | None:
        """The id of the parsed column for ``col`` (a population.Column), or None when the file
        does not have it."""
        if col.name not in self.present:
            return None
        fact = col.fact
        sig = (col.name, fact.type, tuple(c.value for c in fact.choices), repr(fact.min), repr(fact.max))
        if sig not in self.ids:
            taken = sum(1 for other in self.ids if other[0] == col.name)
            cid = self.ids[sig] = f"in:{col.name}" + (f"#{taken + 1}" if taken else "")
            self.parsed[cid] = (*_parse_sql(col, cid), col)
        return self.ids[sig]


def _parse_sql(col: Any, cid: str) -> tuple[str | None, str]:
    """SQL parsing one raw cell as population._parse does: (the number it reads, for a numeric
    fact, computed once into the column ``n:ID``; the value). A cell is bad when it is given (not
    empty) and its value is null.

    population._parse strips Unicode whitespace first. Stripping every cell is slow, and nearly
    no cell needs it, so each value is read from the cell as it is and only a cell that does not
    read is stripped and read again (a number with whitespace around it reads the same: Python's
    float() strips too).
    """
    raw = f"CAST({ident(col.name)} AS VARCHAR)"
    stripped = f"trim({raw}, {text_literal(_WHITESPACE)})"
    fact: Fact = col.fact
    kind = fact.type
    n = ident("n:" + cid)

    def again(read) -> str:
        return f"CASE WHEN {read(raw)} IS NOT NULL THEN {read(raw)} ELSE {read(stripped)} END"

    if kind == "bool":
        def read(x: str) -> str:
            return (f"CASE WHEN lower({x}) IN ('true', '1', 'yes', 'ja') THEN TRUE "
                    f"WHEN lower({x}) IN ('false', '0', 'no', 'nej') THEN FALSE END")
        value = f"CASE {raw} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE {again(read)} END"
        return None, value
    if kind in ("int", "number", "money"):
        number = f"COALESCE(TRY_CAST({raw} AS DOUBLE), TRY_CAST({stripped} AS DOUBLE))"
        fits = [f"isfinite({n})"]
        if kind == "int":
            fits += [f"{n} = floor({n})", f"abs({n}) < 9.2e18"]
        if isinstance(fact.min, (int, float)) and not isinstance(fact.min, bool):
            fits.append(f"{n} >= {literal(fact.min).sql}")
        if isinstance(fact.max, (int, float)) and not isinstance(fact.max, bool):
            fits.append(f"{n} <= {literal(fact.max).sql}")
        return number, f"CASE WHEN {' AND '.join(fits)} THEN {f'CAST({n} AS BIGINT)' if kind == 'int' else n} END"
    if kind == "date":
        def read(x: str) -> str:
            head = f"left({x}, 10)"
            return (f"CASE WHEN regexp_full_match({head}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
                    f"AND {head} >= '0001' THEN TRY_CAST({head} AS DATE) END")
        return None, again(read)
    if kind == "choice":
        allowed = ", ".join(text_literal(c.value) for c in fact.choices) or "NULL"
        return None, (f"CASE WHEN {raw} IN ({allowed}) THEN {raw} "
                      f"WHEN {stripped} IN ({allowed}) THEN {stripped} END")
    edges = f"ord({raw}) NOT BETWEEN 33 AND 126 OR ord(right({raw}, 1)) NOT BETWEEN 33 AND 126"
    return None, f"CASE WHEN {edges} THEN {stripped} ELSE {raw} END"


def _kind_of_type(type_name: str) -> str:
    return {"bool": "bool", "int": "int", "number": "float", "money": "float", "date": "date",
            "choice": "str", "text": "str"}[type_name]


class _Compiler:
    """Compiles one process; computed columns are named ``prefix + key`` (``key`` is a fact,
    ``group[i].fact``, an outcome, or ``#n`` for a hoisted sub-expression), errors ``... + '!e'``."""

    def __init__(self, process: Process | None, prefix: str, inputs: _Inputs | None = None, present: bool = False,
                 cols: dict[str, Any] | None = None):
        self.process = process
        #: read an empty answer as analyzer.whatif does: reading it raises (instead of giving null)
        self.present = present
        self.prefix = prefix
        self.inputs = inputs or _Inputs(frozenset())
        #: column -> (SQL, columns it reads), in the order compiled
        self.columns: dict[str, tuple[str, frozenset[str]]] = {}
        self.kinds: dict[str, _S] = {}
        self._active: set[str] = set()
        self._temps = 0
        #: SQL of an error flag -> the column holding it; SQL of a shared value -> its column
        self._errors: dict[str, str] = {}
        self._shared: dict[tuple[str, str], _S] = {}
        self._cols = {c.name: c for c in columns(process)} if process is not None else {}
        self._cols.update(cols or {})

    # -- columns ------------------------------------------------------------------------------
    def _define(self, key: str, s: _S) -> _S:
        """Store ``s`` as the columns of ``key``; return a reference to them."""
        col = self.prefix + key
        self.columns[col] = (s.sql, s.deps)
        err, deps = s.err, {col}
        if _IDENT.fullmatch(err):  # already a column
            deps.add(err[1:-1].replace('""', '"'))
        elif err != "FALSE" and self._errors.get(err) is None:  # an error flag that is not a column yet
            self.columns[col + "!e"] = (err, s.deps)
            self._errors[err] = err = ident(col + "!e")
            deps.add(col + "!e")
        elif err != "FALSE":
            err = self._errors[err]
            deps.add(err[1:-1].replace('""', '"'))
        ref = _S(ident(col), err, s.kind, frozenset(deps), simple=True)
        self.kinds[key] = ref
        return ref

    def _hoist(self, s: _S) -> _S:
        if len(s.sql) + len(s.err) <= HOIST_CHARS or self.process is None:
            return s
        return self.share(s)

    def share(self, s: _S) -> _S:
        """``s`` as a column of its own, unless it is one already or a literal: for a value the
        SQL reads more than once (a condition tested for true and false, an argument tested for
        null), so that it is computed once a row."""
        if s.simple or self.process is None:
            return s
        if (s.sql, s.err) not in self._shared:  # the same SQL twice is the same value: one column
            self._temps += 1
            self._shared[(s.sql, s.err)] = self._define(f"#{self._temps}", s)
        return self._shared[(s.sql, s.err)]

    def count_sql(self, group: str) -> _S:
        """The number of members of ``group`` in a row: its count column as given (0 when empty)."""
        process = self.process
        assert process is not None
        count = process.groups[group].count
        fact = process.facts.get(count)
        if fact is None or not fact.is_input:
            return literal(0)
        col = self.inputs.column(self._cols[count])
        if col is None:
            return literal(0)
        return _S(f"COALESCE({ident(col)}, 0)", "FALSE", "int", frozenset({col}), simple=True, known=True)

    def members(self, group: str) -> int:
        """How many member copies the file layout has (the count fact's max)."""
        process = self.process
        assert process is not None
        fact = process.facts.get(process.groups[group].count)
        if fact is None or not isinstance(fact.max, int) or isinstance(fact.max, bool):
            raise Unsupported(f"group '{group}': its count fact has no whole-number max")
        return fact.max

    # -- names ----------------------------------------------------------------------------------
    def name(self, name: str, ctx: tuple[str, int] | None) -> _S:
        process = self.process
        if process is None:
            raise Unsupported(f"the name '{name}' outside a process")
        if ctx is not None and name in process.groups[ctx[0]].facts:
            return self.fact(process.groups[ctx[0]].facts[name], ctx)
        if name in process.facts:
            return self.fact(process.facts[name], None)
        if name in process.constants:
            return literal(as_date(process.constants[name].value))
        if name in process.outcomes:
            return self.outcome(process.outcomes[name])
        if name in process.groups:
            return self.count_sql(name)
        raise Unsupported(f"the unknown name '{name}'")

    def _enter(self, key: str) -> _S | None:
        if key in self.kinds:
            return self.kinds[key]
        if key in self._active:
            raise Unsupported(f"'{key}' depends on itself")
        self._active.add(key)
        return None

    def fact(self, fact: Fact, ctx: tuple[str, int] | None) -> _S:
        key = fact.name if ctx is None else f"{ctx[0]}[{ctx[1]}].{fact.name}"
        done = self._enter(key)
        if done is not None:
            return done
        try:
            if fact.derive is not None:
                body = self.formula(fact.derive, ctx)
            else:
                col = self.inputs.column(self._cols[key]) if key in self._cols else None
                kind = _kind_of_type(fact.type)
                counts = ctx is None and any(g.count == fact.name for g in self.process.groups.values())
                if col is None and self.present:
                    body = _S("NULL", "TRUE", kind) if not counts else literal(0)
                elif col is None:
                    if ctx is None:
                        raise Unsupported(f"input fact '{key}' has no column in the population")
                    body = literal(None)  # a member column left out of the file reads as empty
                elif self.present and counts:  # an empty count is read as the members given: none
                    body = _S(f"COALESCE({ident(col)}, 0)", "FALSE", kind, frozenset({col}), simple=True, known=True)
                elif self.present:
                    body = _S(ident(col), f"({ident(col)} IS NULL)", kind, frozenset({col}), simple=True)
                else:
                    body = _S(ident(col), "FALSE", kind, frozenset({col}), simple=True)
            if fact.applies_if is not None:
                body = self._applies(fact.applies_if, ctx, body, literal(as_date(fact.default)), f"fact '{key}'")
            return self._define(key, body)
        finally:
            self._active.discard(key)

    def _applies(self, condition, ctx, body: _S, otherwise: _S, what: str) -> _S:
        held = self.formula(condition, ctx)
        if body.err != "FALSE":
            held = self.share(held)
        test = f"({held.sql}) IS TRUE"
        kind = _join(body.kind, otherwise.kind, what)
        return _S(f"CASE WHEN {test} THEN {body.sql} ELSE {otherwise.sql} END",
                  _any(held.err, _when(test, body.err)), kind, held.deps | body.deps)

    def formula(self, formula, ctx) -> _S:
        if formula.tree is None:
            raise Unsupported(f"the expression '{formula.text}' does not parse")
        return self.expr(formula.tree, ctx)

    # -- outcomes ---------------------------------------------------------------------------------
    def outcome(self, outcome: Outcome) -> _S:
        done = self._enter(outcome.name)
        if done is not None:
            return done
        try:
            if outcome.kind in ("when", "value"):
                formula = outcome.when if outcome.kind == "when" else outcome.value
                body = self.formula(formula, None)
            elif outcome.kind == "items":
                body = self._items(outcome)
            else:
                body = self._cases(outcome)
            if outcome.applies_if is not None:
                body = self._applies(outcome.applies_if, None, body, literal(None), f"outcome '{outcome.name}'")
            return self._define(outcome.name, body)
        finally:
            self._active.discard(outcome.name)

    def _items(self, outcome: Outcome) -> _S:
        parts, errs, deps = [], [], frozenset()
        for item in sorted(outcome.items, key=lambda i: i.name):  # the interpreter returns sorted names
            cond = self.formula(item.when, None)
            parts.append(f"CASE WHEN ({cond.sql}) IS TRUE THEN [{text_literal(item.name)}] ELSE []::VARCHAR[] END")
            errs.append(cond.err)
            deps |= cond.deps
        sql = "list_concat(" + ", ".join(parts) + ")" if len(parts) > 1 else (parts[0] if parts else "[]::VARCHAR[]")
        return _S(sql, _any(*errs), "list", deps)

    def _cases(self, outcome: Outcome) -> _S:
        # built from the last case back: each case either decides or hands on to the rest
        rest_sql, rest_err, kind, deps = "NULL", "FALSE", "null", frozenset()
        for case in reversed(outcome.cases):
            result = self.formula(case.value, None) if case.value is not None else literal(case.then)
            kind = _join(kind, result.kind, f"outcome '{outcome.name}'")
            deps |= result.deps
            if case.when is None:
                rest_sql, rest_err = result.sql, result.err
                continue
            cond = self.share(self.formula(case.when, None))
            deps |= cond.deps
            rest_sql = (f"CASE WHEN ({cond.sql}) IS NULL THEN NULL WHEN {cond.sql} THEN {result.sql} "
                        f"ELSE {rest_sql} END")
            rest_err = _any(cond.err, _when(f"({cond.sql}) IS TRUE", result.err),
                            _when(f"({cond.sql}) IS FALSE", rest_err))
            rest = self._hoist(_S(rest_sql, rest_err, kind, deps))
            rest_sql, rest_err, deps = rest.sql, rest.err, rest.deps
        return _S(rest_sql, rest_err, kind, deps)

    # -- expressions -----------------------------------------------------------------------------
    def expr(self, node: Expr, ctx: tuple[str, int] | None) -> _S:
        """The compiled expression of ``node`` (in member ``ctx`` = (group, index), or top level)."""
        return self._hoist(self._expr(node, ctx))

    def _expr(self, node: Expr, ctx) -> _S:
        if isinstance(node, Literal):
            return literal(node.value)
        if isinstance(node, Name):
            return self.name(node.name, ctx)
        if isinstance(node, Unary):
            x = self.expr(node.operand, ctx)
            if node.op == "not":
                if x.kind not in ("bool", "null"):
                    raise Unsupported(f"'not' of a {x.kind}")
                return _S(f"(NOT {x.sql})", x.err, "bool", x.deps)
            if x.kind not in _NUMERIC + ("null",):
                raise Unsupported(f"unary '-' of a {x.kind}")
            return _S(f"(- {x.sql})", x.err, x.kind if x.kind != "null" else "null", x.deps)
        if isinstance(node, Binary):
            return self._binary(node, ctx)
        if isinstance(node, IfElse):
            c, t, o = self.share(self.expr(node.cond, ctx)), self.expr(node.then, ctx), self.expr(node.other, ctx)
            if c.kind not in ("bool", "null"):
                raise Unsupported(f"an 'if' whose condition is a {c.kind}")
            kind = _join(t.kind, o.kind, "an 'if'")
            return _S(f"CASE WHEN {c.sql} THEN {t.sql} WHEN NOT {c.sql} THEN {o.sql} END",
                      _any(c.err, _when(f"({c.sql}) IS TRUE", t.err), _when(f"({c.sql}) IS FALSE", o.err)),
                      kind, c.deps | t.deps | o.deps)
        if isinstance(node, ListOf):
            raise Unsupported("a list [...] outside 'in'")
        if isinstance(node, Call):
            return self._call(node, ctx)
        raise Unsupported(f"the expression node {type(node).__name__}")

    def _binary(self, node: Binary, ctx) -> _S:
        op = node.op
        if op in ("and", "or"):
            a, b = self.expr(node.left, ctx), self.expr(node.right, ctx)
            if b.err != "FALSE":
                a = self.share(a)
            for side in (a, b):
                if side.kind not in ("bool", "null"):
                    raise Unsupported(f"'{op}' of a {side.kind}")
            stop = "FALSE" if op == "and" else "TRUE"  # a left side that decides: the right is not evaluated
            return _S(f"({a.sql} {op.upper()} {b.sql})", _any(a.err, _when(f"({a.sql}) IS DISTINCT FROM {stop}", b.err)),
                      "bool", a.deps | b.deps)
        if op in ("in", "not in"):
            return self._membership(node, ctx)
        a, b = self.expr(node.left, ctx), self.expr(node.right, ctx)
        err, deps = _any(a.err, b.err), a.deps | b.deps
        if op in ("==", "!="):
            left_null = isinstance(node.left, Literal) and node.left.value is None
            right_null = isinstance(node.right, Literal) and node.right.value is None
            if left_null or right_null:  # 'x == null' asks whether x is null
                other = b if left_null else a
                sql = "TRUE" if left_null and right_null else f"(({other.sql}) IS NULL)"
            else:
                self._comparable(a, b, op)
                sql = f"({a.sql} = {b.sql})"
            return _S(sql if op == "==" else f"(NOT {sql})", err, "bool", deps)
        if op in ("<", "<=", ">", ">="):
            self._comparable(a, b, op)
            return _S(f"({a.sql} {op} {b.sql})", err, "bool", deps)
        kinds = (a.kind, b.kind)
        if "null" in kinds:
            return _S("NULL", err, "null", deps)
        if op == "/":
            self._numeric(a, b, op)
            quotient = f"CAST({a.sql} AS DOUBLE) / CAST({b.sql} AS DOUBLE)"
            if b.known and b.sql not in (literal(0).sql, literal(0.0).sql, literal(-0.0).sql):
                return _S(f"({quotient})", err, "float", deps)
            a, b = self.share(a), self.share(b)
            zero = f"({b.sql}) = 0"
            quotient = f"CAST({a.sql} AS DOUBLE) / CAST({b.sql} AS DOUBLE)"
            return _S(f"CASE WHEN {zero} THEN NULL ELSE {quotient} END",
                      _any(err, f"({_not_null(a, b)} AND {zero})"), "float", a.deps | b.deps)
        if a.kind == "date" and op in ("+", "-") and b.kind == "int":
            return self._shift(a, b if op == "+" else _S(f"(- {b.sql})", b.err, "int", b.deps, b.simple, b.known), "days", err)
        if op == "-" and kinds == ("date", "date"):
            return _S(f"({a.sql} - {b.sql})", err, "int", deps)
        self._numeric(a, b, op)
        kind = "int" if kinds == ("int", "int") else "float"
        return _S(f"({a.sql} {op} {b.sql})", err, kind, deps)

    @staticmethod
    def _numeric(a: _S, b: _S, op: str) -> None:
        if a.kind not in _NUMERIC or b.kind not in _NUMERIC:
            raise Unsupported(f"'{op}' of a {a.kind} and a {b.kind}")

    @staticmethod
    def _comparable(a: _S, b: _S, op: str) -> None:
        if "null" in (a.kind, b.kind) or a.kind == b.kind or (a.kind in _NUMERIC and b.kind in _NUMERIC):
            return
        raise Unsupported(f"'{op}' between a {a.kind} and a {b.kind}")

    def _membership(self, node: Binary, ctx) -> _S:
        left = self.expr(node.left, ctx)
        negate = node.op == "not in"
        if isinstance(node.right, ListOf):
            items = [self.expr(item, ctx) for item in node.right.items]
            for item in items:
                self._comparable(left, item, node.op)
            err = _any(left.err, *(i.err for i in items))
            deps = left.deps.union(*(i.deps for i in items))
            if not items:
                found = f"CASE WHEN ({left.sql}) IS NULL THEN NULL ELSE FALSE END"
            else:  # SQL's IN is the interpreter's: true if equal to one, else null if one is null
                found = f"({left.sql} IN ({', '.join(i.sql for i in items)}))"
            return _S(f"(NOT {found})" if negate else found, err, "bool", deps)
        right = self.expr(node.right, ctx)
        if right.kind not in ("list", "null"):
            raise Unsupported(f"'{node.op}' with a {right.kind} on the right")
        left, right = self.share(left), self.share(right)
        found = _null_if_any([left, right], f"list_contains({right.sql}, {left.sql})")
        return _S(f"(NOT {found})" if negate else found, _any(left.err, right.err), "bool", left.deps | right.deps)

    def _shift(self, d: _S, n: _S, unit: str, err: str) -> _S:
        """``d`` moved by ``n`` days or months; the interpreter raises outside years 1 to 9999."""
        limit = 4_000_000 if unit == "days" else 130_000  # beyond the date range either way
        d, n = self.share(d), self.share(n)
        moved = self.share(_S(f"CASE WHEN abs({n.sql}) > {limit} THEN NULL "
                              f"ELSE CAST({d.sql} + to_{unit}(CAST({n.sql} AS INTEGER)) AS DATE) END",
                              "FALSE", "date", d.deps | n.deps))
        inside = f"({moved.sql}) BETWEEN {_DATE_MIN} AND {_DATE_MAX}"
        return _S(f"CASE WHEN {inside} THEN {moved.sql} END",
                  _any(err, f"({_not_null(d, n)} AND NOT COALESCE({inside}, FALSE))"), "date", moved.deps)

    def _call(self, node: Call, ctx) -> _S:
        f = node.func
        if f in ("count", "sum", "any", "all"):
            return self._group_call(node, ctx)
        if f == "date":
            arg = node.args[0]
            if not isinstance(arg, Literal):
                raise Unsupported("date() of an expression (only a quoted date is compiled)")
            try:
                return literal(dt.date.fromisoformat(arg.value))
            except (TypeError, ValueError):
                return _S("NULL", "TRUE", "date")  # the interpreter raises wherever this is reached
        args = [self.share(self.expr(a, ctx)) for a in node.args]
        err = _any(*(a.err for a in args))
        deps = frozenset().union(*(a.deps for a in args))
        if any(a.kind == "null" for a in args):
            return _S("NULL", err, "null" if f in ("min", "max", "abs") else _FUNCTION_KIND.get(f, "null"), deps)
        sqls = [a.sql for a in args]
        x = sqls[0]
        if f in ("min", "max"):
            kind = args[0].kind
            for a in args[1:]:
                kind = _join(kind, a.kind, f"{f}()")
            if kind not in _NUMERIC + ("date",):
                raise Unsupported(f"{f}() of {kind} values")
            # DuckDB's least/greatest skip nulls; the interpreter's min/max of a null is null
            sql = _null_if_any(args, f"{'least' if f == 'min' else 'greatest'}({', '.join(sqls)})")
            return _S(sql, err, kind, deps)
        if f == "abs":
            self._numeric(args[0], args[0], "abs()")
            return _S(f"abs({x})", err, args[0].kind, deps)
        if f in ("round", "floor", "ceil"):
            self._numeric(args[0], args[0], f"{f}()")
            return self._rounding(node, args, err, deps)
        if f in ("years_between", "months_between", "days_between"):
            if any(a.kind != "date" for a in args):
                raise Unsupported(f"{f}() of a non-date")
            a, b = sqls
            if f == "days_between":
                sql = f"({b} - {a})"
            elif f == "years_between":
                sql = (f"(year({b}) - year({a}) - CASE WHEN month({b}) < month({a}) OR "
                       f"(month({b}) = month({a}) AND day({b}) < day({a})) THEN 1 ELSE 0 END)")
            else:
                sql = (f"((year({b}) - year({a})) * 12 + month({b}) - month({a}) "
                       f"- CASE WHEN day({b}) < day({a}) THEN 1 ELSE 0 END)")
            return _S(_null_if_any(args, sql), err, "int", deps)
        if f in ("add_days", "add_months", "add_years"):
            if args[0].kind != "date" or args[1].kind != "int":
                raise Unsupported(f"{f}() of a {args[0].kind} and a {args[1].kind}")
            n = args[1] if f != "add_years" else _S(f"({args[1].sql} * 12)", args[1].err, "int", args[1].deps)
            return self._shift(args[0], n, "days" if f == "add_days" else "months", err)
        raise Unsupported(f"the function {f}()")

    def _rounding(self, node: Call, args: list[_S], err: str, deps: frozenset[str]) -> _S:
        f, x = node.func, args[0]
        finite = f"isfinite(CAST({x.sql} AS DOUBLE))"
        bad = f"({_not_null(x)} AND NOT {finite})"  # floor(inf) raises in Python
        if f in ("floor", "ceil"):
            sql = x.sql if x.kind == "int" else f"CASE WHEN {finite} THEN CAST({f}({x.sql}) AS BIGINT) END"
            return _S(sql, _any(err, bad) if x.kind != "int" else err, "int", deps)
        digits = 0
        if len(node.args) == 2:
            digits = _constant_int(node.args[1], self.process)
            if digits is None:
                raise Unsupported("round(x, digits) with digits that are not a whole-number constant")
            if args[1].kind == "null":
                return _S("NULL", err, "float", deps)
        # the interpreter: floor(|x| * 10^d + 0.5 + 1e-9) (or |x| / 10^-d), the sign of x put back
        factor = 10 ** abs(digits)
        scaled = (f"CAST(abs({x.sql}) AS DOUBLE) * CAST({factor} AS DOUBLE)" if digits >= 0
                  else f"CAST(abs({x.sql}) AS DOUBLE) / CAST({factor} AS DOUBLE)")
        rounded = f"floor({scaled} + CAST('0.5' AS DOUBLE) + CAST('1e-09' AS DOUBLE))"
        if digits == 0:
            value, kind = f"CAST({rounded} AS BIGINT)", "int"
        elif digits > 0:
            value, kind = f"({rounded} / CAST({factor} AS DOUBLE))", "float"
        else:
            value, kind = f"({rounded} * CAST({factor} AS DOUBLE))", "float"
        signed = f"CASE WHEN {x.sql} < 0 THEN - {value} ELSE {value} END"
        if factor >= 2**53:
            raise Unsupported(f"round() to {digits} digits")
        return _S(f"CASE WHEN {finite} THEN {signed} END", _any(err, bad), kind, deps)

    def _group_call(self, node: Call, ctx) -> _S:
        f = node.func
        group = node.args[0]
        if not isinstance(group, Name) or self.process is None or group.name not in self.process.groups:
            raise Unsupported(f"{f}() of something that is not a group")
        n = self.count_sql(group.name)
        if f == "count" and len(node.args) == 1:
            return n
        top = self.members(group.name)
        values = [self.share(self.expr(node.args[1], (group.name, i))) for i in range(1, top + 1)]
        exists = [f"({n.sql} >= {i})" for i in range(1, top + 1)]
        deps = n.deps.union(*(v.deps for v in values))
        err = _any(*(_when(e, v.err) for e, v in zip(exists, values)))
        if not values:
            return _S({"sum": "CAST(0 AS BIGINT)", "count": "CAST(0 AS BIGINT)", "any": "FALSE", "all": "TRUE"}[f],
                      "FALSE", {"sum": "int", "count": "int"}.get(f, "bool"), deps)
        some_null = " OR ".join(f"({e} AND ({v.sql}) IS NULL)" for e, v in zip(exists, values))
        if f == "sum":
            kind = "int"
            for v in values:
                if v.kind not in _NUMERIC + ("null",):
                    raise Unsupported(f"sum() of a {v.kind}")
                kind = "float" if v.kind == "float" else kind
            # added left to right from 0, as Python's sum() does (float sums depend on the order)
            terms = " + ".join(f"CASE WHEN {e} THEN {v.sql} ELSE 0 END" for e, v in zip(exists, values))
            return _S(f"CASE WHEN {some_null} THEN NULL ELSE (CAST(0 AS BIGINT) + {terms}) END", err, kind, deps)
        if f == "count":
            terms = " + ".join(f"CASE WHEN {e} AND ({v.sql}) IS TRUE THEN 1 ELSE 0 END" for e, v in zip(exists, values))
            return _S(f"CASE WHEN {some_null} THEN NULL ELSE CAST({terms} AS BIGINT) END", err, "int", deps)
        decisive = "TRUE" if f == "any" else "FALSE"
        hit = " OR ".join(f"({e} AND ({v.sql}) IS NOT DISTINCT FROM {decisive})" for e, v in zip(exists, values))
        return _S(f"CASE WHEN {hit} THEN {decisive} WHEN {some_null} THEN NULL ELSE NOT {decisive} END",
                  err, "bool", deps)


_FUNCTION_KIND = {"round": "float", "floor": "int", "ceil": "int", "years_between": "int", "months_between": "int",
                  "days_between": "int", "add_days": "date", "add_months": "date", "add_years": "date"}


def _constant_int(node: Expr, process: Process | None) -> int | None:
    """The whole number a digits argument always has (a literal, a negated one, a constant)."""
    if isinstance(node, Literal):
        v = node.value
    elif isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Literal):
        v = node.operand.value
        v = -v if isinstance(v, int) and not isinstance(v, bool) else "x"
    elif isinstance(node, Name) and process is not None and node.name in process.constants:
        v = process.constants[node.name].value
    else:
        return None
    if v is None:
        return 0
    return v if isinstance(v, int) and not isinstance(v, bool) else None


# -- queries ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Plan:
    """A compiled run: the SQL query, and per process the outcome columns and their kinds."""

    #: WITH ... layers, ending in a relation named "final" that has every computed column
    body: str
    #: per prefix: outcome name -> (value column SQL masked to null on error, error SQL, kind)
    outcomes: dict[str, dict[str, tuple[str, str, str]]]
    #: SQL of the first row with a bad value, as a test per row
    bad: str


def _reader(path: str) -> tuple[str, str]:
    """(FROM clause of the population file, SQL of its 1-based row number)."""
    if not os.path.isfile(path):
        raise PopulationError(f"{path}: no such file")
    if not path.endswith(FORMATS):
        raise PopulationError(f"{path}: unknown format; expected a file ending in .csv or .parquet")
    quoted = text_literal(population.literal_path(path))  # no glob expansion of the name
    if path.endswith(".parquet"):
        return f"read_parquet({quoted}, file_row_number = true)", "file_row_number + 1"
    # a CSV has no row number column: DuckDB's streaming row_number() keeps the file's order
    return f"read_csv({quoted}, header = true, all_varchar = true)", "row_number() OVER ()"


def _file_columns(con, path: str, processes: list[Process]) -> list[str]:
    """The file's column names, checked as population.read checks them against ``processes``."""
    import duckdb

    source, _ = _reader(path)
    try:
        names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    except duckdb.Error as exc:
        raise PopulationError(f"{path}: cannot read the file: {str(exc).splitlines()[0]}") from None
    if not names or (len(names) == 1 and names[0] == "column0"):
        raise PopulationError(f"{path}: the file is empty or has no header line")
    known: dict[str, Any] = {}
    for process in processes:
        known.update({c.name: c for c in columns(process)})
    from .diagnostics import did_you_mean

    for name in names:
        if name not in known and name != "file_row_number":
            hint = did_you_mean(name, known)
            raise PopulationError(f"{path}: unknown column '{name}' for process '{processes[0].name}'"
                                  + (f"; {hint}" if hint else ""))
    for process in processes:
        missing = [c for c in columns(process) if c.group is None and c.name not in names]
        if missing:
            raise PopulationError(f"{path}: missing column(s) {', '.join(c.name for c in missing)}; "
                                  f"askless population {process.path} writes every column")
    return names


def _layers(columns_sql: dict[str, tuple[str, frozenset[str]]], base: set[str]) -> list[list[str]]:
    """Computed columns grouped so that each reads only columns of earlier groups."""
    level: dict[str, int] = dict.fromkeys(base, 0)
    for col, (_, deps) in columns_sql.items():  # compiled in dependency order: deps come first
        level[col] = 1 + max((level[d] for d in deps), default=0)
    layers: list[list[str]] = []
    for col in columns_sql:
        while len(layers) < level[col]:
            layers.append([])
        layers[level[col] - 1].append(col)
    return [layer for layer in layers if layer]


def _plan(processes: list[tuple[str, Process]], path: str, names: list[str], present: bool = False,
          cols: dict[str, Any] | None = None) -> _Plan:
    inputs = _Inputs(frozenset(names))
    compilers = []
    for prefix, process in processes:
        compiler = _Compiler(process, prefix, inputs, present, cols)
        for outcome in process.outcomes.values():
            compiler.outcome(outcome)
        compilers.append(compiler)
    # guards of member columns: member i exists; an input column of a missing member is not parsed
    bad_tests = []
    for compiler in compilers:
        process = compiler.process
        for col in columns(process):
            cid = inputs.column(compiler._cols[col.name])
            if cid is None:
                continue
            guard = "TRUE"
            if col.group is not None:
                guard = f"{compiler.count_sql(col.group).sql} >= {col.index}"
            bad_tests.append(_when(guard, ident(cid + "!bad")))
    source, rownum = _reader(path)
    computed: dict[str, tuple[str, frozenset[str]]] = {}
    for compiler in compilers:
        computed.update(compiler.columns)
    numbers = "".join(f", {number} AS {ident('n:' + cid)}"
                      for cid, (number, _, _) in inputs.parsed.items() if number is not None)
    given = "CAST({} AS VARCHAR) <> ''"  # not null and not empty: population.read reads '' as empty
    values = "".join(f", {value} AS {ident(cid)}, ({given.format(ident(col.name))} AND ({value}) IS NULL) "
                     f"AS {ident(cid + '!bad')}" for cid, (_, value, col) in inputs.parsed.items())
    ctes = [f"src AS (SELECT {rownum} AS {ident(ROW)}, * FROM {source})",
            f"num AS (SELECT *{numbers} FROM src)",
            f"typed AS (SELECT {ident(ROW)}{values} FROM num)"]
    previous = "typed"
    for k, layer in enumerate(_layers(computed, set(inputs.parsed)), 1):
        cols = ", ".join(f"{computed[c][0]} AS {ident(c)}" for c in layer)
        ctes.append(f"l{k} AS (SELECT *, {cols} FROM {previous})")
        previous = f"l{k}"
    ctes.append(f"final AS (SELECT * FROM {previous})")
    outcomes = {}
    for compiler in compilers:
        found = {}
        for name in compiler.process.outcomes:
            ref = compiler.kinds[name]
            found[name] = (f"CASE WHEN {ref.err} THEN NULL ELSE {ref.sql} END" if ref.err != "FALSE" else ref.sql,
                           ref.err, ref.kind)
        outcomes[compiler.prefix] = found
    return _Plan("WITH " + ",\n".join(ctes), outcomes, _any(*bad_tests))


def _check_values(con, plan: _Plan, path: str, processes: list[Process], first_bad: int | None) -> None:
    """Raise population.read's PopulationError for the first row with a bad value, if any."""
    if first_bad is None:
        return
    values = _raw_rows(con, path, f"= {int(first_bad)}")[first_bad]
    for process in processes:
        _case(process, values, path, first_bad + 1)  # raises with population.read's message
    raise PopulationError(f"{path}:{first_bad + 1}: a value the vectorised engine cannot read (it reads numbers as "
                          "DuckDB does, dates as YYYY-MM-DD); use the row-by-row interpreter for this file")


def _raw_rows(con, path: str, test: str) -> dict[int, dict[str, Any]]:
    """The raw cells of the rows whose row number passes ``test`` (SQL after the row number)."""
    source, rownum = _reader(path)
    result = con.execute(f"SELECT * FROM (SELECT {rownum} AS {ident(ROW)}, * FROM {source}) "
                         f"WHERE {ident(ROW)} {test} ORDER BY {ident(ROW)}")
    names = [d[0] for d in result.description]
    return {row[0]: dict(zip(names, row)) for row in result.fetchall()}


def _case(process: Process, values: dict[str, Any], path: str, line: int) -> dict:
    """One case as population.read builds it from a row's raw cells."""
    by_name = {c.name: c for c in columns(process)}
    case: dict[str, Any] = {}
    for c in by_name.values():
        if c.group is None:
            case[c.name] = _parse(values.get(c.name), c, path, line)
    for group in process.groups.values():
        members = []
        for i in range(1, int(case.get(group.count) or 0) + 1):
            members.append({f.name: _parse(values.get(f"{group.name}[{i}].{f.name}"), by_name[f"{group.name}[{i}].{f.name}"],
                                           path, line)
                            for f in group.facts.values() if f.is_input and f"{group.name}[{i}].{f.name}" in by_name})
        case[group.name] = members
    return case


def _outcome_select(plan: _Plan, prefix: str, process: Process) -> str:
    cols = [f"{sql} AS {ident(name)}" for name, (sql, _, _) in plan.outcomes[prefix].items()]
    first = " ".join(f"WHEN {err} THEN {text_literal(name)}" for name, (_, err, _) in plan.outcomes[prefix].items()
                     if err != "FALSE")
    cols.append(f"CASE {first} END AS {ident(ERROR)}" if first else f"CAST(NULL AS VARCHAR) AS {ident(ERROR)}")
    return ", ".join([ident(ROW)] + cols)


def connect(memory_limit: str | None = None, threads: int | None = None):
    """A new in-memory DuckDB connection with progress tracking on (its bar never printed)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET preserve_insertion_order = true")
    # the in_clause rewrite turns `x IN (constants)` into a join; on a chain of projections as long as
    # a rule base makes, planning then took minutes and gigabytes (DuckDB 2.0, byggetilladelse)
    con.execute("SET disabled_optimizers = 'in_clause'")
    if memory_limit:
        con.execute(f"SET memory_limit = {text_literal(memory_limit)}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def run(con, sql: str, progress: Callable[[float], None] | None = None) -> list[tuple]:
    """Run ``sql`` and fetch its rows; while it runs, call ``progress(percent)`` a few times a
    second (from this thread) when given. A DuckDB error becomes :class:`VectorisedError`."""
    import duckdb

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["rows"] = con.execute(sql).fetchall()
        except duckdb.Error as exc:
            outcome["error"] = exc

    if progress is None:
        work()
    else:
        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.25)
            done = con.query_progress()
            if worker.is_alive() and done >= 0:
                progress(float(done))
    if "error" in outcome:
        message = str(outcome["error"]).splitlines()[0]
        raise VectorisedError(f"DuckDB could not evaluate the rules: {message}; "
                              "the row-by-row interpreter can evaluate them instead")
    return outcome["rows"]


# -- public API ------------------------------------------------------------------------------------

def explain(process: Process, outcomes: list[str]) -> str:
    """The SQL that computes ``outcomes`` (and every column they read), one ``column := SQL`` line
    each, in the order the query computes them. ``in:NAME`` is the input column NAME as read from
    the file (text parsed as population.read parses it); a name ending in ``!e`` is true on the
    rows where the interpreter would raise; ``#n`` is a shared sub-expression."""
    unknown = [o for o in outcomes if o not in process.outcomes]
    if unknown:
        from .diagnostics import did_you_mean

        hint = did_you_mean(unknown[0], process.outcomes)
        raise Unsupported(f"no outcome '{unknown[0]}' in process '{process.name}'" + (f"; {hint}" if hint else ""))
    inputs = _Inputs(frozenset(c.name for c in columns(process)))
    compiler = _Compiler(process, "", inputs)
    wanted: set[str] = set()
    todo = []
    for name in outcomes:
        ref = compiler.outcome(process.outcomes[name])
        todo += list(ref.deps)
    while todo:
        col = todo.pop()
        if col in wanted or col not in compiler.columns:
            continue
        wanted.add(col)
        todo += list(compiler.columns[col][1])
    lines = []
    for layer in _layers(compiler.columns, set(inputs.parsed)):
        lines += [f"{ident(c)} := {compiler.columns[c][0]}" for c in layer if c in wanted]
    return "\n".join(lines) + "\n"


def evaluate_population(process: Process, path: str, con=None):
    """The outcomes of ``process`` on every row of the population file ``path``, as a DuckDB
    relation (lazy: nothing runs until it is fetched or written) with the columns ``row``, one per
    outcome, and ``error``. Raises PopulationError for a file that does not fit or holds a bad
    value (the first one, with population.read's message), Unsupported for rules the compiler
    cannot express. Fetching the relation raises duckdb.Error where the engine cannot go on (a
    whole number beyond 64 bits); :func:`write_outcomes` turns that into VectorisedError."""
    con = con or connect()
    names = _file_columns(con, path, [process])
    if ROW in process.outcomes or ERROR in process.outcomes:
        raise Unsupported(f"an outcome named '{ROW}' or '{ERROR}' (the names of the run's own columns)")
    plan = _plan([("", process)], path, names)
    first_bad = run(con, f"{plan.body}\nSELECT min({ident(ROW)}) FILTER (WHERE {plan.bad}) FROM final")[0][0]
    _check_values(con, plan, path, [process], first_bad)
    return con.sql(f"{plan.body}\nSELECT {_outcome_select(plan, '', process)} FROM final ORDER BY {ident(ROW)}")


@dataclass(frozen=True)
class Amount:
    """Rows whose amount moved one way, by how much (after minus before, in absolute value)."""

    rows: int
    #: mean change; exact sum of the changes rounded to 1e-6 each, divided by rows
    mean: float
    largest: float


@dataclass(frozen=True)
class Transition:
    before: Any
    after: Any
    rows: int


@dataclass(frozen=True)
class OutcomeChanges:
    """How one outcome's decisions differ between the rules before and after."""

    outcome: str
    #: "yes/no" (a when-outcome), "amount" (numbers), or "value" (text, sets, dates)
    kind: str
    #: rows whose value (or whether it could be computed) differs
    changed: int
    yes_to_no: int = 0
    no_to_yes: int = 0
    #: decided before, null (not decided / does not apply) after, and the other way
    decided_to_null: int = 0
    null_to_decided: int = 0
    up: Amount | None = None
    down: Amount | None = None
    #: the most frequent value changes (text and set outcomes), most rows first
    transitions: tuple[Transition, ...] = ()
    #: rows where evaluating the outcome raises (division by zero, ...), before and after
    errors_before: int = 0
    errors_after: int = 0
    #: the first few row numbers (1-based, in file order) where it changed
    samples: tuple[int, ...] = ()


@dataclass(frozen=True)
class Changes:
    """The decisions that change on a population between two versions of a process."""

    rows: int
    #: rows where some outcome changed
    changed: int
    samples: tuple[int, ...]
    outcomes: tuple[OutcomeChanges, ...]
    #: how the figures were computed (every row is evaluated: the counts are exact)
    method: str = "exact: every row evaluated before and after (DuckDB, vectorised)"

    @property
    def share(self) -> float:
        return self.changed / self.rows if self.rows else 0.0


def decision_changes(before: Process, after: Process, path: str, con=None,
                     progress: Callable[[float], None] | None = None, samples: int = SAMPLES) -> Changes:
    """Compare the outcomes of ``before`` and ``after`` on every row of the population ``path``,
    in one SQL query (one pass over the file). Outcomes present in both are compared; an outcome
    changes on a row when its value differs or it raises on one side only. Counts are exact."""
    con = con or connect()
    names = _file_columns(con, path, [before, after])
    plan = _plan([("b.", before), ("a.", after)], path, names)
    shared = [name for name in before.outcomes if name in after.outcomes]
    # one column per outcome and side (null where it raises), its error flag, and 'differs'
    cmp = [ident(ROW), f"{plan.bad} AS bad"]
    select, specs, diffs = ["count(*)", f"min({ident(ROW)}) FILTER (WHERE bad)"], [], []
    for k, name in enumerate(shared):
        (bv, be, bk), (av, ae, ak) = plan.outcomes["b."][name], plan.outcomes["a."][name]
        b, a, eb, ea, d = (f"b{k}", f"a{k}", f"eb{k}", f"ea{k}", f"d{k}")
        if bk == ak or (bk in _NUMERIC and ak in _NUMERIC) or "null" in (bk, ak):
            differs = f"({b} IS DISTINCT FROM {a})"
        else:  # values of different kinds never compare equal in the interpreter
            differs = f"NOT ({b} IS NULL AND {a} IS NULL)"
        cmp += [f"{bv} AS {b}", f"{av} AS {a}", f"COALESCE({be}, FALSE) AS {eb}", f"COALESCE({ae}, FALSE) AS {ea}"]
        diffs.append(f"{differs} OR {eb} <> {ea}")
        kinds = {bk, ak} - {"null"}
        kind = "yes/no" if kinds == {"bool"} else "amount" if kinds and kinds <= set(_NUMERIC) else "value"
        specs.append((name, kind))
        select += [f"count(*) FILTER (WHERE {d})", f"min({ident(ROW)}, {int(samples)}) FILTER (WHERE {d})",
                   f"count(*) FILTER (WHERE {eb})", f"count(*) FILTER (WHERE {ea})",
                   f"count(*) FILTER (WHERE {b} IS NOT NULL AND {a} IS NULL)",
                   f"count(*) FILTER (WHERE {b} IS NULL AND {a} IS NOT NULL)"]
        if kind == "yes/no":
            select += [f"count(*) FILTER (WHERE {b} AND NOT {a})", f"count(*) FILTER (WHERE NOT {b} AND {a})"]
        elif kind == "amount":
            delta = f"abs(CAST({a} AS DOUBLE) - CAST({b} AS DOUBLE))"
            for moved in (f"{a} > {b}", f"{a} < {b}"):
                select += [f"count(*) FILTER (WHERE {moved})",
                           # a DECIMAL sum is exact: the mean does not depend on the order of the rows
                           f"sum(CAST({delta} AS DECIMAL(38, 6))) FILTER (WHERE {moved})",
                           f"max({delta}) FILTER (WHERE {moved})"]
        else:
            select.append(f"map_entries(histogram([CAST({b} AS VARCHAR), CAST({a} AS VARCHAR)]) FILTER (WHERE {d}))")
    cmp += [f"({diffs[k]}) AS d{k}" for k in range(len(shared))]
    any_diff = " OR ".join(f"d{k}" for k in range(len(shared))) or "FALSE"
    select += [f"count(*) FILTER (WHERE {any_diff})", f"min({ident(ROW)}, {int(samples)}) FILTER (WHERE {any_diff})"]
    sql = (f"{plan.body},\ncmp0 AS (SELECT {', '.join(cmp)} FROM final)\n"
           f"SELECT {', '.join(select)} FROM cmp0")
    row = run(con, sql, progress)[0]
    _check_values(con, plan, path, [before, after], row[1])
    values = list(row[2:])
    found = []
    for name, kind in specs:
        changed, sample, err_b, err_a, to_null, from_null = values[:6]
        del values[:6]
        extra: dict[str, Any] = {}
        if kind == "yes/no":
            extra = {"yes_to_no": values[0], "no_to_yes": values[1]}
            del values[:2]
        elif kind == "amount":
            for key in ("up", "down"):
                count, total, largest = values[:3]
                del values[:3]
                extra[key] = Amount(count, float(Decimal(total) / count), float(largest)) if count else None
        else:
            pairs = sorted(((tuple(e["key"]), e["value"]) for e in values.pop(0) or ()), key=lambda kv: (-kv[1], repr(kv[0])))
            extra["transitions"] = tuple(Transition(b, a, n) for (b, a), n in pairs[:TRANSITIONS])
        found.append(OutcomeChanges(name, kind, changed, decided_to_null=to_null, null_to_decided=from_null,
                                    errors_before=err_b, errors_after=err_a, samples=tuple(sample or ()), **extra))
    changed, sample = values
    return Changes(row[0], changed, tuple(sample or ()), tuple(found))


def write_outcomes(process: Process, path: str, output: str, con=None,
                   progress: Callable[[float], None] | None = None) -> int:
    """Evaluate ``process`` on the population ``path`` and write one row per case (``row``, the
    outcomes, ``error``) to ``output`` (.csv or .parquet), atomically. Returns the rows written."""
    if not output.endswith(FORMATS):
        raise PopulationError(f"{output}: unknown format; expected a file ending in .csv or .parquet")
    con = con or connect()
    relation = evaluate_population(process, path, con)
    folder = os.path.dirname(os.path.abspath(output))
    os.makedirs(folder, exist_ok=True)
    import tempfile

    with tempfile.TemporaryDirectory(dir=folder, prefix=".askless-") as tmp:
        target = os.path.join(tmp, "out" + os.path.splitext(output)[1])
        fmt = "(FORMAT parquet)" if output.endswith(".parquet") else "(FORMAT csv, HEADER true)"
        run(con, f"COPY ({relation.sql_query()}) TO {text_literal(target)} {fmt}", progress)
        rows = con.execute(f"SELECT count(*) FROM read_{'parquet' if output.endswith('.parquet') else 'csv'}"
                           f"({text_literal(target)})").fetchone()[0]
        os.replace(target, output)
    return rows


# -- analyzer.whatif's comparison, vectorised ------------------------------------------------------

def _label_sql(v: str, kind: str) -> str:
    """SQL for whatif's label of a value (Python's str(); True / False for booleans)."""
    if kind == "bool":
        return f"CASE WHEN {v} THEN 'True' ELSE 'False' END"
    return f"CAST({v} AS VARCHAR)"


def whatif_changes(before: Process, after: Process, path: str, con=None,
                   progress: Callable[[float], None] | None = None):
    """:func:`analyzer.whatif.decision_changes` on the population file ``path``, computed in SQL:
    the same :class:`analyzer.whatif.Changes` that it returns for ``population.read(before,
    path)``, without reading the rows into Python. As there, an empty answer the rules read makes
    the case undecidable, rows the old rules cannot decide are counted apart, and amounts are the
    same within 1e-9. Two parts run row by row on the few rows they concern: the sample cases
    (their values as the interpreter gives them) and the rows the new rules cannot decide (the
    question they miss is the first the interpreter reaches)."""
    from . import whatif

    con = con or connect()
    names = _file_columns(con, path, [before])
    known = {c.name: c for c in columns(before)}  # whatif reads the file with the old rules
    plan = _plan([("b.", before), ("a.", after)], path, names, present=True, cols=known)
    kinds_b = {n: k for n, (_, _, k) in plan.outcomes["b."].items()}
    kinds_a = {n: k for n, (_, _, k) in plan.outcomes["a."].items()}
    every = sorted(set(before.outcomes) | set(after.outcomes))
    cmp = [ident(ROW), f"{plan.bad} AS bad",
           f"{_any(*(e for _, e, _ in plan.outcomes['b.'].values()))} AS eb",
           f"{_any(*(e for _, e, _ in plan.outcomes['a.'].values()))} AS ea"]
    select = ["count(*)", f"min({ident(ROW)}) FILTER (WHERE bad)", "count(*) FILTER (WHERE eb)",
              "count(*) FILTER (WHERE NOT eb AND ea)"]
    specs = []
    for k, name in enumerate(every):
        bk, ak = kinds_b.get(name, "null"), kinds_a.get(name, "null")
        b = plan.outcomes["b."][name][0] if name in before.outcomes else "NULL"
        a = plan.outcomes["a."][name][0] if name in after.outcomes else "NULL"
        cmp += [f"{b} AS b{k}", f"{a} AS a{k}"]
        bv, av = f"b{k}", f"a{k}"
        if bk in _NUMERIC and ak in _NUMERIC:  # math.isclose(rel_tol=1e-9, abs_tol=1e-9)
            same = (f"({bv} IS NULL AND {av} IS NULL) OR abs(CAST({av} AS DOUBLE) - CAST({bv} AS DOUBLE)) <= "
                    f"greatest(1e-9 * greatest(abs(CAST({av} AS DOUBLE)), abs(CAST({bv} AS DOUBLE))), 1e-9)")
        elif bk == ak or "null" in (bk, ak):
            same = f"{bv} IS NOT DISTINCT FROM {av}"
        else:
            same = f"{bv} IS NULL AND {av} IS NULL"
        cmp.append(f"NOT COALESCE({same}, FALSE) AS d{k}")
        ok = f"ok AND d{k}"
        both = f"{ok} AND {bv} IS NOT NULL AND {av} IS NOT NULL"
        select += [f"count(*) FILTER (WHERE {ok})",
                   f"count(*) FILTER (WHERE {ok} AND {bv} IS NULL)",
                   f"count(*) FILTER (WHERE {ok} AND {bv} IS NOT NULL AND {av} IS NULL)"]
        if {bk, ak} == {"bool"}:
            kind = "bool"
            select += [f"count(*) FILTER (WHERE {both} AND {av})", f"count(*) FILTER (WHERE {both} AND NOT {av})"]
        elif bk in _NUMERIC and ak in _NUMERIC:
            kind = "amount"
            move = f"({av} - {bv})"
            # Python sums the moves in row order: so does an ordered sum
            select += [f"count(*) FILTER (WHERE {both} AND {av} > {bv})",
                       f"count(*) FILTER (WHERE {both} AND NOT {av} > {bv})",
                       f"sum(CAST({move} AS DOUBLE) ORDER BY {ident(ROW)}) FILTER (WHERE {both})",
                       f"max({move}) FILTER (WHERE {both})", f"min({move}) FILTER (WHERE {both})"]
        elif bk == ak == "list":
            kind = "list"
            items = sorted({i.name for p in (before, after) if name in p.outcomes for i in p.outcomes[name].items})
            for item in items:
                x = text_literal(item)
                select += [f"count(*) FILTER (WHERE {both} AND list_contains({bv}, {x}) AND NOT list_contains({av}, {x}))",
                           f"count(*) FILTER (WHERE {both} AND list_contains({av}, {x}) AND NOT list_contains({bv}, {x}))"]
            specs.append((name, kind, items))
        else:
            kind = "label"
            select.append(f"map_entries(histogram({_label_sql(bv, bk)} || '->' || {_label_sql(av, ak)}) FILTER (WHERE {both}))")
        if kind != "list":
            specs.append((name, kind, ()))
    changed_any = " OR ".join(f"d{k}" for k in range(len(every))) or "FALSE"
    select += [f"count(*) FILTER (WHERE ok AND ({changed_any}))",
               f"min({ident(ROW)}, {whatif.SAMPLES}) FILTER (WHERE ok AND ({changed_any}))"]
    sql = (f"{plan.body},\ncmp0 AS (SELECT {', '.join(cmp)} FROM final),\n"
           f"cmp1 AS (SELECT *, NOT eb AND NOT ea AS ok FROM cmp0)\nSELECT {', '.join(select)} FROM cmp1")
    row = run(con, sql, progress)
    row = list(row[0])
    total, first_bad, undecidable, missing_rows = row[:4]
    _check_values(con, plan, path, [before], first_bad)
    values = row[4:]
    shifts = []
    for name, kind, items in specs:
        changed, to_decided, to_undecided = values[:3]
        del values[:3]
        dirs = {"not decided->decided": to_decided, "decided->not decided": to_undecided}
        mean = rise = fall = None
        if kind == "bool":
            dirs.update({"no->yes": values[0], "yes->no": values[1]})
            del values[:2]
        elif kind == "amount":
            up, down, total_move, largest, smallest = values[:5]
            del values[:5]
            dirs.update({"up": up, "down": down})
            if up + down:
                mean = round(total_move / (up + down), 2)
                rise = round(largest, 2) if largest > 0 else None
                fall = round(smallest, 2) if smallest < 0 else None
        elif kind == "list":
            for item in items:
                dirs.update({f"-{item}": values[0], f"+{item}": values[1]})
                del values[:2]
        else:
            dirs.update({e["key"]: e["value"] for e in values.pop(0) or ()})
        if changed:
            shifts.append(whatif.OutcomeShift(name, changed, tuple(sorted((d, n) for d, n in dirs.items() if n)),
                                              mean, rise, fall))
    changed_rows, sample_rows = values
    # the few rows decided row by row: the samples, and the rows the new rules cannot decide
    samples = ()
    if sample_rows:
        raw = _raw_rows(con, path, f"IN ({', '.join(str(int(r)) for r in sample_rows)})")
        cases = [_case(before, raw[r], path, r + 1) for r in sample_rows]
        sub = whatif.decision_changes(before, after, cases)
        samples = tuple(dataclasses.replace(s, row=sample_rows[s.row - 1]) for s in sub.samples)
    missing = ()
    if missing_rows:
        test = f"IN (SELECT {ident(ROW)} FROM ({plan.body}\nSELECT {ident(ROW)}, " \
               f"{_any(*(e for _, e, _ in plan.outcomes['b.'].values()))} AS eb, " \
               f"{_any(*(e for _, e, _ in plan.outcomes['a.'].values()))} AS ea FROM final) WHERE NOT eb AND ea)"
        raw = _raw_rows(con, path, test)
        sub = whatif.decision_changes(before, after, [_case(before, v, path, r + 1) for r, v in raw.items()])
        missing = sub.missing_after
    return whatif.Changes(total - undecidable - missing_rows, changed_rows, tuple(shifts), samples, undecidable, missing)
