"""Three-valued (Kleene) partial evaluation: what the answers so far already decide.

An input fact not yet answered is UNKNOWN. ``false and UNKNOWN`` is false, ``true or UNKNOWN``
is true, ``if UNKNOWN then a else a`` is a; everything else that touches UNKNOWN is UNKNOWN.
This is sound: an outcome it returns is decided by the answers, whatever the rest. It is not
complete (``x or not x`` stays UNKNOWN until x is answered), so a flow driven by it can ask more
than the exact flow; never less. The **support** of an undecided outcome (the unknown inputs its
evaluation touched) contains every relevant question that applies whatever the rest; a relevant
question whose ``applies_if`` is still undecided is shown only once it applies, so the unknown
inputs of that condition stand in for it.

>>> from analyzer.expr import parse
>>> from analyzer.evaluate import MappingEnv
>>> kvalue(parse("a and b"), PartialEnv({"a": False}))
False
>>> kvalue(parse("a or b"), PartialEnv({"a": False})) is UNKNOWN
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .evaluate import EvalError, Evaluation, _binary, _call, as_date
from .expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from .model import Fact, Outcome, outcome_formulas


class _Unknown:
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass
class PartialEnv:
    """A plain mapping environment where absent names are UNKNOWN (for tests and examples)."""

    values: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.values.get(name, UNKNOWN)

    def members(self, group: str) -> Any:
        return self.values.get(group, UNKNOWN)


def kvalue(node: Expr, env: Any) -> Any:
    """The value of ``node``, or UNKNOWN when the known values do not decide it.

    When ``env`` collects a support (an ordered dict of the unknown inputs read), a part of the
    expression that turns out decided gives back what it added: in ``(a and b) or c`` with a
    false, b is not support, since its answer cannot change the value.
    """
    support = getattr(env, "support", None)
    if support is None or isinstance(node, (Literal, Name)):
        return _kvalue(node, env)
    mark = len(support)
    result = _kvalue(node, env)
    if result is not UNKNOWN:
        while len(support) > mark:
            support.popitem()
    return result


def _kvalue(node: Expr, env: Any) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return env.get(node.name)
    if isinstance(node, Unary):
        v = kvalue(node.operand, env)
        if v is UNKNOWN or v is None:
            return v
        return (not v) if node.op == "not" else -v
    if isinstance(node, IfElse):
        cond = kvalue(node.cond, env)
        if cond is UNKNOWN:
            a, b = kvalue(node.then, env), kvalue(node.other, env)
            return a if a is not UNKNOWN and b is not UNKNOWN and a == b and type(a) is type(b) else UNKNOWN
        if cond is None:
            return None
        return kvalue(node.then if cond else node.other, env)
    if isinstance(node, Binary):
        if node.op in ("and", "or"):
            stop = node.op == "or"  # the value that decides: true for or, false for and
            # a left side that decides leaves the right unread, as in the exact interpreter (the
            # support would drop what the right side read anyway: the whole is decided)
            left = kvalue(node.left, env)
            if left is stop:
                return stop
            right = kvalue(node.right, env)
            if right is stop:
                return stop
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            if left is None or right is None:
                return None
            return not stop
        left, right = kvalue(node.left, env), kvalue(node.right, env)
        if left is UNKNOWN or right is UNKNOWN or (isinstance(right, list) and UNKNOWN in right):
            return UNKNOWN
        null_literal = any(isinstance(n, Literal) and n.value is None for n in (node.left, node.right))
        if not null_literal and (left is None or right is None):
            return None  # null propagates, as in the exact interpreter
        return _binary(Binary(node.start, node.end, node.op, Literal(0, 0, left), Literal(0, 0, right)), _NoEnv)
    if isinstance(node, ListOf):
        return [kvalue(item, env) for item in node.items]
    if isinstance(node, Call):
        return _kcall(node, env)
    raise AssertionError(type(node))  # pragma: no cover


class _NoEnv:
    @staticmethod
    def get(name: str) -> Any:  # pragma: no cover - literals only
        raise EvalError(name)


def _kcall(node: Call, env: Any) -> Any:
    f = node.func
    if f in ("count", "sum", "any", "all"):
        group = node.args[0]
        assert isinstance(group, Name)
        members = env.members(group.name)
        if members is UNKNOWN:
            return UNKNOWN
        if f == "count" and len(node.args) == 1:
            return len(members)
        results = [kvalue(node.args[1], m) for m in members]
        if f == "any":
            if any(r is True for r in results):
                return True
            return UNKNOWN if UNKNOWN in results else (None if None in results else False)
        if f == "all":
            if any(r is False for r in results):
                return False
            return UNKNOWN if UNKNOWN in results else (None if None in results else True)
        if UNKNOWN in results:
            return UNKNOWN
        if any(r is None for r in results):
            return None
        return sum(results) if f == "sum" else sum(1 for r in results if r)
    args = [kvalue(a, env) for a in node.args]
    if any(a is UNKNOWN for a in args):
        return UNKNOWN
    return _call(Call(node.start, node.end, f, tuple(Literal(0, 0, a) for a in args)), _NoEnv)


@dataclass
class DerivedMemo:
    """Values of process-level names remembered across evaluations (of other cases, or of the
    same case with fewer answers). ``key(name)`` is the key under which ``name``'s value and the
    unknown inputs its computation read are stored, or None not to remember it; the key must
    determine both (:class:`analyzer.montecarlo.SupportCache` keys a name by the answer classes
    of the inputs its cone compares with constants and the exact values of the others)."""

    key: Callable[[str], tuple | None]
    table: dict[tuple, tuple[Any, tuple]] = field(default_factory=dict)


@dataclass
class PartialEvaluation(Evaluation):
    """Decide what the ``case`` (the answers so far) decides; unknown inputs stay UNKNOWN.

    ``support`` collects the unknown inputs each evaluation touched, as (group, member, fact)
    triples: (None, None, name) at process level.
    """

    #: the unknown inputs read, in reading order (a dict used as an ordered set)
    support: dict[tuple, None] = field(default_factory=dict)
    index: int | None = None
    #: per derived name whose value is UNKNOWN, the support its computation added
    reads: dict[str, list[tuple]] = field(default_factory=dict)
    #: process-level values shared with other evaluations (see DerivedMemo)
    memo: DerivedMemo | None = None

    def get(self, name: str) -> Any:
        if name in self.cache:
            value = self.cache[name]
            if value is UNKNOWN:
                for item in self.reads.get(name, ()):
                    self.support[item] = None
            return value
        key = self.memo.key(name) if self.memo is not None and self.parent is None else None
        if key is not None:
            hit = self.memo.table.get(key)
            if hit is not None:
                # what the computation below would do, from its remembered result
                value, read = hit
                self.cache[name] = value
                self.support.update(dict.fromkeys(read))
                if value is UNKNOWN:
                    self.reads[name] = list(read)
                return value
        # Record exactly what this computation reads, including inputs the support already
        # held: a later reader of the cached value adds back these reads, and an outcome's
        # support must not depend on which outcome happened to compute the value first.
        before = list(self.support)
        self.support.clear()
        value = super().get(name)
        mine = list(self.support)
        self.support.clear()
        self.support.update(dict.fromkeys(before))
        self.support.update(dict.fromkeys(mine))
        if value is UNKNOWN:
            self.reads[name] = mine
        if key is not None:
            self.memo.table[key] = (value, tuple(mine))
        return value

    def formula(self, formula: Any) -> Any:
        if formula.tree is None:
            raise EvalError(f"the expression '{formula.text}' does not parse")
        return kvalue(formula.tree, self)

    def members(self, group: str) -> Any:
        if self.parent is not None:
            return self.parent.members(group)
        cache = self.__dict__.setdefault("_members", {})
        if group not in cache:
            count = self.get(self.process.groups[group].count)
            if count is UNKNOWN or count is None:
                cache[group] = UNKNOWN
            else:
                rows = self.case.get(group, [])
                cache[group] = [
                    PartialEvaluation(self.process, rows[i] if i < len(rows) else {}, group, self, trace=self.trace,
                                      branches=self.branches, support=self.support, index=i + 1)
                    for i in range(int(count))]
        return cache[group]

    def _fact(self, fact: Fact) -> Any:
        if fact.applies_if is not None:
            held = self.formula(fact.applies_if)
            if held is UNKNOWN:
                # the question is shown only once it applies: its condition's inputs are the support
                return UNKNOWN
            if held is not True:
                return as_date(fact.default)
        if fact.derive is not None:
            return self.formula(fact.derive)
        if fact.name not in self.case:
            self.support[(self.group, self.index, fact.name)] = None
            return UNKNOWN
        return as_date(self.case[fact.name])

    def _outcome(self, outcome: Outcome) -> Any:
        if outcome.applies_if is not None:
            held = self.formula(outcome.applies_if)
            if held is UNKNOWN:
                self._touch(outcome)
                return UNKNOWN
            if held is not True:
                return None
        if outcome.kind in ("when", "value"):
            return self.formula(outcome.when if outcome.kind == "when" else outcome.value)
        if outcome.kind == "items":
            chosen = []
            undecided = False
            for item in outcome.items:
                v = self.formula(item.when)
                undecided |= v is UNKNOWN
                if v is True:
                    chosen.append(item.name)
            return UNKNOWN if undecided else sorted(chosen)
        for case in outcome.cases:
            if case.when is not None:
                cond = self.formula(case.when)
                if cond is UNKNOWN:
                    self._touch(outcome)
                    return UNKNOWN
                if cond is None:
                    return None
                if not cond:
                    continue
            return self.formula(case.value) if case.value is not None else case.then
        return None

    def supports(self, names: Iterable[str] | None = None) -> dict[str, set[tuple]]:
        """Per undecided outcome (of ``names``, default all), the unknown inputs its evaluation
        touches. One evaluation serves every outcome: a cached derived value that is still
        unknown adds back what it read.

        Answering an input outside an outcome's support leaves that outcome's value and support
        as they are (the evaluation reads the inputs of its undecided parts, which are the
        support, and a decided part stays decided as answers accumulate), so a caller that
        answers one question at a time need only re-evaluate the outcomes whose support held it
        (:func:`analyzer.montecarlo.simulate` does; tests/test_kleene_incremental.py checks it
        against a full re-evaluation)."""
        found = {}
        for name in self.process.outcomes if names is None else names:
            self.support.clear()
            if self.get(name) is UNKNOWN:
                found[name] = set(self.support)
        self.support.clear()
        return found

    def _touch(self, outcome: Outcome) -> None:
        """Read every formula of an undecided outcome, so its support is complete."""
        for formula in outcome_formulas(outcome)[1 if outcome.applies_if is not None else 0:]:
            self.formula(formula)
