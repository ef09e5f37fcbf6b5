"""The interpreter against independent oracles: plain Python, Kleene's tables, and the calendar."""

from __future__ import annotations

import datetime as dt
import math
import operator
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analyzer.evaluate import EvalError, MappingEnv, value
from analyzer.expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary, parse
from analyzer.typecheck import check
from tests.strategies import DECLARED, INT_NAMES, envs, lit, mixed_exprs, name, scope, typed_exprs, unparse, values_of

# -- the oracles --------------------------------------------------------------------------------

PY_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
             "==": operator.eq, "!=": operator.ne}


def half_away(x, digits=0):
    """Round half away from zero on the decimal the number is written as."""
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(q) if digits == 0 else float(q)


PY_CALLS = {"abs": abs, "min": lambda *xs: min(xs), "max": lambda *xs: max(xs), "floor": math.floor, "ceil": math.ceil, "round": half_away}


def oracle(node: Expr, env: dict):
    """Plain Python, no nulls: Python's own operators, short-circuiting and/or, eager lists."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return env[node.name]
    if isinstance(node, Unary):
        return not oracle(node.operand, env) if node.op == "not" else -oracle(node.operand, env)
    if isinstance(node, IfElse):
        return oracle(node.then, env) if oracle(node.cond, env) else oracle(node.other, env)
    if isinstance(node, ListOf):
        return [oracle(i, env) for i in node.items]
    if isinstance(node, Call):
        return PY_CALLS[node.func](*(oracle(a, env) for a in node.args))
    assert isinstance(node, Binary)
    if node.op == "and":
        return oracle(node.left, env) and oracle(node.right, env)
    if node.op == "or":
        return oracle(node.left, env) or oracle(node.right, env)
    if node.op in ("in", "not in"):
        found = oracle(node.left, env) in oracle(node.right, env)
        return found if node.op == "in" else not found
    return PY_BINARY[node.op](oracle(node.left, env), oracle(node.right, env))


# Kleene's strong three-valued logic: order false < unknown < true; 'and' is the minimum,
# 'or' the maximum, 'not' reverses the order.
RANK = {False: 0, None: 1, True: 2}
BY_RANK = {0: False, 1: None, 2: True}


def kleene(node: Expr, env: dict):
    """Three-valued oracle: null is unknown; any other operator with a null operand gives null."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return env[node.name]
    if isinstance(node, Unary):
        v = kleene(node.operand, env)
        return None if v is None else (not v if node.op == "not" else -v)
    if isinstance(node, IfElse):
        cond = kleene(node.cond, env)
        return None if cond is None else kleene(node.then if cond else node.other, env)
    if isinstance(node, ListOf):
        return [kleene(i, env) for i in node.items]
    if isinstance(node, Call):
        args = [kleene(a, env) for a in node.args]
        return None if None in args else PY_CALLS[node.func](*args)
    assert isinstance(node, Binary)
    left, right = kleene(node.left, env), kleene(node.right, env)
    if node.op == "and":
        return BY_RANK[min(RANK[left], RANK[right])]
    if node.op == "or":
        return BY_RANK[max(RANK[left], RANK[right])]
    if left is None or right is None:
        return None
    if node.op in ("in", "not in"):  # x in [a, b] is x == a or x == b
        ranks = [1 if item is None else 2 * (left == item) for item in right]
        found = BY_RANK[max(ranks, default=0)]
        return found if node.op == "in" or found is None else not found
    return PY_BINARY[node.op](left, right)


def outcome(f, *args):
    """("ok", value) or ("error", None): how a computation ended, for comparing two of them."""
    try:
        return "ok", f(*args)
    except (EvalError, ZeroDivisionError):
        return "error", None


def same(a, b) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


# -- against plain Python ------------------------------------------------------------------------

@settings(max_examples=200)
@given(st.sampled_from(["bool", "int"]).flatmap(lambda k: typed_exprs(k, numbers=False, choices=False)),
       envs())
def test_value_agrees_with_python_on_ints_and_bools(tree, env):
    assert same(value(tree, MappingEnv(env)), oracle(tree, env)), unparse(tree)


@settings(max_examples=150)
@given(st.sampled_from(["bool", "int", "number"]).flatmap(typed_exprs), envs())
def test_value_agrees_with_python_with_numbers_and_choices(tree, env):
    mine, expected = outcome(value, tree, MappingEnv(env)), outcome(oracle, tree, env)
    assert mine[0] == expected[0] and same(mine[1], expected[1]), unparse(tree)


