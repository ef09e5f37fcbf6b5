"""The expression language of rule files: tokens, a typed AST, and a parser.

Expressions appear in ``derive``, ``applies_if``, ``when`` and ``value``. They are parsed here
into frozen AST nodes and interpreted by :mod:`analyzer.evaluate`; they are never handed to
Python's ``eval``. Grammar, loosest binding first::

    expr     := "if" expr "then" expr "else" expr | or
    or       := and ("or" and)*
    and      := not ("and" not)*
    not      := "not" not | compare
    compare  := sum [("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") sum]
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/") unary)*
    unary    := "-" unary | primary
    primary  := NUMBER | STRING | "true" | "false" | "null" | NAME | NAME "(" args ")"
              | "[" [expr ("," expr)*] "]" | "(" expr ")"

Numbers may use ``_`` between digits (``171_500``). Strings use single or double quotes.
Comparisons do not chain (``a < b < c`` is an error: write ``a < b and b < c``).

>>> parse("alder >= 67 and not lejer")
Binary(start=0, end=25, op='and', left=Binary(start=0, end=11, op='>=', left=Name(start=0, end=5, name='alder'), right=Literal(start=9, end=11, value=67)), right=Unary(start=16, end=25, op='not', operand=Name(start=20, end=25, name='lejer')))
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: longest expression accepted, in characters
MAX_EXPR_CHARS = 4000
#: deepest nesting of parentheses, brackets, calls and operators accepted (each operator of a
#: chain such as ``a + b + c`` counts as a level)
MAX_EXPR_DEPTH = 64

KEYWORDS = frozenset({"and", "or", "not", "in", "if", "then", "else", "true", "false", "null"})


class ExprError(Exception):
    """A syntax error at character offset :attr:`start` of the expression."""

    def __init__(self, start: int, message: str, hint: str = "", code: str = "expression-syntax"):
        super().__init__(message)
        self.start = start
        self.message = message
        self.hint = hint
        self.code = code


@dataclass(frozen=True)
class Expr:
    #: offset of the first character in the expression text
    start: int
    #: offset just past the last character
    end: int


@dataclass(frozen=True)
class Literal(Expr):
    #: bool, int, float, str or None
    value: Any


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class Unary(Expr):
    #: "not" or "-"
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    #: and, or, ==, !=, <, <=, >, >=, in, not in, +, -, *, /
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class ListOf(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Call(Expr):
    func: str
    #: offset span of the function name, for diagnostics
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class IfElse(Expr):
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Token:
    kind: str  # num, str, name, op, end
    text: str
    start: int
    value: Any = None


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<num>\d(?:_?\d)*(?:\.\d(?:_?\d)*)?)
  | (?P<str>"[^"\n]*"|'[^'\n]*')
  | (?P<name>[^\W\d]\w*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
""", re.VERBOSE)

