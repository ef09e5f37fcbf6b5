"""The one interface of the exact reasoning backends, and what they share.

A **case** assigns a value to every input variable of the finite model (``alder``, or
``voksne[2].indkomst`` for member 2 of a group; :func:`analyzer.finite.variables`). The cases an
engine reasons about are those the declared domains allow: a value of every answer class with a
positive prior (bool, choice, an int with a ``distribution``), and for numbers every value within
``min`` / ``max`` outside classes of zero prior. **answers** map variable ids to given values.

The queries (DESIGN.md, "Reasoning backends"), each answered by a :class:`Verdict`:

- ``determined(answers)``: every outcome has one value on all cases consistent with the answers;
- ``relevant(q, answers)``: two cases that differ only in q, both consistent with the answers,
  give different outcomes (exact relevance; a question that does not apply on a case changes
  nothing there);
- ``implied(name, answers)``: the value a fact or outcome takes on every consistent case;
- ``dead(q)``: q is relevant to no answers at all (the witness of a live question is the pair of
  cases that differ only in q);
- ``always(condition)`` / ``never(condition)``: a condition (expression text over the process's
  names) holds on every case / on none;
- ``overlaps(outcome)``: pairs of branches of a ``cases`` outcome whose conditions hold together
  on some case with different results (the later one is shadowed there);
- ``missing(outcome)``: a case on which no branch of a ``cases`` outcome holds.

A verdict is ``exact`` or ``unknown`` (the SMT work or time limit ran out): a caller must read an unknown
relevance as "relevant" and an unknown dead-question verdict as "not dead", which stays sound.

Every engine slices: a query about an outcome reads only the variables in the outcome's cone
(the inputs its rules read, through derived facts, ``applies_if`` and group functions).
"""

from __future__ import annotations

import abc
import difflib
from dataclasses import dataclass, field
from typing import Any

from .. import finite
from ..evaluate import as_date
from ..expr import Call, Expr, ExprError, Name, children, parse
from ..model import Formula, Process
from ..typecheck import GROUP_FUNCTIONS

MODES = ("anonymous", "logged_in")


class TooLarge(Exception):
    """The engine would exceed its size limit (cases to enumerate, BDD nodes); try the next."""


class Unsupported(Exception):
    """The rules use a construct the engine cannot encode exactly (SMT: text order, dates
    functions); the selector falls back, or the verdict is unknown."""


@dataclass(frozen=True)
class Verdict:
    """The answer to one query, and who gave it.

    >>> v = Verdict(True, "smt")
    >>> v.sure, v.maybe
    (True, True)
    >>> Verdict(None, "smt", "unknown").maybe
    True
    """

    #: the answer: True / False for yes-no queries, a value (or None) for ``implied``, a list
    #: of branch pairs for ``overlaps``
    value: Any
    #: "enumeration", "bdd" or "smt"
    engine: str
    #: "exact", or "unknown" when the engine gave up (work or time limit); value is then None
    status: str = "exact"
    #: cases (variable id -> value) that show the answer, when the engine has them
    witness: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    @property
    def sure(self) -> bool:
        """True only when exactly known to be true."""
        return self.status == "exact" and self.value is True

    @property
    def maybe(self) -> bool:
        """True unless exactly known to be false: the sound reading of relevance."""
        return not (self.status == "exact" and self.value is False)


@dataclass(frozen=True)
class Implied:
    """The value every consistent case gives a name (the ``value`` of an ``implied`` verdict;
    None there means the answers do not fix it)."""

    value: Any