# -- Kleene logic ----------------------------------------------------------------------------------

T, F, N = True, False, None
AND = {(T, T): T, (T, F): F, (T, N): N, (F, T): F, (F, F): F, (F, N): F, (N, T): N, (N, F): F, (N, N): N}
OR = {(T, T): T, (T, F): T, (T, N): T, (F, T): T, (F, F): F, (F, N): N, (N, T): T, (N, F): N, (N, N): N}
NOT = {T: F, F: T, N: N}


@pytest.mark.parametrize(("a", "b"), list(AND), ids=str)
def test_and_or_truth_tables(a, b):
    env = MappingEnv({"a": a, "b": b})
    assert value(parse("a and b"), env) is AND[a, b]
    assert value(parse("a or b"), env) is OR[a, b]


@pytest.mark.parametrize("a", list(NOT), ids=str)
def test_not_truth_table(a):
    assert value(parse("not a"), MappingEnv({"a": a})) is NOT[a]


@settings(max_examples=200)
@given(typed_exprs("bool", numbers=False), envs(nulls=True))
def test_value_agrees_with_kleene_oracle(tree, env):
    assert same(value(tree, MappingEnv(env)), kleene(tree, env)), unparse(tree)


@st.composite
def partial_and_complete(draw):
    partial = draw(envs(nulls=True))
    complete = {n: draw(values_of(DECLARED[n])) if v is None else v for n, v in partial.items()}
    return partial, complete


@settings(max_examples=200)
@given(typed_exprs("bool", numbers=False), partial_and_complete())
def test_a_known_value_stays_when_nulls_are_filled_in(tree, envs_pair):
    """Soundness of partial evaluation: a value computed with unknowns is the value of every case."""
    partial, complete = envs_pair
    known = value(tree, MappingEnv(partial))
    if known is not None:
        assert value(tree, MappingEnv(complete)) is known, unparse(tree)


@settings(max_examples=150)
@given(st.sampled_from(INT_NAMES), st.lists(st.sampled_from(INT_NAMES + (3, 0)), min_size=1, max_size=3),
       envs(nulls=True))
def test_in_is_a_disjunction_of_equalities(left, items, env):
    as_node = lambda x: name(x) if isinstance(x, str) else lit(x)  # noqa: E731
    listed = parse(f"{left} in [{', '.join(unparse(as_node(i)) for i in items)}]")
    spelled = parse(" or ".join(f"{left} == {unparse(as_node(i))}" for i in items))
    not_listed = parse(f"{left} not in [{', '.join(unparse(as_node(i)) for i in items)}]")
    got = value(listed, MappingEnv(env))
    assert got is value(spelled, MappingEnv(env))
    assert value(not_listed, MappingEnv(env)) is (None if got is None else not got)


# -- static types hold at run time ------------------------------------------------------------------

RUNTIME = {"bool": (bool,), "int": (int,), "number": (int, float), "choice": (str,), "text": (str,),
           "date": (dt.date,), "null": (), "list": (list,)}


def assert_runs_as_typed(tree: Expr, env: dict) -> None:
    issues = []
    t = check(tree, scope(), issues)
    assert not issues, (unparse(tree), issues)
    try:
        v = value(tree, MappingEnv(env))
    except EvalError:
        return  # division by zero: the one failure a well-typed expression may meet
    if v is not None:
        assert isinstance(v, RUNTIME[t.kind]) and (t.kind == "bool") == isinstance(v, bool), (unparse(tree), t, v)


@settings(max_examples=200)
@given(st.sampled_from(["bool", "int", "number", "choice"]).flatmap(typed_exprs), envs(nulls=True))
def test_generated_well_typed_expressions_typecheck_and_run(tree, env):
    assert_runs_as_typed(tree, env)


@settings(max_examples=150, suppress_health_check=[HealthCheck.filter_too_much])
@given(mixed_exprs(), st.data())
def test_whatever_typechecks_never_raises_type_error(tree, data):
    issues = []
    check(tree, scope(), issues)
    assume(not issues)
    assert_runs_as_typed(tree, data.draw(envs(nulls=data.draw(st.booleans()))))


@pytest.mark.parametrize("text", [
    "min(1, date('2024-01-01'))", "max(date('2024-01-01'), i1)", "min(n1, date('2024-01-01'), 2)",
])
def test_min_and_max_do_not_mix_numbers_and_dates(text):
    issues = []
    check(parse(text), scope(), issues)
    assert [i.code for i in issues] == ["type-mismatch"]