_BAD_OPERATORS = {
    "&&": ("'&&' is not an operator", "write 'and'"),
    "||": ("'||' is not an operator", "write 'or'"),
    "&": ("'&' is not an operator", "write 'and'"),
    "|": ("'|' is not an operator", "write 'or'"),
    "!": ("'!' is not an operator", "write 'not', or '!=' for 'differs from'"),
    "=": ("'=' is not an operator", "write '==' to compare"),
    "===": ("'===' is not an operator", "write '=='"),
    "<>": ("'<>' is not an operator", "write '!='"),
    "%": ("'%' is not an operator", "write a percentage as a fraction: 0.18 for 18 %"),
    "^": ("'^' is not an operator", "powers are not supported; multiply out"),
    "**": ("'**' is not an operator", "powers are not supported; multiply out"),
    "=>": ("'=>' is not an operator", "write '>='"),
    "=<": ("'=<' is not an operator", "write '<='"),
    "?": ("'?' is not an operator", "write 'if COND then A else B'"),
}


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_EXPR_CHARS:
        raise ExprError(0, f"the expression is {len(text)} characters long; the limit is {MAX_EXPR_CHARS}",
                        "split it into derived facts", code="too-large")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        bad = _bad_operator_at(text, pos)
        if bad:
            message, hint = _BAD_OPERATORS[bad]
            raise ExprError(pos, message, hint)
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char in "\"'":
                raise ExprError(pos, "unterminated string", f"close it with {char}")
            raise ExprError(pos, f"unexpected character {char!r}",
                            "expressions use names, numbers, quoted text, and + - * / == != < <= > >= "
                            "and or not in if/then/else")
        kind = match.lastgroup
        if kind != "space":
            token_text = match.group()
            value: Any = None
            if kind == "num":
                plain = token_text.replace("_", "")
                value = float(plain) if "." in plain else int(plain)
            elif kind == "str":
                value = token_text[1:-1]
            elif kind == "name" and token_text in KEYWORDS:
                kind = "kw"
            tokens.append(Token(kind, token_text, pos, value))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _bad_operator_at(text: str, pos: int) -> str | None:
    for bad in sorted(_BAD_OPERATORS, key=len, reverse=True):
        if text.startswith(bad, pos):
            if bad in ("!", "=") and text.startswith(bad + "=", pos):
                return None  # '!=' and '==' are operators
            return bad
    return None


def parse(text: str) -> Expr:
    """Parse an expression; raise :class:`ExprError` with the offset of the first problem."""
    if not isinstance(text, str):
        raise ExprError(0, f"expected an expression as text, got {type(text).__name__}")
    if not text.strip():
        raise ExprError(0, "the expression is empty", "write a condition such as 'alder >= 67'")
    parser = _Parser(tokenize(text))
    tree = parser.expr()
    token = parser.peek()
    if token.kind != "end":
        if token.text == ")":
            raise ExprError(token.start, "unbalanced ')': no '(' opens it")
        if token.text in ("<", "<=", ">", ">=", "==", "!="):
            raise ExprError(token.start, "comparisons do not chain",
                            "write 'a < b and b < c' instead of 'a < b < c'")
        raise ExprError(token.start, f"unexpected {_describe(token)} after a complete expression",
                        "join conditions with 'and' or 'or'")
    return tree


