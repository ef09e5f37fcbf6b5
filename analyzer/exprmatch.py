"""Matching sub-expressions by their parsed form, and taking an operand out of a chain.

Used by scenarios (:mod:`analyzer.scenario`, ``drop_condition``) and suggestions: a condition
written in a scenario is found in a rule's expression by its :func:`shape` (spacing and
parentheses do not matter), among the operands of the expression's ``and`` / ``or``
:func:`chains`; :func:`splice` removes one operand from the expression's text so that the new
text parses to the old tree minus that operand.

>>> from analyzer.expr import parse
>>> tree = parse("a and (b or c) and d")
>>> [(chain.op, len(operands)) for chain, operands in chains(tree)]
[('and', 3), ('or', 2)]
>>> chain, operands = next(chains(tree))
>>> splice("a and (b or c) and d", chain, operands, 0)
'(b or c) and d'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from .expr import Binary, Call, Expr, ListOf, Literal, Name, children, tokenize


def shape(e: Expr) -> tuple:
    """The expression's form without positions: ``a>=1`` and ``(a >= 1)`` have the same shape.

    >>> from analyzer.expr import parse
    >>> shape(parse("a >= 1")) == shape(parse("(a>=1)"))
    True
    """
    parts: list[Any] = [type(e).__name__]
    for f in dataclasses.fields(e):
        if f.name in ("start", "end"):
            continue
        v = getattr(e, f.name)
        if isinstance(v, Expr):
            parts.append(shape(v))
        elif isinstance(v, tuple):
            parts.append(tuple(shape(x) for x in v))
        else:
            parts.append((type(v).__name__, v))
    return tuple(parts)


def _operands(e: Expr, op: str) -> list[Expr]:
    if isinstance(e, Binary) and e.op == op:
        return _operands(e.left, op) + _operands(e.right, op)
    return [e]


def chains(tree: Expr) -> Iterator[tuple[Binary, list[Expr]]]:
    """Every maximal ``and`` / ``or`` chain with its operands, outermost first."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Binary) and node.op in ("and", "or"):
            operands = _operands(node, node.op)
            yield node, operands
            stack.extend(reversed(operands))
        else:
            stack.extend(reversed(children(node)))


def splice(text: str, chain: Binary, operands: list[Expr], drop: int) -> str:
    """``text`` with operand ``drop`` of ``chain`` removed. The rest of the chain is put in
    parentheses unless it is the whole expression or a single plain name, literal or call, so
    the new text parses to the same tree minus the operand, whatever surrounds the chain."""
    kept = [o for i, o in enumerate(operands) if i != drop]
    joined = f" {chain.op} ".join(text[o.start:o.end] for o in kept)
    whole = text[:chain.start].strip() == "" and text[chain.end:].strip() == ""
    atomic = len(kept) == 1 and (isinstance(kept[0], (Name, Literal, Call, ListOf))
                                 or in_parentheses(text[kept[0].start:kept[0].end]))
    if not whole and not atomic:
        joined = f"({joined})"
    return text[:chain.start] + joined + text[chain.end:]


def in_parentheses(text: str) -> bool:
    """Whether the whole text is one parenthesised expression: ``(a or b)``, not ``(a) or (b)``."""
    tokens = [t for t in tokenize(text) if t.kind != "end"]
    if not tokens or tokens[0].text != "(":
        return False
    depth = 0
    for i, token in enumerate(tokens):
        if token.kind == "op" and token.text in "([":
            depth += 1
        elif token.kind == "op" and token.text in ")]":
            depth -= 1
            if depth == 0:
                return i == len(tokens) - 1
    return False
