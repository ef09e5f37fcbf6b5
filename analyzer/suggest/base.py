"""The one suggestion type, its measured effect, and the context every kind reads.

A kind module (``analyzer/suggest/<kind>.py``) yields :class:`Suggestion` objects from a
:class:`Context`; :mod:`analyzer.suggest.effect` fills in each suggestion's :class:`Effect`
afterwards, by applying its scenario (``changes``) and re-running the analysis.

>>> s = Suggestion(kind="readability", process="p", subject="lejer", title="Rewrite the question",
...                file="rules/p.yaml", line=3, col=5, principles=(1,))
>>> s.location()
'rules/p.yaml:3:5'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..burden import Assumptions
from ..model import Catalogue, Loc, Process

#: the seven principles of digital-ready legislation (digst.dk), by number
PRINCIPLES = {
    1: "simple and clear rules",
    2: "digital communication",
    3: "automatic case processing (objective criteria, clear concepts, reuse of existing data)",
    4: "uniform concepts and reuse of data across authorities",
    5: "safe and secure data handling",
    6: "common public IT infrastructure",
    7: "prevention of fraud and errors",
}


@dataclass(frozen=True)
class Effect:
    """What a suggestion changes, measured; every figure says how it was obtained.

    ``questions[mode][measure]`` is ``{"before", "after", "saved", "kind", "method"}`` for
    measure ``static`` / ``expected`` / ``worst`` (``expected`` and ``worst`` of the minimal flow).
    ``hours[mode]`` / ``dkk[mode]`` are citizen hours and DKK a year saved (None: no volume).
    ``decisions`` is None when the rules' decisions cannot change (a pure form change).
    """

    #: mode -> measure -> figure (see the class docstring)
    questions: dict[str, dict[str, dict]] = field(default_factory=dict)
    #: mode -> citizen hours a year saved (None when the process declares no volume)
    hours: dict[str, float | None] = field(default_factory=dict)
    #: mode -> DKK a year saved at the tariff
    dkk: dict[str, float | None] = field(default_factory=dict)
    #: "exact" / "bound" / "estimate": the weakest kind among the figures above
    kind: str = "estimate"
    #: how hours were computed
    method: str = ""
    #: {"population", "cases", "changed", "share", "outcomes", "households", "samples"} or None
    decisions: dict | None = None
    #: why something could not be measured (None: everything was)
    note: str | None = None

    @property
    def hours_saved(self) -> float:
        """The ranking key: the larger of the two modes' hours saved (0 when unknown)."""
        values = [h for h in self.hours.values() if h is not None]
        return max(values) if values else 0.0


@dataclass(frozen=True)
class Suggestion:
    """One way to ask fewer or clearer questions, with its evidence (and later its effect)."""

    #: the kind's ID (a key of analyzer.suggest.KINDS)
    kind: str
    #: the process it is about; "a + b" for a cross-process finding
    process: str
    #: what it is about: a fact, outcome, constant or concept name
    subject: str
    #: what to do, in one line
    title: str
    #: file and 1-based place of the rule it points at
    file: str = ""
    line: int = 0
    col: int = 0
    #: the digital-ready-legislation principles it serves (numbers, see PRINCIPLES)
    principles: tuple[int, ...] = ()
    #: lines of evidence: the rule, the law reference, the match or the computation
    evidence: tuple[str, ...] = ()
    #: law references of the rules involved
    law: tuple[str, ...] = ()
    #: witness cases (input fact -> value) that show the finding
    witnesses: tuple[dict, ...] = ()
    #: the scenario changes that carry out the suggestion (analyzer.scenario); () = no rule change
    changes: tuple[dict, ...] = ()
    #: why there is no scenario, when ``changes`` is empty
    no_scenario: str = ""
    #: filled in by analyzer.suggest.effect.measure
    effect: Effect | None = None

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def sort_key(self) -> tuple:
        """Ranked by hours saved (most first); ties by kind, process, subject, title."""
        hours = self.effect.hours_saved if self.effect is not None else 0.0
        return (-round(hours, 6), self.kind, self.process, self.subject, self.title)


@dataclass
class Context:
    """What every kind reads: the processes given, the catalogue, and cached analyses.

    Caches are filled on first use, so a kind that needs no finite model costs nothing.
    """

    processes: list[Process]
    catalogue: Catalogue | None = None
    assumptions: Assumptions = field(default_factory=Assumptions)
    #: population cases per process name (given file or seeded sample), filled by effect
    cases: dict[str, list[dict]] = field(default_factory=dict)
    #: label of the population source per process ("file X (N cases)" or "N cases drawn ...")
    population: dict[str, str] = field(default_factory=dict)
    #: the population file the user gave (its cases are in ``cases``), or None
    population_file: str | None = None
    #: what a kind skipped and why (shown under the suggestions)
    notes: list[str] = field(default_factory=list)
    _cache: dict[tuple, Any] = field(default_factory=dict)

    def cached(self, key: tuple, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def model(self, process: Process):
        """The finite model of ``process``, or None when it is too large (then say so)."""
        from .. import finite

        def build():
            try:
                return finite.build(process)
            except finite.TooLarge:
                return None
        return self.cached(("model", process.name), build)

    def analysis(self, process: Process) -> dict:
        """metrics.analyze of ``process`` (with the population, when one was given)."""
        from .. import metrics
        return self.cached(("analysis", process.name),
                           lambda: metrics.analyze(process, self.assumptions, self.given_cases(process)))

    def given_cases(self, process: Process) -> list[dict] | None:
        """The population file's cases, only when the user gave one (not a drawn sample)."""
        return self.cases.get(process.name) if self.population_file is not None else None


def where(process: Process, loc: Loc | None) -> tuple[str, int, int]:
    """(file, line, col) of ``loc`` in ``process``'s file."""
    loc = loc or Loc(0, 0)
    return process.path, loc.line, loc.col


def law_label(process: Process, ref) -> str:
    """'LBK 995 2025 § 22' for a LawRef (the main law's id before a bare paragraph)."""
    if ref is None:
        return ""
    if ref.law and ref.law in process.laws:
        return f"{process.laws[ref.law].id} {ref.ref}"
    if process.law is not None and "§" in ref.ref:
        return f"{process.law.id} {ref.ref}"
    return ref.ref
