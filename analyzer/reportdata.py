"""What `askless report` shows, computed once: the data behind the HTML and Markdown reports.

:func:`build` analyses each process (:func:`analyzer.metrics.analyze`), builds its dependency
graph, collects the top suggestions (:mod:`analyzer.suggest`, when that stage is present), the
prefill map, and, for more than one process, the league table and the concepts defined
differently across processes; with a scenario, the before/after comparison
(:mod:`analyzer.scenario` applies it, :mod:`analyzer.diff` compares). Renderers
(:mod:`analyzer.htmlreport`, :mod:`analyzer.mdreport`) only format this data.

Every figure keeps the ``{value, kind, method}`` form of the analysis, so a renderer can always
say whether it is exact, a bound or an estimate, and how it was computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from . import metrics
from .burden import Assumptions
from .graph import build as build_graph
from .model import Catalogue, Fact, Process

#: suggestions shown per process
TOP_SUGGESTIONS = 5
#: the count figures charted, in order: (label, key in a mode's block, key in that block)
COUNTS = (("static form", "static", "expected"), ("form order", "form_order", "expected"),
          ("minimal flow", "flow", "expected"), ("optimal flow", "optimal", "expected"))
MODE_LABELS = {"anonymous": "anonymous", "logged_in": "logged in"}


@dataclass(frozen=True)
class PrefillRow:
    """A register fact: asked when anonymous, answered by ``register`` when logged in."""

    fact: str
    register: str
    #: the register's title in the catalogue ("" when the catalogue does not name it)
    register_title: str
    field: str
    #: the Danish question asked instead when the citizen is anonymous
    ask: str


@dataclass(frozen=True)
class Concept:
    """A fact name that processes define differently: process -> its definition in words."""

    name: str
    definitions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProcessReport:
    process: Process
    #: metrics.analyze(process)
    analysis: dict
    graph: nx.DiGraph = field(compare=False, repr=False)
    prefill: tuple[PrefillRow, ...] = ()
    #: analyzer.suggest.Suggestion objects, best first (at most TOP_SUGGESTIONS)
    suggestions: tuple[Any, ...] = ()
    #: why there are no suggestions to show, when there are none ("" otherwise)
    suggestions_note: str = ""


@dataclass(frozen=True)
class ScenarioReport:
    """A scenario applied to one process: the changes and the comparison (analyzer.diff.Diff)."""

    name: str
    title: str
    rationale: str
    file: str
    #: each change in words
    changes: tuple[str, ...]
    diff: Any
    before: dict
    after: dict


@dataclass(frozen=True)
class Report:
    processes: tuple[ProcessReport, ...]
    assumptions: Assumptions
    concepts: tuple[Concept, ...] = ()
    scenario: ScenarioReport | None = None
    #: "FILE (N cases)" when expected values are averages over a population file
    population: str | None = None


# -- building -------------------------------------------------------------------------------------

def prefill_rows(process: Process, catalogue: Catalogue | None) -> tuple[PrefillRow, ...]:
    rows = []
    for f in process.all_facts():
        if f.kind != "register":
            continue
        known = catalogue.registers.get(f.register or "") if catalogue else None
        rows.append(PrefillRow(f.key, f.register or "", known.title if known else "", f.register_field or "",
                               f.ask.da if f.ask else ""))
    return tuple(sorted(rows, key=lambda r: (r.register, r.fact)))


def _definition(f: Fact) -> str:
    if f.kind == "derived":
        return f"derived: {f.derive.text if f.derive else ''}"
    where = f" from {f.register}" + (f" ({f.register_field})" if f.register_field else "") if f.register else ""
    choices = f" [{', '.join(c.value for c in f.choices)}]" if f.choices else ""
    return f"{f.kind} ({f.type}{choices}){where}"


def concepts(processes: list[Process]) -> tuple[Concept, ...]:
    """Fact names that two or more processes define differently (kind, type, register, choices
    or derivation), sorted by name: the "clearly defined and common concepts" of digital-ready
    legislation (principle 4) call for one definition."""
    seen: dict[str, dict[str, str]] = {}
    for p in processes:
        for f in p.all_facts():
            seen.setdefault(f.key, {}).setdefault(p.name, _definition(f))
    found = []
    for name in sorted(seen):
        defs = seen[name]
        if len(defs) > 1 and len(set(defs.values())) > 1:
            found.append(Concept(name, tuple(sorted(defs.items()))))
    return tuple(found)


def _suggestions(processes: list[Process], catalogue: Catalogue | None,
                 assumptions: Assumptions) -> tuple[dict[str, list], str, Any]:
    """Suggestions per process name and the suggestion context (whose cached analyses the report
    reuses), or ({}, why none can be shown, None)."""
    try:
        from .suggest import Context, suggest
    except ImportError:
        return {}, "not available: this version of askless has no suggestion stage (askless suggest)", None
    ctx = Context(list(processes), catalogue, assumptions)
    per: dict[str, list] = {}
    for s in suggest(ctx):
        for name in s.process.split(" + "):
            per.setdefault(name, []).append(s)
    return per, "", ctx


def _change_text(change: Any) -> str:
    kind = type(change).__name__
    fields = {k: v for k, v in vars(change).items() if k != "where" and v not in (None, "", ())}
    return f"{kind}: " + ", ".join(f"{k} {v}" for k, v in fields.items())


def scenario_report(process: Process, scenario: Any, catalogue: Catalogue | None,
                    assumptions: Assumptions, cases: list[dict] | None = None,
                    population: str | None = None) -> ScenarioReport:
    """Apply ``scenario`` (analyzer.scenario.Scenario) to ``process`` and compare, on the cases of
    the population file when given (as the rest of the report), else under the priors; raises
    analyzer.scenario.ScenarioError when a change does not apply."""
    from . import diff
    from . import scenario as scenario_mod

    changed = scenario_mod.apply(process, scenario.changes, catalogue)
    before, after = metrics.analyze(process, assumptions, cases), metrics.analyze(changed, assumptions, cases)
    comparison = diff.Diff(process.name, process.path, scenario.path or "", diff.definitions(process, changed),
                           diff.metric_rows(before, after),
                           diff.decisions(process, changed, cases=cases, population=population))
    return ScenarioReport(scenario.name, scenario.title.en or scenario.title.da, scenario.rationale or "",
                          scenario.path or "", tuple(_change_text(c) for c in scenario.changes), comparison,
                          before, after)


def build(processes: list[Process], catalogue: Catalogue | None = None, assumptions: Assumptions | None = None,
          cases: list[dict] | None = None, population: str | None = None, scenario: Any = None,
          with_suggestions: bool = True) -> Report:
    """The report's data for ``processes`` (see the module docstring). ``cases`` (one process
    only) makes expected values averages over a population; ``scenario`` must name one of the
    processes (else ValueError)."""
    a = assumptions or Assumptions()
    per, note, ctx = (_suggestions(processes, catalogue, a) if with_suggestions
                      else ({}, "not computed (--no-suggestions)", None))
    reports = []
    for p in processes:
        found = tuple(per.get(p.name, [])[:TOP_SUGGESTIONS])
        # the suggestion stage has analysed each process already (same assumptions, no population)
        analysis = ctx.analysis(p) if ctx is not None and cases is None else metrics.analyze(p, a, cases)
        reports.append(ProcessReport(p, analysis, build_graph(p, catalogue),
                                     prefill_rows(p, catalogue), found,
                                     note or ("" if found else "none found for this process")))
    scen = None
    if scenario is not None:
        target = next((p for p in processes if p.name == scenario.process), None)
        if target is None:
            raise ValueError(f"the scenario is about process '{scenario.process}', which the paths given do not hold")
        scen = scenario_report(target, scenario, catalogue, a, cases, population)
    return Report(tuple(reports), a, concepts(processes) if len(processes) > 1 else (), scen, population)


# -- figures the renderers share ------------------------------------------------------------------

def fig_text(fig: dict | None, digits: int = 1) -> str:
    """'~13.7' for an estimate, '≥2.7' for a bound, '17.3' exact, '–' when absent."""
    if not fig or fig.get("value") is None:
        return "–"
    value = fig["value"]
    text = f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"
    return {"estimate": "~", "bound": "≥"}.get(fig.get("kind", ""), "") + text


def lower_bound(mode_block: dict) -> dict | None:
    found = [b for b in (mode_block.get("bounds") or {}).values() if b and b.get("value") is not None]
    return max(found, key=lambda b: b["value"]) if found else None


def count_figure(mode_block: dict, block: str, key: str) -> dict | None:
    if block == "bound":
        return lower_bound(mode_block)
    return (mode_block.get(block) or {}).get(key)


def headline(analysis: dict) -> str:
    """'anonymous: 17 questions on the form, ~13.7 expected with the minimal flow; logged in: ~6.1'."""
    anon, logged = analysis["modes"]["anonymous"], analysis["modes"]["logged_in"]
    worst = anon["static"]["worst"]["value"]
    return (f"anonymous: {worst} questions on the form, {fig_text(anon['flow'] and anon['flow']['expected'])} "
            f"expected with the minimal flow; logged in: "
            f"{fig_text(logged['flow'] and logged['flow']['expected'])}")


def prefill_share(analysis: dict) -> float | None:
    """Share of the static form's expected questions (anonymous) that logged-in prefill removes."""
    anon = analysis["modes"]["anonymous"]["static"]["expected"]["value"]
    logged = analysis["modes"]["logged_in"]["static"]["expected"]["value"]
    return None if not anon else (anon - logged) / anon


def league(report: Report) -> list[ProcessReport]:
    """Processes by expected questions (anonymous, minimal flow), most first; ties by name."""
    def key(r: ProcessReport) -> tuple:
        flow = r.analysis["modes"]["anonymous"]["flow"]
        value = flow["expected"]["value"] if flow else 0.0
        return (-value, r.process.name)
    return sorted(report.processes, key=key)
