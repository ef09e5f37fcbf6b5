"""Measuring a suggestion's effect: apply its scenario, re-run the analysis, compare decisions.

For a suggestion with ``changes`` (a scenario, analyzer.scenario), :func:`measure` applies them
to the process and compares, in both modes:

- questions: the static form (expected, worst) and the minimal flow (expected, worst), from
  ``analyzer.metrics.analyze`` before and after; each figure keeps the weaker kind of the two
  (exact / bound / estimate);
- hours and DKK a year: the minimal flow's burden before minus after (Standard Cost Model,
  analyzer.burden; the assumptions are printed with the output);
- decisions: every case of the population (the file given, else :data:`SAMPLE` cases drawn
  from the priors with seed :data:`SEED`) decided before and after by the interpreter; how many
  change, which outcomes, and which kinds of households are over-represented among them.

Analyses are cached per process and per scenario, so each is computed once. A scenario that
cannot be applied gives an effect whose ``note`` says why, never a figure.
"""

from __future__ import annotations

from dataclasses import replace

from .. import metrics, population, scenario, whatif
from ..model import Process
from .base import Context, Effect, Suggestion

#: cases drawn from the priors when no population file is given, and their seed
SAMPLE, SEED = 1000, 1
_KIND_ORDER = {"exact": 0, "bound": 1, "estimate": 2}


def changes_of(items: tuple[dict, ...]) -> tuple:
    """Scenario change objects from ``{kind: body}`` mappings (the scenario file's form)."""
    found = []
    for item in items:
        (kind, body), = item.items()
        if kind == "replace":
            role = next(k for k in body if k not in ("fact", "outcome"))
            found.append(scenario.Replace(role, body[role], body.get("outcome"), body.get("fact")))
        elif kind == "prefill":
            found.append(scenario.Prefill(body["fact"], body["register"], body.get("field")))
        else:
            found.append(scenario.KINDS[kind](**body))
    return tuple(found)


def cases_for(ctx: Context, process: Process) -> list[dict]:
    """The population of ``process``: the given file's cases, or a seeded sample (cached)."""
    if process.name not in ctx.cases:
        ctx.cases[process.name] = population.generate(process, SAMPLE, SEED)
        ctx.population[process.name] = f"{SAMPLE} cases drawn from the answer priors (seed {SEED})"
    return ctx.cases[process.name]


def applied(ctx: Context, process: Process, items: tuple[dict, ...]) -> Process | str:
    """The changed process, or the reason the scenario cannot be applied (cached)."""
    def run():
        try:
            return scenario.apply(process, changes_of(items), ctx.catalogue)
        except scenario.ScenarioError as exc:
            first = exc.diagnostics[0] if exc.diagnostics else None
            return f"the scenario cannot be applied: {first.message if first else exc}"
    return ctx.cached(("applied", process.name, repr(items)), run)


def decision_changes(before: Process, after: Process, cases: list[dict], households: bool = True) -> dict:
    """How many ``cases`` get another decision after the change, counted by
    :func:`analyzer.whatif.decision_changes` (row by row, exact): count, share, per outcome
    (directions, amount moves), two sample cases, and (with ``households``) the answers most
    over-represented among the changed cases."""
    ch = whatif.decision_changes(before, after, cases)
    found = {"cases": ch.cases, "changed": ch.changed, "share": round(ch.share, 4) if ch.share is not None else 0.0,
             "outcomes": {s.outcome: {"changed": s.changed, "directions": dict(s.directions),
                                      "mean_change": s.mean_change, "largest_rise": s.largest_rise,
                                      "largest_fall": s.largest_fall} for s in ch.by_outcome},
             "samples": [{"row": x.row, "changes": {o: [b, a] for o, b, a in x.outcomes}} for x in ch.samples[:2]],
             "undecidable_before": ch.undecidable_before, "missing_after": dict(ch.missing_after),
             # cases the new rules cannot decide for want of an answer the population leaves empty
             # (a question that did not apply before): their decision may change, unknown how
             "unknown": sum(n for _, n in ch.missing_after),
             "households": []}
    if households and ch.changed:
        # the same comparison case by case, to know which cases changed
        rows = [i for i, case in enumerate(cases) if whatif.decision_changes(before, after, [case]).changed]
        found["households"] = _households(before, cases, rows)
    return found