@pytest.mark.parametrize("text", [
    "add_years(date('2024-01-01'), 9000)", "add_months(date('2024-01-01'), -30000)",
    "add_days(date('2024-01-01'), 9000000)", "date('2024-01-01') + 9000000", "date('0001-01-01') - 1",
    "round(2.5, 400)", "round(1, 1000)", "1 / 0", "1.5 / (2 - 2.0)",
])
def test_values_out_of_range_are_eval_errors(text):
    with pytest.raises(EvalError):
        value(parse(text), MappingEnv({}))


# -- dates and rounding ------------------------------------------------------------------------------

def run(text: str):
    return value(parse(text), MappingEnv({}))


@pytest.mark.parametrize(("text", "expected"), [
    ("years_between(date('1990-05-10'), date('2026-05-09'))", 35),
    ("years_between(date('1990-05-10'), date('2026-05-10'))", 36),
    ("years_between(date('2000-02-29'), date('2001-02-28'))", 0),
    ("years_between(date('2000-02-29'), date('2001-03-01'))", 1),
    ("years_between(date('2000-02-29'), date('2004-02-29'))", 4),
    ("years_between(date('2026-01-01'), date('2026-01-01'))", 0),
    ("months_between(date('2026-01-31'), date('2026-02-28'))", 0),
    ("months_between(date('2026-01-15'), date('2026-03-15'))", 2),
    ("days_between(date('2024-02-28'), date('2024-03-01'))", 2),
    ("add_months(date('2024-01-31'), 1)", dt.date(2024, 2, 29)),
    ("add_months(date('2025-01-31'), 1)", dt.date(2025, 2, 28)),
    ("add_months(date('2025-03-31'), 1)", dt.date(2025, 4, 30)),
    ("add_months(date('2025-12-31'), 2)", dt.date(2026, 2, 28)),
    ("add_months(date('2025-03-31'), -1)", dt.date(2025, 2, 28)),
    ("add_months(date('2025-01-15'), -13)", dt.date(2023, 12, 15)),
    ("add_months(date('2025-05-31'), 0)", dt.date(2025, 5, 31)),
    ("add_years(date('2024-02-29'), 1)", dt.date(2025, 2, 28)),
    ("add_years(date('2024-02-29'), 4)", dt.date(2028, 2, 29)),
    ("add_days(date('2025-12-31'), 1)", dt.date(2026, 1, 1)),
    ("round(2.5)", 3), ("round(-2.5)", -3), ("round(0.5)", 1), ("round(-0.5)", -1), ("round(1.5)", 2),
    ("round(0.49)", 0), ("round(1234.5)", 1235), ("round(2.675, 2)", 2.68), ("round(-1.25, 1)", -1.3),
    ("round(1.005, 2)", 1.01), ("round(7)", 7), ("round(1250, -2)", 1300.0), ("round(-1249.9, -2)", -1200.0),
    ("round(5, -400)", 0.0), ("floor(-2.5)", -3), ("ceil(-2.5)", -2),
], ids=lambda x: x if isinstance(x, str) else "")
def test_date_functions_and_rounding_by_hand(text, expected):
    got = run(text)
    assert got == expected and type(got) is type(expected)


dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def birthday(born: dt.date, year: int) -> dt.date:
    """The birthday in ``year``; someone born on 29 February has it on 1 March in other years."""
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


@settings(max_examples=200)
@given(dates, dates)
def test_years_between_counts_birthdays(born, day):
    assume(born <= day)
    passed = sum(1 for year in range(born.year + 1, day.year + 1) if birthday(born, year) <= day)
    assert run(f"years_between(date('{born}'), date('{day}'))") == passed


DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@settings(max_examples=200)
@given(dates, st.integers(-60, 60))
def test_add_months_steps_month_by_month_and_clamps(start, n):
    year, month = start.year, start.month
    for _ in range(abs(n)):  # one calendar month at a time
        month += 1 if n > 0 else -1
        year, month = (year + 1, 1) if month == 13 else (year - 1, 12) if month == 0 else (year, month)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = DAYS_IN_MONTH[month - 1] + (month == 2 and leap)
    assert run(f"add_months(date('{start}'), {n})" if n >= 0 else f"add_months(date('{start}'), -{-n})") \
        == dt.date(year, month, min(start.day, last))
