"""Hypothesis strategies for the property tests, and the two helpers they share.

Expressions are built as ASTs (positions 0; compare them with :func:`shape`) and written back as
text with :func:`unparse`. The declared names below stand for facts of a rule file:

=========  ======  ===========================
names      type    values in an environment
=========  ======  ===========================
b1 b2 b3   bool    True, False
i1 i2 i3   int     -30 ... 30
n1 n2      number  decimals -1000 ... 1000
c1         choice  'a', 'b', 'c'
=========  ======  ===========================
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from analyzer.expr import KEYWORDS, Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from analyzer.typecheck import Scope, fact_type

BOOL_NAMES = ("b1", "b2", "b3")
INT_NAMES = ("i1", "i2", "i3")
NUMBER_NAMES = ("n1", "n2")
CHOICE_NAMES = ("c1",)
CHOICES = ("a", "b", "c")
#: declared name -> its type kind
DECLARED = {**dict.fromkeys(BOOL_NAMES, "bool"), **dict.fromkeys(INT_NAMES, "int"),
            **dict.fromkeys(NUMBER_NAMES, "number"), **dict.fromkeys(CHOICE_NAMES, "choice")}
COMPARE_OPS = ("==", "!=", "<", "<=", ">", ">=")
ALL_BINARY_OPS = ("and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/")


def scope() -> Scope:
    """The typecheck scope of the declared names."""
    return Scope({n: fact_type(k, CHOICES) for n, k in DECLARED.items()}, {})


# -- text and shape ---------------------------------------------------------------------------

#: binding strength of each node (higher binds tighter), as in the grammar of analyzer.expr
_LEVEL = {"if": 0, "or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "atom": 8}


def _level(node: Expr) -> int:
    if isinstance(node, IfElse):
        return 0
    if isinstance(node, Unary):
        return _LEVEL["not"] if node.op == "not" else _LEVEL["neg"]
    if isinstance(node, Binary):
        return _LEVEL.get(node.op, _LEVEL["compare"])
    return _LEVEL["atom"]


def unparse(node: Expr) -> str:
    """The text of ``node`` with the fewest parentheses the grammar needs (so precedence is tested)."""
    def at(child: Expr, least: int) -> str:
        text = unparse(child)
        return f"({text})" if _level(child) < least else text

    if isinstance(node, Literal):
        return _literal(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.func}({', '.join(unparse(a) for a in node.args)})"
    if isinstance(node, ListOf):
        return f"[{', '.join(unparse(i) for i in node.items)}]"
    if isinstance(node, IfElse):
        return f"if {unparse(node.cond)} then {unparse(node.then)} else {unparse(node.other)}"
    if isinstance(node, Unary):
        if node.op == "not":
            return f"not {at(node.operand, _LEVEL['not'])}"
        return f"-{at(node.operand, _LEVEL['neg'])}"
    assert isinstance(node, Binary)
    level = _level(node)
    if level == _LEVEL["compare"]:  # comparisons do not chain: both sides bind tighter
        return f"{at(node.left, level + 1)} {node.op} {at(node.right, level + 1)}"
    return f"{at(node.left, level)} {node.op} {at(node.right, level + 1)}"  # left-associative


def _literal(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        text = repr(v)
        return text if "e" not in text else format(Decimal(v), "f")
    return f"'{v}'" if "'" not in v else f'"{v}"'


def shape(node: Expr) -> tuple:
    """``node`` without positions, literals tagged with their Python type (so 1, 1.0 and true differ)."""
    if isinstance(node, Literal):
        return ("Literal", type(node.value).__name__, node.value)
    if isinstance(node, Name):
        return ("Name", node.name)
    if isinstance(node, Unary):
        return ("Unary", node.op, shape(node.operand))
    if isinstance(node, Binary):
        return ("Binary", node.op, shape(node.left), shape(node.right))
    if isinstance(node, IfElse):
        return ("IfElse", shape(node.cond), shape(node.then), shape(node.other))
    if isinstance(node, ListOf):
        return ("ListOf", tuple(shape(i) for i in node.items))
    assert isinstance(node, Call)
    return ("Call", node.func, tuple(shape(a) for a in node.args))


# -- small node builders (positions do not matter to these tests) ---------------------------

def lit(v: Any) -> Literal:
    return Literal(0, 0, v)


def name(n: str) -> Name:
    return Name(0, 0, n)


def un(op: str, operand: Expr) -> Unary:
    return Unary(0, 0, op, operand)


def bin_(op: str, left: Expr, right: Expr) -> Binary:
    return Binary(0, 0, op, left, right)


def call(func: str, *args: Expr) -> Call:
    return Call(0, 0, func, tuple(args))


def if_(cond: Expr, then: Expr, other: Expr) -> IfElse:
    return IfElse(0, 0, cond, then, other)


def list_(*items: Expr) -> ListOf:
    return ListOf(0, 0, tuple(items))


# -- expressions the parser can produce -------------------------------------------------------

identifiers = st.one_of(
    st.sampled_from(["a", "x", "alder", "lejer", "øre", "_n", "notx", "in_", "iff", "Ælder2"]),
    st.text(string.ascii_letters + "_æøåÆØÅ", min_size=1, max_size=6).filter(lambda s: s not in KEYWORDS),
)
"""Identifiers (names and function names): ASCII and Danish letters, never a keyword."""

decimals = st.builds(lambda whole, frac: float(f"{whole}.{frac:03d}"),
                     st.integers(0, 10**6), st.integers(0, 999))
"""Non-negative floats written with at most three decimals, as a rule file would write them."""

quoted_texts = st.text(st.characters(exclude_characters="\n\r", exclude_categories=("Cs",)), max_size=8).filter(
    lambda s: not ("'" in s and '"' in s))
"""Text that fits in one quoted string literal: one kind of quote at most, no line break."""

literals = st.one_of(st.integers(0, 10**9), decimals, quoted_texts, st.sampled_from([True, False, None])).map(lit)
"""Literal nodes the tokenizer can produce: no negative numbers (those are unary minus)."""


def _any_node(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    small = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        st.builds(un, st.sampled_from(["not", "-"]), children),
        st.builds(bin_, st.sampled_from(ALL_BINARY_OPS), children, children),
        st.builds(if_, children, children, children),
        st.builds(lambda items: ListOf(0, 0, items), small),
        st.builds(lambda f, args: Call(0, 0, f, args), identifiers, small),
    )


exprs = st.recursive(st.one_of(literals, identifiers.map(name)), _any_node, max_leaves=12)
"""Any AST the parser can produce, well-typed or not: every node kind, operator and nesting."""


# -- expressions over the declared names ------------------------------------------------------

@st.composite
def typed_exprs(draw, kind: str = "bool", depth: int = 3, numbers: bool = True, choices: bool = True) -> Expr:
    """A well-typed AST of type ``kind`` (bool, int, number, choice) over the declared names.

    ``numbers=False`` leaves out number facts, float literals, ``/`` and rounding (an oracle over
    ints and bools then needs no float arithmetic); ``choices=False`` leaves out the choice fact.
    """
    if kind == "number" and not numbers:
        kind = "int"

    def sub(k: str, d: int = depth - 1) -> Expr:
        return draw(typed_exprs(k, d, numbers, choices))

    def some(k: str, low: int = 1) -> list[Expr]:
        return [sub(k) for _ in range(draw(st.integers(low, 3)))]

    rule = "leaf" if depth <= 0 or draw(st.integers(0, 3)) == 0 else None
    if kind == "bool":
        rules = ["not", "and/or", "compare", "bool ==", "in", "if"] + (["choice ==", "choice in"] if choices else [])
        rule = rule or draw(st.sampled_from(rules))
        if rule == "leaf":
            return draw(st.one_of(st.sampled_from(BOOL_NAMES).map(name), st.booleans().map(lit)))
        if rule == "not":
            return un("not", sub("bool"))
        if rule == "and/or":
            return bin_(draw(st.sampled_from(["and", "or"])), sub("bool"), sub("bool"))
        if rule == "compare":
            num = "number" if numbers and draw(st.booleans()) else "int"
            return bin_(draw(st.sampled_from(COMPARE_OPS)), sub(num), sub(num))
        if rule == "bool ==":
            return bin_(draw(st.sampled_from(["==", "!="])), sub("bool"), sub("bool"))
        if rule == "in":
            return bin_(draw(st.sampled_from(["in", "not in"])), sub("int"), list_(*some("int")))
        if rule == "if":
            return if_(sub("bool"), sub("bool"), sub("bool"))
        choice_lit = lit(draw(st.sampled_from(CHOICES)))
        if rule == "choice ==":
            other = choice_lit if draw(st.booleans()) else sub("choice")
            return bin_(draw(st.sampled_from(["==", "!="])), sub("choice"), other)
        items = [lit(c) for c in draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=3))]
        return bin_(draw(st.sampled_from(["in", "not in"])), sub("choice"), list_(*items))
    if kind == "choice":
        return name("c1") if rule == "leaf" else if_(sub("bool"), sub("choice"), sub("choice"))
    if kind == "int":
        rule = rule or draw(st.sampled_from(["-", "+-*", "abs", "min/max", "if"] + (["round"] if numbers else [])))
        if rule == "leaf":
            return draw(st.one_of(st.sampled_from(INT_NAMES).map(name), st.integers(0, 20).map(lit)))
        if rule == "-":
            return un("-", sub("int"))
        if rule == "+-*":
            return bin_(draw(st.sampled_from(["+", "-", "*"])), sub("int"), sub("int"))
        if rule == "abs":
            return call("abs", sub("int"))
        if rule == "min/max":
            return call(draw(st.sampled_from(["min", "max"])), *some("int"))
        if rule == "if":
            return if_(sub("bool"), sub("int"), sub("int"))
        return call(draw(st.sampled_from(["round", "floor", "ceil"])), sub("number"))
    assert kind == "number"
    rule = rule or draw(st.sampled_from(["int", "-", "+-*/", "abs", "min/max", "round", "if"]))
    if rule == "leaf":
        return draw(st.one_of(st.sampled_from(NUMBER_NAMES).map(name), decimals.map(lit), typed_exprs("int", 0)))
    if rule == "int":
        return sub("int")
    if rule == "-":
        return un("-", sub("number"))
    if rule == "+-*/":
        return bin_(draw(st.sampled_from(["+", "-", "*", "/"])), sub("number"), sub("number"))
    if rule == "abs":
        return call("abs", sub("number"))
    if rule == "min/max":
        return call(draw(st.sampled_from(["min", "max"])), *some("number"))
    if rule == "round":
        return call("round", sub("number"), lit(draw(st.integers(0, 3))))
    return if_(sub("bool"), sub("number"), sub("number"))


_DATES = st.sampled_from(["2024-02-29", "2025-01-31"]).map(lambda d: call("date", lit(d)))
_FUNCTIONS = ("min", "max", "abs", "round", "floor", "ceil", "years_between", "months_between", "days_between",
              "add_days", "add_months", "add_years")

_OPERANDS = {
    **{kind: typed_exprs(kind, 1) for kind in ("bool", "int", "number", "choice")},
    "text": st.sampled_from(["a", "z"]).map(lit),
    "null": st.just(lit(None)),
    "date": st.one_of(_DATES, st.builds(bin_, st.sampled_from(["+", "-"]), _DATES, typed_exprs("int", 0))),
    "list": st.lists(typed_exprs("int", 0), max_size=2).map(lambda xs: list_(*xs)),
}
operands = st.one_of(*_OPERANDS.values())
"""Small well-typed operands of every type: bool, int, number, choice, text, null, date, list."""

#: operator or function -> the operand types it is meant for (mixed_exprs prefers them)
_MEANT_FOR = {"not": ("bool",), "-": ("int", "number", "date"), "and": ("bool",), "or": ("bool",),
              "+": ("int", "number", "date"), "*": ("int", "number"), "/": ("int", "number"),
              "in": ("int", "choice", "text", "list"), "not in": ("int", "choice", "text", "list"),
              "if": ("bool", "int", "number", "date", "null"), "list": ("int", "number", "null"),
              "min": ("int", "number", "date", "null"), "max": ("int", "number", "date", "null"),
              "abs": ("int", "number"), "round": ("int", "number"), "floor": ("number",), "ceil": ("number",),
              **dict.fromkeys(("years_between", "months_between", "days_between"), ("date", "null")),
              **dict.fromkeys(("add_days", "add_months", "add_years"), ("date", "int"))}


@st.composite
def mixed_exprs(draw, depth: int = 1) -> Expr:
    """An operator, ``if`` or function applied to operands of random types, mostly of the types
    it is meant for: sometimes well-typed, often not, near the edge of a typing rule (for checking
    that whatever the type checker accepts runs)."""
    form = draw(st.sampled_from(["unary", "binary", "binary", "if", "list", "call", "call"]))
    op = {"unary": st.sampled_from(["not", "-"]), "binary": st.sampled_from(ALL_BINARY_OPS),
          "call": st.sampled_from(_FUNCTIONS + ("min", "max") * 2)}.get(form, st.just(form))
    op = draw(op)
    meant = _MEANT_FOR.get(op, ("bool", "int", "number", "choice", "text", "date", "null"))

    def operand() -> Expr:
        if depth > 0 and draw(st.integers(0, 3)) == 0:
            return draw(mixed_exprs(depth - 1))
        if draw(st.integers(0, 3)):
            return draw(_OPERANDS[draw(st.sampled_from(meant))])
        return draw(operands)

    if form == "unary":
        return un(op, operand())
    if form == "binary":
        return bin_(op, operand(), operand())
    if form == "if":
        return if_(draw(_OPERANDS["bool"]) if draw(st.integers(0, 3)) else operand(), operand(), operand())
    if form == "list":
        return list_(*(operand() for _ in range(draw(st.integers(0, 3)))))
    return call(op, *(operand() for _ in range(draw(st.integers(1, 3)))))


def values_of(kind: str, nulls: bool = False) -> st.SearchStrategy[Any]:
    """Values of a declared type (None too when ``nulls``)."""
    base = {
        "bool": st.booleans(),
        "int": st.integers(-30, 30),
        "number": st.one_of(st.integers(-1000, 1000), st.builds(lambda x: x / 4, st.integers(-4000, 4000))),
        "choice": st.sampled_from(CHOICES),
    }[kind]
    return st.one_of(st.none(), base) if nulls else base


@st.composite
def envs(draw, nulls: bool = False) -> dict[str, Any]:
    """A value for every declared name, of its declared type (None for some when ``nulls``)."""
    return {n: draw(values_of(kind, nulls)) for n, kind in DECLARED.items()}


# -- texts for fuzzing the tokenizer and parser -----------------------------------------------

_PIECES = ["(", ")", "[", "]", ",", "+", "-", "*", "/", "<", ">", "=", "!", "&", "|", "%", "^", "?", "'", '"',
           " ", "\n", "\t", "_", ".", "0", "1", "9", "1_0", "a", "b", "ø", "and", "or", "not", "in", "if", "then",
           "else", "true", "false", "null", "==", "!=", "<=", ">=", "<>", "=>", "**", "&&", "f(", "٣", "\u00a0"]

operator_texts = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=30).map("".join),
    st.lists(st.sampled_from(_PIECES), max_size=30).map(" ".join),
)
"""Strings glued from operators, keywords, brackets, quotes and digits: most are almost expressions."""


# -- small rule files ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSet:
    """A process file with one outcome ``o``, and a finite set of values per input fact that a brute
    force can enumerate: every class of every fact (by its cut points and bounds) has a value in it."""

    text: str
    #: input fact name -> values to enumerate
    grid: dict[str, list[Any]]


@st.composite
def rule_sets(draw) -> RuleSet:
    """A process whose outcome ``o`` compares int (and sometimes number) facts with constants
    (literals, named constants, lists) and combines them with bool facts by not / and / or,
    possibly through a derived bool fact; facts may carry min and max."""
    ints = [f"x{k}" for k in range(draw(st.integers(1, 2)))]
    numbers = ["r"] if len(ints) == 1 and draw(st.booleans()) else []
    bools = [f"p{k}" for k in range(draw(st.integers(0, 2)))]
    base = draw(st.sampled_from([0, 0, 100, -50, 1_000_000]))
    # cut points: ints near base (and halves, which an int can never equal)
    cut = st.builds(lambda k, half: base + k + (0.5 if half else 0), st.integers(-4, 4), st.booleans())
    constants = {f"k{k}": draw(st.integers(base - 4, base + 4)) for k in range(draw(st.integers(0, 2)))}

    def constant_text(value_strategy) -> tuple[str, float]:
        if constants and draw(st.integers(0, 3)) == 0:
            k = draw(st.sampled_from(sorted(constants)))
            return k, constants[k]
        v = draw(value_strategy)
        v = int(v) if float(v).is_integer() and draw(st.booleans()) else v
        return str(v), v  # a negative one parses as unary minus of a literal

    used: dict[str, list[float]] = {f: [] for f in ints + numbers}

    def atom() -> str:
        pick = draw(st.integers(0, 5 if bools else 3))
        fact = draw(st.sampled_from(ints + numbers))
        if pick <= 1:
            text, v = constant_text(cut)
            used[fact].append(v)
            op = draw(st.sampled_from(COMPARE_OPS))
            return f"{fact} {op} {text}" if pick == 0 else f"{text} {op} {fact}"
        if pick == 2:
            items = [constant_text(cut) for _ in range(draw(st.integers(1, 3)))]
            used[fact].extend(v for _, v in items)
            return f"{fact} {draw(st.sampled_from(['in', 'not in']))} [{', '.join(t for t, _ in items)}]"
        if pick == 3:
            text, v = constant_text(cut)
            used[fact].append(v)
            return f"not {fact} >= {text}"
        return draw(st.sampled_from(bools))

    def condition(depth: int) -> str:
        if depth == 0 or draw(st.integers(0, 2)) == 0:
            return atom()
        how = draw(st.sampled_from(["and", "or", "not"]))
        if how == "not":
            return f"not ({condition(depth - 1)})"
        return f"({condition(depth - 1)}) {how} ({condition(depth - 1)})"

    derived = condition(2) if draw(st.booleans()) else None
    outcome = condition(3)
    if derived is not None and draw(st.booleans()):
        outcome = f"d {draw(st.sampled_from(['and', 'or']))} ({outcome})" if draw(st.booleans()) else f"not d or ({outcome})"

    lines = ["process: t", "title: T"]
    if constants:
        lines += ["constants:"] + [f"  {k}: {{value: {v}}}" for k, v in constants.items()]
    lines.append("facts:")
    grid: dict[str, list[Any]] = {}
    for f in bools:
        lines.append(f"  {f}: {{type: bool, ask: '{f}?'}}")
        grid[f] = [True, False]
    for f in ints + numbers:
        points = used[f] or [base]
        low = high = None
        offset = 0.1 if f in numbers else 0
        if draw(st.booleans()):
            low = draw(st.integers(int(min(points)) - 3, int(max(points)) + 1)) + offset
        if draw(st.booleans()):
            high = draw(st.integers(int(low if low is not None else min(points)), int(max(points)) + 3)) - offset
            if low is not None and high < low:
                high = None
        bounds = "".join(f", {key}: {v}" for key, v in (("min", low), ("max", high)) if v is not None)
        lines.append(f"  {f}: {{type: {'int' if f in ints else 'number'}, ask: '{f}?'{bounds}}}")
        lo, hi = min(points + [b for b in (low, high) if b is not None]), max(points + [b for b in (low, high) if b is not None])
        start, stop = int(lo) - 2, int(hi) + 3
        if f in ints:
            values: list[Any] = list(range(start, stop))
        else:  # cuts are multiples of 1/2, so a grid of quarters meets every open interval between them
            values = [k / 4 for k in range(4 * start, 4 * stop)] + [b for b in (low, high) if b is not None]
        grid[f] = sorted({v for v in values if (low is None or v >= low) and (high is None or v <= high)})
    if derived is not None:
        lines.append(f"  d: {{derive: \"{derived}\"}}")
    lines += ["outcomes:", f"  o: {{when: \"{outcome}\"}}"]
    return RuleSet("\n".join(lines) + "\n", grid)


# == small finite rule files for the metric oracles (tests/oracle.py, tests/test_metrics.py) =====
#
# A FiniteRuleSet keeps its expressions as small tuples, so the metamorphic tests can rename
# facts, reorder them, add one or join two rule sets and write the file again.
#
# expression tuples: ("name", fact) | ("not", e) | ("and", e, e) | ("or", e, e)
#                    | ("cmp", fact, op, constant) | ("rcmp", constant, op, fact) | ("in", fact, constants)

@dataclass(frozen=True)
class FiniteFact:
    """One input fact of a :class:`FiniteRuleSet`, with every answer it can take and its probability."""

    name: str
    #: "question" or "register" (a register fact is prefilled when logged in)
    kind: str
    #: "bool", "choice" or "int"
    type: str
    values: tuple
    #: probability of each value (all > 0; the YAML file declares exactly these)
    p: tuple[float, ...]
    #: condition under which the fact is asked, as an expression tuple
    applies_if: tuple | None = None
    #: value when applies_if does not hold (None: no default, the fact is null)
    default: Any = None


@dataclass(frozen=True)
class FiniteRuleSet:
    """A process of bool, choice and (at most one) int input facts, derived bools and outcomes.

    Every input fact has a finite declared domain (an int has a ``distribution`` over a range that
    covers every constant it is compared with, +-2), so a brute force can enumerate all cases.
    """

    facts: tuple[FiniteFact, ...]
    #: (name, expression) of derived bool facts
    derived: tuple[tuple[str, tuple], ...]
    #: (name, ("when", expr)) or (name, ("cases", ((expr, then), ...), else_then))
    outcomes: tuple[tuple[str, tuple], ...]

    def text(self, process: str = "t") -> str:
        """The rule file."""
        lines = [f"process: {process}", "title: T", "facts:"]
        for f in self.facts:
            parts = [f"type: {f.type}", f"ask: '{f.name}?'"]
            if f.kind == "register":
                parts.append("register: CPR")
            if f.type == "bool":
                parts.append(f"p_true: {f.p[0]!r}")
            elif f.type == "choice":
                parts.append("choices: {" + ", ".join(f"{v}: {{label: {v}, p: {q!r}}}"
                                                      for v, q in zip(f.values, f.p)) + "}")
            else:
                parts += [f"min: {min(f.values)}", f"max: {max(f.values)}",
                          "distribution: {" + ", ".join(f"{v}: {q!r}" for v, q in zip(f.values, f.p)) + "}"]
            if f.applies_if is not None:
                parts.append(f'applies_if: "{render(f.applies_if)}"')
                if f.default is not None:
                    parts.append(f"default: {_literal(f.default)}")
            lines.append(f"  {f.name}: {{{', '.join(parts)}}}")
        for name, expr in self.derived:
            lines.append(f'  {name}: {{derive: "{render(expr)}"}}')
        lines.append("outcomes:")
        for name, body in self.outcomes:
            if body[0] == "when":
                lines.append(f'  {name}: {{when: "{render(body[1])}"}}')
            else:
                cases = [f'{{when: "{render(cond)}", then: {then}}}' for cond, then in body[1]]
                lines.append(f"  {name}: {{cases: [{', '.join(cases + [f'{{else: {body[2]}}}'])}]}}")
        return "\n".join(lines) + "\n"

    def renamed(self, mapping: dict[str, str]) -> FiniteRuleSet:
        """The same rules with facts, derived facts and outcomes renamed by ``mapping``."""
        def new(n: str) -> str:
            return mapping.get(n, n)
        return FiniteRuleSet(
            tuple(FiniteFact(new(f.name), f.kind, f.type, f.values, f.p, _rename(f.applies_if, new), f.default)
                  for f in self.facts),
            tuple((new(n), _rename(e, new)) for n, e in self.derived),
            tuple((new(n), ("when", _rename(b[1], new)) if b[0] == "when"
                   else ("cases", tuple((_rename(c, new), t) for c, t in b[1]), b[2])) for n, b in self.outcomes))

    def union(self, other: FiniteRuleSet) -> FiniteRuleSet:
        """Both rule sets in one file, names prefixed ``a_`` and ``b_`` (they share no fact)."""
        a = self.renamed({n: f"a_{n}" for n in self.names()})
        b = other.renamed({n: f"b_{n}" for n in other.names()})
        return FiniteRuleSet(a.facts + b.facts, a.derived + b.derived, a.outcomes + b.outcomes)

    def names(self) -> list[str]:
        return [f.name for f in self.facts] + [n for n, _ in self.derived] + [n for n, _ in self.outcomes]


def render(e: tuple) -> str:
    """The expression text of an expression tuple (fully parenthesised below the top)."""
    tag = e[0]
    if tag == "name":
        return e[1]
    if tag == "not":
        return f"not ({render(e[1])})"
    if tag in ("and", "or"):
        return f"({render(e[1])}) {tag} ({render(e[2])})"
    if tag == "cmp":
        return f"{e[1]} {e[2]} {_literal(e[3])}"
    if tag == "rcmp":
        return f"{_literal(e[1])} {e[2]} {e[3]}"
    assert tag == "in"
    return f"{e[1]} in [{', '.join(_literal(v) for v in e[2])}]"


def _rename(e: tuple | None, new) -> tuple | None:
    if e is None:
        return None
    tag = e[0]
    if tag == "name":
        return ("name", new(e[1]))
    if tag == "not":
        return ("not", _rename(e[1], new))
    if tag in ("and", "or"):
        return (tag, _rename(e[1], new), _rename(e[2], new))
    if tag == "cmp":
        return ("cmp", new(e[1]), e[2], e[3])
    if tag == "rcmp":
        return ("rcmp", e[1], e[2], new(e[3]))
    return ("in", new(e[1]), e[2])


#: most full cases a generated FiniteRuleSet may have (keeps the brute-force optimum fast)
FINITE_MAX_CASES = 384


@st.composite
def _partition(draw, total: int, parts: int) -> tuple[float, ...]:
    """``parts`` probabilities, multiples of 1/total, each > 0, adding up to 1."""
    cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1, unique=True)))
    edges = [0, *cuts, total]
    return tuple((b - a) / total for a, b in zip(edges, edges[1:]))


@st.composite
def finite_rule_sets(draw, min_facts: int = 3, max_facts: int = 7) -> FiniteRuleSet:
    """A :class:`FiniteRuleSet`: ``min_facts`` to ``max_facts`` bool or choice facts (some of them
    register facts, one question possibly with an ``applies_if`` on an earlier fact and sometimes
    a default), sometimes an int fact compared only with constants, sometimes a derived bool, and
    1 to 3 outcomes (``when`` conditions or ``cases`` with an else) built from not / and / or,
    bool facts and comparisons. At most FINITE_MAX_CASES full cases."""
    n = draw(st.integers(min_facts, max_facts))
    facts: list[FiniteFact] = []
    size = 1
    for k in range(n):
        kind = "register" if draw(st.integers(0, 3)) == 0 else "question"
        width = draw(st.sampled_from([2, 2, 3])) if draw(st.integers(0, 2)) == 0 else 0
        if width and size * width * (n - k) <= FINITE_MAX_CASES:
            values = ("a", "b", "c")[:width]
            facts.append(FiniteFact(f"c{k}", kind, "choice", values, draw(_partition(10, width))))
            size *= width
        else:
            p = draw(st.integers(1, 9)) / 10
            facts.append(FiniteFact(f"b{k}", kind, "bool", (True, False), (p, 1 - p)))
            size *= 2
    constants = sorted(draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)))
    with_int = draw(st.booleans()) and size * 8 <= FINITE_MAX_CASES
    if with_int:
        values = tuple(range(constants[0] - 2, constants[-1] + 3))
        kind = "register" if draw(st.booleans()) else "question"
        position = draw(st.integers(0, len(facts)))
        facts.insert(position, FiniteFact("num", kind, "int", values, draw(_partition(20, len(values)))))
    # one question may apply only under a condition on an earlier fact without one
    if draw(st.booleans()):
        plain = [i for i, f in enumerate(facts) if f.type != "int"]
        later = [i for i in plain if i > plain[0] and facts[i].kind == "question"]
        if later:
            i = draw(st.sampled_from(later))
            guard = facts[draw(st.sampled_from([j for j in plain if j < i]))]
            if guard.type == "bool":
                cond = draw(st.sampled_from([("name", guard.name), ("not", ("name", guard.name))]))
            else:
                cond = ("cmp", guard.name, draw(st.sampled_from(["==", "!="])), draw(st.sampled_from(guard.values)))
            target = facts[i]
            default = draw(st.sampled_from((None,) + target.values))
            facts[i] = FiniteFact(target.name, target.kind, target.type, target.values, target.p, cond, default)

    def leaf() -> tuple:
        f = draw(st.sampled_from(facts + [None] * (1 if derived else 0)))
        if f is None:
            return ("name", derived[0][0])
        if f.type == "bool":
            return ("name", f.name)
        if f.type == "choice":
            if draw(st.booleans()):
                return ("cmp", f.name, draw(st.sampled_from(["==", "!="])), draw(st.sampled_from(f.values)))
            return ("in", f.name, tuple(draw(st.lists(st.sampled_from(f.values), min_size=1, max_size=2, unique=True))))
        c = draw(st.sampled_from(constants))
        how = draw(st.integers(0, 2))
        if how == 0:
            return ("cmp", f.name, draw(st.sampled_from(COMPARE_OPS)), c)
        if how == 1:
            return ("rcmp", c, draw(st.sampled_from(COMPARE_OPS)), f.name)
        return ("in", f.name, tuple(sorted({c, draw(st.sampled_from(constants))})))

    def condition(depth: int) -> tuple:
        if depth == 0 or draw(st.integers(0, 2)) == 0:
            return leaf()
        how = draw(st.sampled_from(["and", "or", "not"]))
        if how == "not":
            return ("not", condition(depth - 1))
        return (how, condition(depth - 1), condition(depth - 1))

    derived: list[tuple[str, tuple]] = []
    if draw(st.integers(0, 3)) == 0:
        derived.append(("d", condition(2)))
    outcomes = []
    for k in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 2)) == 0:
            whens = tuple((condition(2), f"t{j}") for j in range(draw(st.integers(1, 2))))
            outcomes.append((f"o{k}", ("cases", whens, "t9")))
        else:
            outcomes.append((f"o{k}", ("when", condition(3))))
    return FiniteRuleSet(tuple(facts), tuple(derived), tuple(outcomes))


# == arithmetic across facts, for the exact reasoning backends (analyzer/logic, tests/test_logic.py)
#
# A separate block: nothing above uses it. The int facts range over 13 to 15 values, so their
# answer classes are intervals (more than analyzer.classes.POINT_CLASS_RANGE values) and every
# fact read by arithmetic is opaque: only the SMT engine is exact on them, and a brute force over
# every value in range (tests/oracle.py, Oracle) is its oracle.

#: templates of comparisons across int facts; {a} {b} {c} are distinct facts, {k} a small constant
ARITHMETIC_TEMPLATES = (
    "{a} + {b} > {c}",
    "{a} - {b} >= {k}",
    "2 * {a} < {b} + {k}",
    "max({a}, {b}) > {c}",
    "min({a}, {b}) + {k} == {c}",
    "abs({a} - {b}) <= {k}",
    "floor({a} / 3) == {b} - {k}",
    "round({a} / 4) > {b}",
    "{a} * {b} > {c} + {k}",
)


@dataclass(frozen=True)
class ArithmeticRuleSet:
    """A process of 2 or 3 int facts (``x0``.. with ``min``/``max``, 13 to 15 values each, no
    prior: interval classes) and an optional bool ``p``; a derived ``s`` summing two ints; one
    or two outcomes over comparisons across facts (``x0 + x1 > x2``, ``max(x0, x1) > x2``, ...),
    one of them possibly a ``cases`` amount, and sometimes ``o2: not p`` (no arithmetic). ``facts`` lists every value of every fact, in the
    form :class:`tests.oracle.Oracle` enumerates."""

    facts: tuple[FiniteFact, ...]
    text_: str

    def text(self) -> str:
        return self.text_


@st.composite
def arithmetic_rule_sets(draw) -> ArithmeticRuleSet:
    """An :class:`ArithmeticRuleSet` (see its docstring); at most 2 * 15 ** 3 cases."""
    n = draw(st.integers(2, 3))
    names = [f"x{k}" for k in range(n)]
    facts: list[FiniteFact] = []
    lines = ["process: t", "title: T", "facts:"]
    with_bool = draw(st.booleans())
    if with_bool:
        facts.append(FiniteFact("p", "question", "bool", (True, False), (0.5, 0.5)))
        lines.append("  p: {type: bool, ask: 'p?'}")
    guarded = draw(st.sampled_from(names)) if with_bool and draw(st.booleans()) else None
    for name in names:
        low = draw(st.integers(0, 2))
        high = low + draw(st.integers(12, 14))
        values = tuple(range(low, high + 1))
        extra = ", applies_if: p, default: 0" if name == guarded else ""
        facts.append(FiniteFact(name, "question", "int", values, tuple([1 / len(values)] * len(values)),
                                ("name", "p") if name == guarded else None, 0 if name == guarded else None))
        lines.append(f"  {name}: {{type: int, ask: '{name}?', min: {low}, max: {high}{extra}}}")
    lines.append("  s: {derive: \"x0 + x1\"}")

    def comparison() -> str:
        template = draw(st.sampled_from(ARITHMETIC_TEMPLATES))
        a, b = draw(st.permutations(names))[:2]
        c = draw(st.sampled_from(names + ["s"]))
        return template.format(a=a, b=b, c=c, k=draw(st.integers(0, 6)))

    def condition() -> str:
        first = comparison()
        how = draw(st.integers(0, 3 if with_bool else 1))
        if how == 0:
            return first
        if how == 1:
            return f"({first}) {draw(st.sampled_from(['and', 'or']))} ({comparison()})"
        return f"p and ({first})" if how == 2 else f"not p or ({first})"

    lines.append("outcomes:")
    lines.append(f'  o0: {{when: "{condition()}"}}')
    if draw(st.booleans()):
        a, b = draw(st.permutations(names))[:2]
        lines.append(f'  o1: {{cases: [{{when: "{condition()}", value: "{a} - {b}"}}, {{else: 0}}]}}')
    if with_bool and draw(st.booleans()):
        lines.append('  o2: {when: "not p"}')  # an outcome without arithmetic, beside those with
    return ArithmeticRuleSet(tuple(facts), "\n".join(lines) + "\n")