def _households(process: Process, cases: list[dict], changed: list[int]) -> list[dict]:
    """The bool/choice answers most over-represented among the changed cases (up to three)."""
    if not changed:
        return []
    found = []
    for fact in process.facts.values():
        if not fact.is_input or fact.type not in ("bool", "choice"):
            continue
        values = sorted({cases[i].get(fact.name) for i in changed} - {None}, key=repr)
        for v in values:
            inside = sum(1 for i in changed if cases[i].get(fact.name) == v) / len(changed)
            overall = sum(1 for c in cases if c.get(fact.name) == v) / len(cases)
            if inside >= 0.5 and overall > 0 and inside / overall >= 1.2:
                found.append({"fact": fact.name, "value": v, "share_changed": round(inside, 3),
                              "share_all": round(overall, 3)})
    found.sort(key=lambda d: (-(d["share_changed"] / d["share_all"]), d["fact"], repr(d["value"])))
    return found[:3]


def _weaker(a: str, b: str) -> str:
    return a if _KIND_ORDER.get(a, 2) >= _KIND_ORDER.get(b, 2) else b


def _compare(before: dict, after: dict, block: str, measure: str) -> dict | None:
    x, y = (before.get(block) or {}).get(measure), (after.get(block) or {}).get(measure)
    if not x or not y or x.get("value") is None or y.get("value") is None:
        return None
    found = {"before": x["value"], "after": y["value"], "saved": round(x["value"] - y["value"], 3),
             "kind": _weaker(x["kind"], y["kind"]),
             "method": f"askless analyze before and after the scenario: {x['method']}"}
    if "ci95" in x and "ci95" in y:
        # two Monte Carlo estimates: a difference inside both intervals is not a measured change
        half = (x["ci95"][1] - x["ci95"][0]) / 2 + (y["ci95"][1] - y["ci95"][0]) / 2
        found["noise"] = round(half, 3)
        found["measurable"] = abs(found["saved"]) > half
    return found


def measure(ctx: Context, s: Suggestion) -> Suggestion:
    """``s`` with its effect (see the module docstring); unchanged when it has no scenario or
    already carries an effect."""
    if not s.changes or s.effect is not None:
        return s
    process = next((p for p in ctx.processes if p.name == s.process), None)
    if process is None:
        return s
    after = applied(ctx, process, s.changes)
    if isinstance(after, str):
        return replace(s, effect=Effect(note=after))
    before_a = ctx.analysis(process)
    after_a = ctx.cached(("analysis", process.name, repr(s.changes)),
                         lambda: metrics.analyze(after, ctx.assumptions, ctx.given_cases(process)))
    questions, hours, dkk, kinds = {}, {}, {}, set()
    noisy: list[str] = []
    for mode in metrics.MODES:
        b, a = before_a["modes"][mode], after_a["modes"][mode]
        figures = {"static_expected": _compare(b, a, "static", "expected"),
                   "static_worst": _compare(b, a, "static", "worst"),
                   "expected": _compare(b, a, "flow", "expected"),
                   "worst": _compare(b, a, "flow", "worst")}
        questions[mode] = {k: v for k, v in figures.items() if v is not None}
        kinds |= {v["kind"] for v in questions[mode].values()}
        hb, ha = b["burden"]["flow"]["hours_per_year"], a["burden"]["flow"]["hours_per_year"]
        hours[mode] = None if hb is None or ha is None else round(hb - ha, 1)
        if questions[mode].get("expected", {}).get("measurable") is False:
            hours[mode] = 0.0  # within the simulation's noise: no measured saving (the figures show both)
            noisy.append(mode)
        dkk[mode] = None if hours[mode] is None else round(hours[mode] * ctx.assumptions.tariff_dkk_per_hour)
    cases = cases_for(ctx, process)
    decisions = ctx.cached(("decisions", process.name, repr(s.changes)),
                           lambda: decision_changes(process, after, cases))
    decisions = dict(decisions, population=ctx.population.get(process.name, ""))
    kind = max(kinds | {"estimate" if not kinds else "exact"}, key=lambda k: _KIND_ORDER.get(k, 2))
    notes = [] if process.volume else ["the rule file declares no volume (applications_per_year): no hours"]
    if noisy:
        notes.append(f"{' and '.join(noisy)}: the change in expected questions lies within the 95 % confidence "
                     "intervals of the two simulations, so the hours saved are counted as 0")
    note = "; ".join(notes) or None
    return replace(s, effect=Effect(questions, hours, dkk, kind,
                                    "the minimal flow's citizen hours a year before minus after (Standard Cost "
                                    "Model: seconds per question by type x expected questions x applications a year)",
                                    decisions, note))


def measure_all(ctx: Context, found: list[Suggestion]) -> list[Suggestion]:
    return [measure(ctx, s) for s in found]