class Reasoner(abc.ABC):
    """An exact reasoning engine over one process in one mode (see the module docstring)."""

    #: the engine's name, carried by every verdict
    name: str = ""

    def __init__(self, process: Process, mode: str = "anonymous"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.process = process
        self.mode = mode
        self.domain = Domain.of(process)

    # -- the queries --------------------------------------------------------------------------

    @abc.abstractmethod
    def determined(self, answers: dict[str, Any]) -> Verdict: ...

    @abc.abstractmethod
    def relevant(self, q: str, answers: dict[str, Any]) -> Verdict: ...

    @abc.abstractmethod
    def implied(self, name: str, answers: dict[str, Any]) -> Verdict: ...

    @abc.abstractmethod
    def always(self, condition: str) -> Verdict: ...

    @abc.abstractmethod
    def never(self, condition: str) -> Verdict: ...

    @abc.abstractmethod
    def overlaps(self, outcome: str) -> Verdict: ...

    @abc.abstractmethod
    def missing(self, outcome: str) -> Verdict: ...

    def dead(self, q: str) -> Verdict:
        """Never relevant: relevant to no answers (the empty answers admit every case)."""
        verdict = self.relevant(q, {})
        value = None if verdict.status != "exact" else not verdict.value
        return Verdict(value, verdict.engine, verdict.status, verdict.witness)

    def questions(self) -> list[str]:
        """The variables the citizen answers in this reasoner's mode, in file order (in
        ``logged_in`` mode register facts are prefilled: pass their values in the answers)."""
        return [v.id for v in self.domain.variables if v.fact.asked(self.mode)]

    def _verdict(self, value: Any, witness: tuple = ()) -> Verdict:
        return Verdict(value, self.name, "exact", witness)


@dataclass
class Domain:
    """The variables of a process, their values for enumeration, and the cones of its names."""

    process: Process
    variables: list[finite.Variable]
    index: dict[str, int]
    builder: Any = field(repr=False)

    @classmethod
    def of(cls, process: Process) -> Domain:
        # the finite model's builder knows the variables and how names reach them (through
        # derived facts, applies_if, member copies and group counts); reuse it, do not redo it
        builder = finite._Builder(process)
        builder.build_variables()
        variables = builder.vars
        return cls(process, variables, {v.id: i for i, v in enumerate(variables)}, builder)

    def values(self, v: int) -> list[Any]:
        """The class representatives of variable v with a positive prior (exact only when the
        variable is not opaque: see :meth:`exact`)."""
        return [c.rep for c in self.variables[v].classes if c.p > 0]

    def exact(self, vs: frozenset[int] | list[int]) -> bool:
        """Whether class representatives decide every rule over these variables exactly (no
        number of theirs takes part in arithmetic across facts)."""
        return not any(self.variables[v].opaque for v in vs)

    def cone(self, name: str) -> frozenset[int]:
        """The variables a fact, outcome or group reads (itself, for an input variable id)."""
        if name in self.index:
            return frozenset({self.index[name]})
        return self.builder._name_cone(name, None, None, 0)

    def condition_cone(self, formula: Formula) -> frozenset[int]:
        assert formula.tree is not None
        return self.builder._cone(formula.tree, None, None)

    def outcome_cones(self) -> dict[str, frozenset[int]]:
        return {o: self.cone(o) for o in self.process.outcomes}

    def var(self, q: str) -> int:
        if q not in self.index:
            raise KeyError(f"'{q}' is not an input variable of process '{self.process.name}'")
        return self.index[q]

    def check_answers(self, answers: dict[str, Any]) -> dict[int, Any]:
        """Answers by variable index, dates read as dates; an unknown id is a KeyError."""
        return {self.var(k): as_date(v) for k, v in answers.items()}

    def case(self, values: dict[int, Any]) -> dict[str, Any]:
        """The interpreter's case (groups as member lists) of an assignment by variable index.
        Member copies beyond the group's count are left out."""
        case: dict[str, Any] = {}
        members: dict[str, dict[int, dict[str, Any]]] = {}
        for v, value in values.items():
            var = self.variables[v]
            if var.group is None:
                case[var.fact.name] = value
            else:
                members.setdefault(var.group, {}).setdefault(var.index, {})[var.fact.name] = value
        for group in self.process.groups.values():
            count_index = self.index.get(group.count)
            if count_index is None or count_index not in values:
                continue
            n = values[count_index]
            n = int(n) if isinstance(n, (int, float)) and not isinstance(n, bool) else 0
            case[group.name] = [members.get(group.name, {}).get(i, {}) for i in range(1, n + 1)]
        return case

    def named(self, values: dict[int, Any]) -> dict[str, Any]:
        """An assignment by variable id, sorted (for witnesses)."""
        return {self.variables[v].id: values[v] for v in sorted(values)}


def condition(process: Process, text: str) -> Formula:
    """A condition written over the process's names (for ``always`` / ``never``); a syntax error
    or an unknown name is a ValueError that says where (with a did-you-mean).

    >>> from analyzer.load import load_process_document
    >>> from analyzer.yamlread import read
    >>> p, _ = load_process_document(read("t.yaml", text="process: t\\ntitle: T\\nfacts:\\n  lejer: {type: bool, ask: l?}\\noutcomes:\\n  o: {when: lejer}\\n"))
    >>> condition(p, "lejr and o")
    Traceback (most recent call last):
    ValueError: condition 'lejr and o', character 1: unknown name 'lejr'; did you mean 'lejer'?
    """
    try:
        tree = parse(text)
    except ExprError as exc:
        raise ValueError(f"condition {text!r}, character {exc.start + 1}: {exc.message}") from None
    known = [*process.facts, *process.constants, *process.outcomes, *process.groups]
    # a group function's later arguments also see the group's member facts
    stack: list[tuple[Expr, list[str]]] = [(tree, known)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, Name) and node.name not in scope:
            close = difflib.get_close_matches(node.name, scope, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"condition {text!r}, character {node.start + 1}: unknown name '{node.name}'{hint}")
        if isinstance(node, Call) and node.func in GROUP_FUNCTIONS and node.args and \
                isinstance(node.args[0], Name) and node.args[0].name in process.groups:
            inner = [*process.groups[node.args[0].name].facts, *scope]
            stack.append((node.args[0], scope))
            stack.extend((arg, inner) for arg in node.args[1:])
            continue
        stack.extend((child, scope) for child in children(node))
    return Formula(text, tree, None)  # type: ignore[arg-type]


def freeze(value: Any) -> Any:
    """An outcome value as the finite model compares them: lists as tuples, 2.0 as 2."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