def _describe(token: Token) -> str:
    return "end of expression" if token.kind == "end" else repr(token.text)


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token.kind in ("op", "kw") and token.text == text

    def expect(self, text: str, opener: Token | None = None) -> Token:
        if not self.at(text):
            token = self.peek()
            if opener is not None and token.kind == "end":
                raise ExprError(opener.start, f"unbalanced {opener.text!r}: no {text!r} closes it")
            raise ExprError(token.start, f"expected {text!r}, found {_describe(token)}")
        return self.take()

    def _enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_EXPR_DEPTH:
            raise ExprError(token.start, f"the expression nests deeper than {MAX_EXPR_DEPTH} levels",
                            "split it into derived facts", code="too-large")

    def expr(self) -> Expr:
        token = self.peek()
        self._enter(token)
        try:
            if self.at("if"):
                self.take()
                cond = self.expr()
                self.expect("then")
                then = self.expr()
                if not self.at("else"):
                    raise ExprError(self.peek().start, "'if ... then ...' needs an 'else' part",
                                    "write 'if COND then A else B'")
                self.take()
                other = self.expr()
                return IfElse(token.start, other.end, cond, then, other)
            return self.binary_or()
        finally:
            self.depth -= 1

    def _chain(self, ops: tuple[str, ...], operand) -> Expr:
        # a chain 'a + b + c' is parsed by a loop but builds a left-deep tree, one level per
        # operator: count each operator as a level, so the tree stays shallow enough for the
        # recursive type checker and interpreter
        left = operand()
        levels = 0
        try:
            while self.peek().kind in ("op", "kw") and self.peek().text in ops:
                token = self.take()
                self._enter(token)
                levels += 1
                right = operand()
                left = Binary(left.start, right.end, token.text, left, right)
        finally:
            self.depth -= levels
        return left

    def binary_or(self) -> Expr:
        return self._chain(("or",), self.binary_and)

    def binary_and(self) -> Expr:
        return self._chain(("and",), self.negation)

    def negation(self) -> Expr:
        if self.at("not"):
            token = self.take()
            self._enter(token)
            try:
                operand = self.negation()
            finally:
                self.depth -= 1
            return Unary(token.start, operand.end, "not", operand)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.sum()
        token = self.peek()
        op = None
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take().text
        elif self.at("in"):
            self.take()
            op = "in"
        elif self.at("not") and self.peek(1).kind == "kw" and self.peek(1).text == "in":
            self.take()
            self.take()
            op = "not in"
        if op is None:
            return left
        right = self.sum()
        return Binary(left.start, right.end, op, left, right)

    def sum(self) -> Expr:
        return self._chain(("+", "-"), self.product)

    def product(self) -> Expr:
        return self._chain(("*", "/"), self.unary)

    def unary(self) -> Expr:
        if self.peek().kind == "op" and self.peek().text == "-":
            token = self.take()
            self._enter(token)
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            return Unary(token.start, operand.end, "-", operand)
        return self.primary()

    def primary(self) -> Expr:
        token = self.take()
        end = token.start + len(token.text)
        if token.kind == "num":
            return Literal(token.start, end, token.value)
        if token.kind == "str":
            return Literal(token.start, end, token.value)
        if token.kind == "kw" and token.text in ("true", "false", "null"):
            return Literal(token.start, end, {"true": True, "false": False, "null": None}[token.text])
        if token.kind == "name":
            if self.at("("):
                opener = self.take()
                args = self._items(")", opener)
                close = self.expect(")", opener)
                return Call(token.start, close.start + 1, token.text, tuple(args))
            return Name(token.start, end, token.text)
        if token.kind == "op" and token.text == "(":
            self._enter(token)
            try:
                inner = self.expr()
            finally:
                self.depth -= 1
            close = self.expect(")", token)
            return _respan(inner, token.start, close.start + 1)
        if token.kind == "op" and token.text == "[":
            items = self._items("]", token)
            close = self.expect("]", token)
            return ListOf(token.start, close.start + 1, tuple(items))
        if token.kind == "end":
            raise ExprError(token.start, "the expression ends too early", "an operand is missing at the end")
        if token.kind == "kw":
            raise ExprError(token.start, f"'{token.text}' cannot start an operand",
                            "an operand (a name, number or parenthesis) is missing before it")
        if token.text == ")":
            raise ExprError(token.start, "unbalanced ')': no '(' opens it")
        raise ExprError(token.start, f"unexpected {token.text!r}", "an operand is missing here")

    def _items(self, closer: str, opener: Token) -> list[Expr]:
        items: list[Expr] = []
        if self.at(closer):
            return items
        self._enter(opener)
        try:
            items.append(self.expr())
            while self.at(","):
                self.take()
                items.append(self.expr())
        finally:
            self.depth -= 1
        if not self.at(closer) and self.peek().kind == "end":
            raise ExprError(opener.start, f"unbalanced {opener.text!r}: no {closer!r} closes it")
        return items


def _respan(node: Expr, start: int, end: int) -> Expr:
    # a parenthesised expression spans its parentheses (for pointing at it), but keeps its shape
    fields = {k: getattr(node, k) for k in node.__dataclass_fields__}
    fields.update(start=start, end=end)
    return type(node)(**fields)


def names(node: Expr) -> Iterator[Name]:
    """Every name the expression refers to (not function names), in text order."""
    stack = [node]
    found: list[Name] = []
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found.append(current)
        stack.extend(children(current))
    return iter(sorted(found, key=lambda n: n.start))


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, ListOf):
        return node.items
    if isinstance(node, Call):
        return node.args
    if isinstance(node, IfElse):
        return (node.cond, node.then, node.other)
    return ()
