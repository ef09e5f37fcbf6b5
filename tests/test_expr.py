"""The parser: total on any text, positions inside the text, round trip, and precedence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.evaluate import EvalError, MappingEnv, value
from analyzer.expr import MAX_EXPR_CHARS, Expr, ExprError, Name, children, parse
from analyzer.typecheck import check
from tests.strategies import exprs, operator_texts, scope, shape, unparse


def parse_or_error(text: str) -> Expr | ExprError:
    """The AST, or the ExprError; any other exception fails the test."""
    try:
        return parse(text)
    except ExprError as exc:
        return exc


def nodes(tree: Expr) -> list[Expr]:
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children(node))
    return found


def assert_well_formed(text: str) -> Expr | ExprError:
    result = parse_or_error(text)
    if isinstance(result, ExprError):
        assert 0 <= result.start <= len(text), (result.start, result.message)
        assert result.message
    else:
        for node in nodes(result):
            assert 0 <= node.start <= node.end <= len(text), node
            if isinstance(node, Name):
                assert text[node.start:node.end] == node.name
    return result


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), operator_texts))
def test_any_text_gives_an_ast_or_an_expr_error(text):
    assert_well_formed(text)


@settings(max_examples=150)
@given(operator_texts)
def test_a_parsed_text_round_trips_and_typechecks(text):
    tree = assert_well_formed(text)
    if isinstance(tree, Expr):
        assert shape(parse(unparse(tree))) == shape(tree), unparse(tree)
        check(tree, scope(), [])  # never raises, whatever the names and types


@settings(max_examples=250)
@given(exprs)
def test_unparse_then_parse_gives_the_same_tree(tree):
    text = unparse(tree)
    assert shape(parse(text)) == shape(tree), text


@settings(max_examples=100)
@given(exprs)
def test_the_span_of_a_parsed_tree_is_the_whole_text(tree):
    text = unparse(tree)
    parsed = parse(f"  {text} ")
    assert (parsed.start, parsed.end) == (2, 2 + len(text))


# A fixed, hand-read precedence table: text -> the fully parenthesised reading.
PRECEDENCE = [
    ("a or b and c", "a or (b and c)"),
    ("a and b or c", "(a and b) or c"),
    ("not a and b", "(not a) and b"),
    ("not a == b", "not (a == b)"),
    ("not a in [1]", "not (a in [1])"),
    ("a not in [1] or b", "(a not in [1]) or b"),
    ("a + b * c", "a + (b * c)"),
    ("a * b + c", "(a * b) + c"),
    ("a - b - c", "(a - b) - c"),
    ("a / b / c", "(a / b) / c"),
    ("a - b + c", "(a - b) + c"),
    ("-a * b", "(-a) * b"),
    ("- -a", "-(-a)"),
    ("a + b < c * d", "(a + b) < (c * d)"),
    ("a < b == c", None),  # comparisons do not chain
    ("a == b and c != d or e", "((a == b) and (c != d)) or e"),
    ("if a then b else c or d", "if a then b else (c or d)"),
    ("if a then b else if c then d else e", "if a then b else (if c then d else e)"),
    ("f(a, b + c)[0]", None),  # no indexing
    ("not not a", "not (not a)"),
    ("1_000 + 2.5", "1000 + 2.5"),
]


@pytest.mark.parametrize(("text", "reading"), PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence(text, reading):
    if reading is None:
        with pytest.raises(ExprError):
            parse(text)
    else:
        assert shape(parse(text)) == shape(parse(reading))


@pytest.mark.parametrize(("text", "start"), [
    ("a && b", 2), ("a = 1", 2), ("(a", 0), ("a)", 1), ("f(a", 1), ("[1, 2", 0), ("'abc", 0),
    ("a < b < c", 6), ("if a then b", 11), ("", 0), ("a +", 3), ("x ** 2", 2), ("a ! b", 2),
], ids=repr)
def test_error_offsets(text, start):
    with pytest.raises(ExprError) as info:
        parse(text)
    assert info.value.start == start


# Texts near the limits: each gives an AST or an ExprError, and an AST never overflows the stack
# of the type checker or the interpreter.
DEEP = [
    "(" * 3000 + "a" + ")" * 3000,
    "not " * 900 + "a",
    "-" * 3000 + "1",
    "f(" * 1500 + ")" * 1500,
    "[" * 2000 + "]" * 2000,
    "if a then " * 300 + "1" + " else 1" * 300,
    "a" + " + a" * 999,
    "1" + "*1" * 1999,
    "a" + " or a" * 700,
    "a" + " and a" * 600,
    "1" * (MAX_EXPR_CHARS + 1),
    "1" * MAX_EXPR_CHARS,
    "9" * 1000 + ".5",
]


@pytest.mark.parametrize("text", DEEP, ids=lambda t: f"{t[:12]}...{len(t)}")
def test_deep_or_long_texts_are_refused_or_handled(text):
    tree = assert_well_formed(text)
    if isinstance(tree, Expr):
        check(tree, scope(), [])
        try:
            value(tree, MappingEnv({"a": True}))
        except (EvalError, TypeError):
            pass  # a function 'f' or a bool in arithmetic: fine; a RecursionError is not
