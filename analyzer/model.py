"""The rule model: small frozen dataclasses built by :mod:`analyzer.load` from a rule file.

Vocabulary (docs/architecture.md): a **process** has **constants**, **facts** (questions asked of
the citizen, register facts prefilled when logged in, derived facts), repeated **groups** of
facts, **outcomes** it must decide, and **tests**.

>>> f = Fact(name="lejer", kind="question", type="bool", loc=Loc(3, 3))
>>> f.asked_anonymous, f.asked_logged_in
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .expr import Expr
from .yamlread import Document, Node

FACT_TYPES = ("bool", "choice", "int", "number", "money", "date", "text")


@dataclass(frozen=True)
class Loc:
    #: 1-based line
    line: int
    #: 1-based column
    col: int


@dataclass(frozen=True)
class Text:
    """Text in Danish, with an optional English version."""

    da: str
    en: str | None = None


@dataclass(frozen=True)
class LawRef:
    """A reference to a paragraph: ``ref`` of the main law (``law`` None) or of ``laws[law]``."""

    ref: str
    law: str | None = None
    loc: Loc = Loc(0, 0)

    def label(self) -> str:
        return f"{self.law} {self.ref}" if self.law else self.ref


@dataclass(frozen=True)
class Law:
    id: str
    title: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Formula:
    """An expression as written in the file, and its AST (None when it does not parse)."""

    text: str
    tree: Expr | None
    #: the YAML scalar it came from, for locating positions inside it
    node: Node = field(compare=False, repr=False)


@dataclass(frozen=True)
class Constant:
    name: str
    value: Any
    loc: Loc
    unit: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    law: LawRef | None = None
    source: str | None = None


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text | None = None
    #: prior probability of this answer, when declared
    p: float | None = None


@dataclass(frozen=True)
class PriorClass:
    """Probability ``p`` that the answer lies in (previous upto, ``upto``]; None = no upper bound."""

    upto: Any
    p: float


@dataclass(frozen=True)
class Fact:
    name: str
    #: "question" (asked), "register" (prefilled when logged in, asked otherwise) or "derived"
    kind: str
    #: one of FACT_TYPES
    type: str
    loc: Loc
    ask: Text | None = None
    help: Text | None = None
    register: str | None = None
    register_field: str | None = None
    derive: Formula | None = None
    applies_if: Formula | None = None
    default: Any = None
    law: LawRef | None = None
    choices: tuple[Choice, ...] = ()
    p_true: float | None = None
    prior: tuple[PriorClass, ...] = ()
    #: exact-value probabilities of an int fact (value, p)
    distribution: tuple[tuple[int, float], ...] = ()
    min: Any = None
    max: Any = None
    unit: str | None = None
    #: the group this fact belongs to (asked once per member), or None
    group: str | None = None
    source: str | None = None
    assumption: str | None = None
    #: location of each key of the fact's mapping (for pointing at a specific key)
    key_locs: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """The fact's qualified id: 'alder', or 'voksne.indkomst' for a member fact."""
        return f"{self.group}.{self.name}" if self.group else self.name

    def asked(self, mode: str) -> bool:
        """Whether the citizen answers it in ``mode`` (``anonymous`` or ``logged_in``)."""
        return self.asked_anonymous if mode == "anonymous" else self.asked_logged_in

    @property
    def asked_anonymous(self) -> bool:
        return self.kind in ("question", "register")

    @property
    def asked_logged_in(self) -> bool:
        return self.kind == "question"

    @property
    def is_input(self) -> bool:
        return self.kind != "derived"


@dataclass(frozen=True)
class Group:
    """Facts asked once per member (e.g. once per person in the household)."""

    name: str
    #: the int fact that holds the number of members
    count: str
    facts: dict[str, Fact]
    loc: Loc
    title: Text | None = None
    count_loc: Loc = Loc(0, 0)


@dataclass(frozen=True)
class Case:
    """One branch of a ``cases`` outcome. ``when`` is None for the final ``else``."""

    loc: Loc
    when: Formula | None = None
    #: the literal result (``then`` / ``else``), when ``value`` is None
    then: Any = None
    #: the computed result (``value`` / ``else_value``)
    value: Formula | None = None
    law: LawRef | None = None


@dataclass(frozen=True)
class Item:
    """One member of a set outcome (e.g. a document), present when ``when`` holds."""

    name: str
    when: Formula
    loc: Loc
    title: Text | None = None
    law: LawRef | None = None


@dataclass(frozen=True)
class Outcome:
    name: str
    #: "when" (yes/no), "value" (computed), "cases" or "items" (a set)
    kind: str
    loc: Loc
    title: Text | None = None
    law: LawRef | None = None
    when: Formula | None = None
    value: Formula | None = None
    cases: tuple[Case, ...] = ()
    items: tuple[Item, ...] = ()
    applies_if: Formula | None = None
    unit: str | None = None


def outcome_formulas(o: Outcome) -> list[Formula]:
    """Every expression of an outcome: applies_if, when, value, each case's when and value, each
    item's when (in that order)."""
    found = [o.applies_if, o.when, o.value]
    for case in o.cases:
        found += [case.when, case.value]
    found += [item.when for item in o.items]
    return [f for f in found if f is not None]


@dataclass(frozen=True)
class TestCase:
    name: str
    given: dict[str, Any]
    expect: dict[str, Any]
    loc: Loc
    #: the YAML node of the test (for locating given/expect entries)
    node: Node = field(compare=False, repr=False)
    mode: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Volume:
    applications_per_year: float
    source: str | None = None
    assumption: str | None = None


@dataclass(frozen=True)
class Process:
    """One self-service process, as read from one rule file."""

    name: str
    title: Text
    path: str
    doc: Document = field(compare=False, repr=False)
    authority: str | None = None
    law: Law | None = None
    laws: dict[str, Law] = field(default_factory=dict)
    volume: Volume | None = None
    constants: dict[str, Constant] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    tests: tuple[TestCase, ...] = ()

    def all_facts(self) -> list[Fact]:
        """Top-level facts, then each group's member facts, in file order."""
        found = list(self.facts.values())
        for group in self.groups.values():
            found.extend(group.facts.values())
        return found

    def questions(self, mode: str = "anonymous") -> list[Fact]:
        """The input facts the citizen answers in ``mode`` (``anonymous`` or ``logged_in``)."""
        return [f for f in self.all_facts() if f.asked(mode)]


@dataclass(frozen=True)
class Register:
    name: str
    title: str
    holds: tuple[str, ...]
    loc: Loc
    authority: str | None = None
    law: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Catalogue:
    """The register catalogue (rules/registers.yaml)."""

    path: str
    registers: dict[str, Register]
