"""Before and after a scenario: every metric, and the decisions that change on a population.

:func:`run` applies a :class:`~analyzer.scenario.Scenario` to a process and returns a
:class:`WhatIf`:

- **metrics**: every figure of :func:`analyzer.metrics.analyze` in both modes, before and after,
  each with its kind (``exact``, ``bound``, ``estimate``) on each side; a row whose two sides were
  computed by different methods says so (``same_method`` is False);
- **decisions**: the outcomes of every case of a population, decided by the row-by-row
  interpreter (:mod:`analyzer.evaluate`) under the old and the new rules, compared by
  :func:`decision_changes` (the one function a vectorised engine replaces). The population is the
  user's file, or a sample drawn from the answer priors with a fixed seed; these counts are exact
  for that population, and an estimate for the population the priors describe;
- **warnings**: modelling warnings the change introduces (a question no outcome reads any more).

Rendering (:func:`render`) returns text: a table, Markdown or JSON. Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from . import finite, metrics, montecarlo
from .burden import Assumptions
from .evaluate import EvalError, Evaluation
from .model import Catalogue, Process
from .scenario import Scenario, apply

#: rows drawn from the priors when no population file is given
DEFAULT_ROWS = 2000
DEFAULT_SEED = 1
#: changed cases shown as examples
SAMPLES = 3


# -- metrics -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MetricDelta:
    """One figure of ``askless analyze`` before and after (None: not computed on that side)."""

    mode: str
    #: where the figure sits in the analysis, e.g. ``flow.expected`` (docs/metrics.md)
    figure: str
    before: Any
    after: Any
    kind_before: str | None
    kind_after: str | None
    method_before: str | None
    method_after: str | None

    @property
    def delta(self) -> float | None:
        if isinstance(self.before, (int, float)) and isinstance(self.after, (int, float)):
            return round(self.after - self.before, 3)
        return None

    @property
    def same_method(self) -> bool:
        """Both sides computed the same way (a simulation's confidence interval may differ)."""
        return _method(self.method_before) == _method(self.method_after) and self.kind_before == self.kind_after


def _method(text: str | None) -> str | None:
    return None if text is None else re.sub(r"±[\d.,]+", "±", text)


#: the figures compared, in reading order: (label, path in a mode's block)
FIGURES = [
    ("static.worst", ("static", "worst")), ("static.expected", ("static", "expected")),
    ("form_order.expected", ("form_order", "expected")), ("form_order.worst", ("form_order", "worst")),
    ("flow.expected", ("flow", "expected")), ("flow.best", ("flow", "best")), ("flow.worst", ("flow", "worst")),
    ("optimal.expected", ("optimal", "expected")), ("optimal.worst", ("optimal", "worst")),
    ("bounds.certificate", ("bounds", "certificate")), ("bounds.entropy", ("bounds", "entropy")),
]
_BURDEN_METHOD = "Standard Cost Model: seconds per question by type x expected questions (minimal flow) x applications per year"


def _get(block: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(block, dict):
            return None
        block = block.get(step)
    return block


def compare_metrics(before: dict, after: dict) -> tuple[MetricDelta, ...]:
    """Every figure of two :func:`analyzer.metrics.analyze` results side by side, both modes."""
    rows = []
    for mode in metrics.MODES:
        b, a = before["modes"][mode], after["modes"][mode]
        for label, path in FIGURES:
            fb, fa = _get(b, path), _get(a, path)
            if fb is None and fa is None:
                continue
            rows.append(MetricDelta(mode, label, fb and fb["value"], fa and fa["value"], fb and fb["kind"],
                                    fa and fa["kind"], fb and fb["method"], fa and fa["method"]))
        for label, key in (("dead_questions", "dead_questions"), ("prefilled", "prefilled")):
            if mode == "anonymous" and key == "prefilled":
                continue
            method = "questions no flow asks (docs/metrics.md)" if key == "dead_questions" \
                else "register facts prefilled when logged in"
            rows.append(MetricDelta(mode, label, len(b[key]), len(a[key]), "exact", "exact", method, method))
        for unit in ("seconds_per_application", "hours_per_year", "dkk_per_year"):
            vb, va = _get(b, ("burden", "flow", unit)), _get(a, ("burden", "flow", unit))
            if vb is not None or va is not None:
                rows.append(MetricDelta(mode, f"burden.{unit}", vb, va, "estimate", "estimate",
                                        _BURDEN_METHOD, _BURDEN_METHOD))
    return tuple(rows)


# -- decisions -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutcomeShift:
    """How one outcome's decisions move between the old and the new rules."""

    outcome: str
    #: cases whose value of this outcome differs
    changed: int
    #: (direction, cases), sorted by direction: ``yes->no``, ``no->yes``, ``up``, ``down``,
    #: ``A->B`` for choices, ``+item`` / ``-item`` for sets (a case counts once per item),
    #: ``decided->not decided``, ``not decided->decided``
    directions: tuple[tuple[str, int], ...]
    #: amounts: mean change over the cases whose amount moved (after - before), largest rise, largest fall
    mean_change: float | None = None
    largest_rise: float | None = None
    largest_fall: float | None = None


@dataclass(frozen=True)
class Sample:
    """A changed case: its 1-based row in the population, and the outcomes that differ."""

    row: int
    #: (outcome, before, after)
    outcomes: tuple[tuple[str, Any, Any], ...]


@dataclass(frozen=True)
class Changes:
    """The decisions that change on a population (:func:`decision_changes`)."""

    #: cases compared (decided under both the old and the new rules)
    cases: int
    #: cases where at least one outcome differs
    changed: int
    by_outcome: tuple[OutcomeShift, ...]
    samples: tuple[Sample, ...]
    #: cases the old rules cannot decide (an answer they need is empty in the population)
    undecidable_before: int = 0
    #: cases the new rules cannot decide because they need an answer the population leaves
    #: empty (a question that did not apply before), by that question
    missing_after: tuple[tuple[str, int], ...] = ()
    #: how the cases were decided: "interpreter" (case by case) or "sql" (analyzer.vectorised)
    engine: str = "interpreter"

    @property
    def share(self) -> float | None:
        return self.changed / self.cases if self.cases else None


def _present(case: dict) -> dict:
    """The case without empty answers, so that reading one raises instead of giving null."""
    out = {}
    for key, value in case.items():
        if isinstance(value, list):
            out[key] = [{k: v for k, v in m.items() if v is not None} for m in value]
        elif value is not None:
            out[key] = value
    return out


def _decide(process: Process, case: dict) -> dict[str, Any]:
    return Evaluation(process, case).outcomes()


def _same(a: Any, b: Any) -> bool:
    if _amount(a) and _amount(b):  # 12600 and 12600.0 are the same amount
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


def _amount(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _directions(before: Any, after: Any) -> list[str]:
    """How a value moved: ``yes->no``, ``up``, ``A->B``; a set by item (``+item``, ``-item``)."""
    if before is None:
        return ["not decided->decided"]
    if after is None:
        return ["decided->not decided"]
    if isinstance(before, bool) and isinstance(after, bool):
        return ["no->yes" if after else "yes->no"]
    if _amount(before) and _amount(after):
        return ["up" if after > before else "down"]
    if isinstance(before, list) and isinstance(after, list):
        return [f"-{x}" for x in before if x not in after] + [f"+{x}" for x in after if x not in before]
    return [f"{_label(before)}->{_label(after)}"]


def _label(v: Any) -> str:
    if isinstance(v, list):
        return "{" + ", ".join(str(x) for x in v) + "}"
    return str(v)


def decision_changes(before: Process, after: Process, cases: list[dict]) -> Changes:
    """Decide every case under both processes and count what differs (row by row, exact).

    A case the old rules cannot decide is counted in ``undecidable_before``; one the new rules
    cannot decide for want of an answer in ``missing_after``; neither is in ``cases``.
    """
    compared = changed = undecidable = 0
    missing: dict[str, int] = {}
    per: dict[str, dict[str, Any]] = {}
    samples: list[Sample] = []
    for row, raw in enumerate(cases, 1):
        case = _present(raw)
        try:
            old = _decide(before, case)
        except (EvalError, TypeError, ArithmeticError):
            undecidable += 1
            continue
        try:
            new = _decide(after, case)
        except EvalError as exc:
            name = str(exc).split("'")[1] if "'" in str(exc) else str(exc)
            missing[name] = missing.get(name, 0) + 1
            continue
        compared += 1
        diffs = [(o, old.get(o), new.get(o)) for o in sorted(set(old) | set(new))
                 if not _same(old.get(o), new.get(o))]
        if not diffs:
            continue
        changed += 1
        if len(samples) < SAMPLES:
            samples.append(Sample(row, tuple(diffs)))
        for name, b, a in diffs:
            stats = per.setdefault(name, {"changed": 0, "dirs": {}, "moves": []})
            stats["changed"] += 1
            for d in _directions(b, a):
                stats["dirs"][d] = stats["dirs"].get(d, 0) + 1
            if _amount(b) and _amount(a):
                stats["moves"].append(a - b)
    shifts = []
    for name in sorted(per):
        s = per[name]
        moves = s["moves"]
        shifts.append(OutcomeShift(
            name, s["changed"], tuple(sorted(s["dirs"].items())),
            round(sum(moves) / len(moves), 2) if moves else None,
            round(max(moves), 2) if moves and max(moves) > 0 else None,
            round(min(moves), 2) if moves and min(moves) < 0 else None))
    return Changes(compared, changed, tuple(shifts), tuple(samples), undecidable, tuple(sorted(missing.items())))


# -- the whole comparison ------------------------------------------------------------------------

@dataclass(frozen=True)
class Population:
    """Where the compared cases come from."""

    #: "file" or "sample"
    source: str
    rows: int
    path: str | None = None
    seed: int | None = None

    def describe(self) -> str:
        if self.source == "file":
            return f"the {self.rows} cases of {self.path}"
        return (f"{self.rows} cases drawn from the rule file's answer priors with seed {self.seed} (the draws of "
                f"'askless population --rows {self.rows} --seed {self.seed}', answers kept where a question "
                "does not apply)")


@dataclass(frozen=True)
class WhatIf:
    scenario: Scenario
    process: str
    file: str
    metrics: tuple[MetricDelta, ...]
    population: Population
    decisions: Changes
    #: modelling warnings the change introduces, e.g. a question no outcome reads any more
    warnings: tuple[str, ...]
    #: the questions asked (anonymous mode) that the change removes, and those it prefills
    removed_questions: tuple[str, ...]
    prefilled_questions: tuple[str, ...]


def run(process: Process, scenario: Scenario, catalogue: Catalogue | None = None, cases: list[dict] | None = None,
        population_path: str | None = None, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED,
        assumptions: Assumptions | None = None) -> WhatIf:
    """Apply ``scenario`` to ``process`` and compare (raises ScenarioError if it does not apply).

    With ``cases`` (a population file read by analyzer.population.read) the metrics' expected
    values are averages over those cases and the decisions are compared on them; without, the
    metrics use the answer priors and the decisions a sample of ``rows`` cases drawn with ``seed``.
    """
    from .validate import validate

    changed = apply(process, scenario.changes, catalogue)
    before_m = metrics.analyze(process, assumptions, cases)
    after_m = metrics.analyze(changed, assumptions, cases)
    if cases is None:
        population = Population("sample", rows, None, seed)
        sample = montecarlo.sample(process, finite.variables(process), rows, seed, spread=True)
    else:
        population = Population("file", len(cases), population_path)
        sample = cases
    decisions = None
    if population_path is not None:
        # the rules compiled to SQL decide the file's rows in DuckDB; the interpreter is the
        # fallback for what the compiler cannot express (and the oracle in tests/test_vectorised.py)
        from . import vectorised
        try:
            decisions = dataclasses.replace(vectorised.whatif_changes(process, changed, population_path), engine="sql")
        except vectorised.VectorisedError:
            decisions = None
    if decisions is None:
        decisions = decision_changes(process, changed, sample)
    old = {(d.code, d.message) for d in validate(process, catalogue)}
    warnings = tuple(sorted({d.message for d in validate(changed, catalogue)
                             if d.severity == "warning" and (d.code, d.message) not in old}))
    asked_before = {f.key for f in process.questions("anonymous")}
    asked_after = {f.key for f in changed.questions("anonymous")}
    logged_before = {f.key for f in process.questions("logged_in")}
    logged_after = {f.key for f in changed.questions("logged_in")}
    return WhatIf(scenario, process.name, process.path, compare_metrics(before_m, after_m), population, decisions,
                  warnings, tuple(sorted(asked_before - asked_after)),
                  tuple(sorted((logged_before - logged_after) - (asked_before - asked_after))))


# -- rendering -----------------------------------------------------------------------------------

def to_dict(w: WhatIf) -> dict:
    """Plain data in a fixed reading order (JSON output)."""
    d = w.decisions
    return {
        "scenario": w.scenario.name, "title": {"da": w.scenario.title.da, "en": w.scenario.title.en},
        "process": w.process, "file": w.file, "scenario_file": w.scenario.path,
        "changes": len(w.scenario.changes),
        "removed_questions": list(w.removed_questions), "prefilled_questions": list(w.prefilled_questions),
        "metrics": [{"mode": m.mode, "figure": m.figure, "before": m.before, "after": m.after, "delta": m.delta,
                     "kind_before": m.kind_before, "kind_after": m.kind_after, "same_method": m.same_method,
                     "method_before": m.method_before, "method_after": m.method_after} for m in w.metrics],
        "population": {"source": w.population.source, "rows": w.population.rows, "file": w.population.path,
                       "seed": w.population.seed, "description": w.population.describe()},
        "decisions": {
            "kind": "exact", "method": "every case decided by the interpreter under the old and the new rules",
            "cases": d.cases, "changed": d.changed, "share": None if d.share is None else round(d.share, 4),
            "undecidable_before": d.undecidable_before,
            "engine": d.engine,
            "missing_after": [{"question": q, "cases": n} for q, n in d.missing_after],
            "by_outcome": [{"outcome": s.outcome, "changed": s.changed, "directions": dict(s.directions),
                            "mean_change": s.mean_change, "largest_rise": s.largest_rise,
                            "largest_fall": s.largest_fall} for s in d.by_outcome],
            "samples": [{"row": s.row, "outcomes": [{"outcome": o, "before": b, "after": a} for o, b, a in s.outcomes]}
                        for s in d.samples],
        },
        "warnings": list(w.warnings),
    }


def _num(v: Any, kind: str | None) -> str:
    if v is None:
        return "–"
    text = f"{v:,.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else f"{v:,}" if _amount(v) else str(v)
    return {"estimate": "~", "bound": "≥"}.get(kind or "", "") + text


def _delta(m: MetricDelta) -> str:
    if m.delta is None:
        return "–"
    if m.delta == 0:
        return "0"
    return ("+" if m.delta > 0 else "") + _num(m.delta, None)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None:
        return "not decided"
    if isinstance(v, list):
        return _label(v)
    return _num(v, None)


def render(w: WhatIf, fmt: str = "table") -> str:
    """The comparison as ``table`` (plain text), ``markdown`` or ``json``."""
    if fmt == "json":
        return json.dumps(to_dict(w), ensure_ascii=False, indent=2) + "\n"
    from tabulate import tabulate

    md = fmt == "markdown"
    style = "github" if md else "simple"
    s = w.scenario
    out = [f"## {s.name}: {s.title.en or s.title.da}" if md else f"{s.name}: {s.title.en or s.title.da}",
           "", f"Process {w.process} ({w.file}); {len(s.changes)} change(s) from {s.path or 'code'}."]
    if w.removed_questions:
        out.append("No longer asked: " + ", ".join(w.removed_questions) + ".")
    if w.prefilled_questions:
        out.append("Prefilled when logged in: " + ", ".join(w.prefilled_questions) + ".")
    out += ["", "Questions and burden (per application; ~ estimate, ≥ lower bound, no mark exact):", ""]
    table = [[m.mode.replace("_", " "), m.figure, _num(m.before, m.kind_before), _num(m.after, m.kind_after),
              _delta(m) + ("" if m.same_method else " *")] for m in w.metrics]
    out.append(tabulate(table, headers=["mode", "figure", "before", "after", "change"], tablefmt=style,
                        disable_numparse=True, colalign=("left", "left", "right", "right", "right")))
    if any(not m.same_method for m in w.metrics):
        out.append("")
        out.append("* before and after were computed by different methods or kinds (e.g. exact before, estimated "
                   "after); compare with care (--format json gives both methods).")
    flow = [m for m in w.metrics if m.figure == "flow.expected" and m.mode == "anonymous"]
    if flow and flow[0].method_before:
        out += ["", "Method of the flow figures: " + flow[0].method_before + "."]
        if _method(flow[0].method_after) != _method(flow[0].method_before):
            out.append("After the change: " + (flow[0].method_after or "not computed") + ".")
    d = w.decisions
    out += ["", "Decisions that change", ""]
    out.append(f"Population: {w.population.describe()}.")
    share = "–" if d.share is None else f"{100 * d.share:.1f} %"
    how = "in DuckDB by the rules compiled to SQL" if d.engine == "sql" else "case by case by the interpreter"
    out.append(f"{d.changed:,} of {d.cases:,} cases ({share}) get at least one different decision (exact for this "
               f"population, decided {how}).")
    if d.undecidable_before:
        out.append(f"{d.undecidable_before:,} case(s) left out: the old rules need an answer the population leaves empty.")
    for question, n in d.missing_after:
        out.append(f"{n:,} case(s) left out: the new rules ask '{question}', which the population leaves empty "
                   "(it did not apply before).")
    if d.by_outcome:
        out.append("")
        rows = []
        for sh in d.by_outcome:
            dirs = ", ".join(f"{k} {v:,}" for k, v in sh.directions)
            amount = "–" if sh.mean_change is None else (
                f"mean {_num(sh.mean_change, None)}; largest rise {_num(sh.largest_rise, None)}; "
                f"largest fall {_num(sh.largest_fall, None)}")
            rows.append([sh.outcome, f"{sh.changed:,}", dirs, amount])
        out.append(tabulate(rows, headers=["outcome", "cases", "direction", "amount change"], tablefmt=style,
                            disable_numparse=True))
    if d.samples:
        out += ["", "Sample cases (the first changed rows of the population):"]
        for sample in d.samples:
            moves = "; ".join(f"{o} " + (" ".join(_directions(b, a)) if isinstance(b, list) and isinstance(a, list)
                                          else f"{_value(b)} -> {_value(a)}") for o, b, a in sample.outcomes)
            out.append(f"{'- ' if md else '  '}row {sample.row}: {moves}")
    if w.warnings:
        out += ["", "New warnings after the change:"]
        out += [f"{'- ' if md else '  '}{text}" for text in w.warnings]
    return "\n".join(out).rstrip() + "\n"
