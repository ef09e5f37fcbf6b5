"""Question counts, bounds, dead questions, prefill, burden and readability of a process.

:func:`analyze` returns plain data (dicts and lists) for both modes, ``anonymous`` (register
facts are asked) and ``logged_in`` (register facts are prefilled). Every figure is a
``{"value", "kind", "method"}`` triple where ``kind`` is ``exact``, ``bound`` or ``estimate``
(docs/metrics.md defines each figure and its formula).

Counts are exact on the finite model (analyzer.finite) when it has no atoms; with atoms
(comparisons over amounts) the policies' figures are estimates. Components add up: worst, best
and expected counts of a process are sums over its independent components.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import bounds, burden, certify, finite, montecarlo, parallel, policies, readability
from .logic.dead import by_mode as dead_by_mode
from .model import Process
from .rows import locate

MODES = ("anonymous", "logged_in")


def figure(value: Any, kind: str, method: str) -> dict:
    if isinstance(value, float):
        value = round(value, 3)
    return {"value": value, "kind": kind, "method": method}


@dataclass
class _Run:
    worst: int = 0
    best: int = 0
    expected: float = 0.0
    seconds: float = 0.0


def _totals(space: policies.Space, tree: policies.Tree) -> _Run:
    p = space.component.p
    depths = {r: len(path) for r, path in tree.asked.items()}
    live = [r for r in depths if p[r] > 0] or list(depths)
    run = _Run()
    if not live:
        return run
    run.worst = max(depths[r] for r in live)
    run.best = min(depths[r] for r in live)
    total = sum(p[r] for r in live) or 1.0
    run.expected = sum(p[r] * depths[r] for r in live) / total
    run.seconds = sum(p[r] * sum(space.seconds[q] for q in tree.asked[r]) for r in live) / total
    return run


def _static(process: Process, model: finite.Model, mode: str, a: burden.Assumptions,
            cases: list[dict] | None = None) -> tuple[dict, float]:
    """Every question on the form, member questions once per member."""
    top = [f for f in process.facts.values() if f.asked(mode)]
    base = len(top)
    base_seconds = sum(a.seconds_for(f.type) for f in top)
    worst = best = base
    expected = float(base)
    seconds = base_seconds
    exact = True
    for group in process.groups.values():
        members = [f for f in group.facts.values() if f.asked(mode)]
        count = next((v for v in model.variables if v.id == group.count), None)
        if count is None:
            continue
        values = [(c.rep, c.p) for c in count.classes if c.p > 0]
        exact = exact and all(isinstance(v, int) for v, _ in values)
        ks = [int(v) for v, _ in values]
        per_member = len(members)
        worst += max(ks) * per_member
        best += min(ks) * per_member
        mean = sum(k * q for k, q in values) / (sum(q for _, q in values) or 1)
        expected += mean * per_member
        seconds += mean * sum(a.seconds_for(f.type) for f in members)
    if cases:
        per_member = {g.name: [f for f in g.facts.values() if f.asked(mode)] for g in process.groups.values()}
        counts, secs = [], []
        for case in cases:
            n, t = base, base_seconds
            for name, members in per_member.items():
                k = len(case.get(name) or [])
                n += k * len(members)
                t += k * sum(a.seconds_for(f.type) for f in members)
            counts.append(n)
            secs.append(t)
        worst, best, expected, seconds = max(counts), min(counts), sum(counts) / len(counts), sum(secs) / len(secs)
        method = (f"every question on the form for the case; member questions once per member; over the "
                  f"population file's {len(cases)} cases")
        return {"worst": figure(worst, "exact", method), "best": figure(best, "exact", method),
                "expected": figure(expected, "exact", method)}, seconds
    kind = "exact" if exact else "estimate"
    method = "every question on the form for the case; member questions once per member"
    return {"worst": figure(worst, kind, method), "best": figure(best, kind, method),
            "expected": figure(expected, kind, method + "; expectation over the declared member counts")}, seconds


def analyze(process: Process, assumptions: burden.Assumptions | None = None, cases: list[dict] | None = None,
            objective: str = "questions", samples: int | None = None) -> dict:
    """Both modes' figures for one process (see the module docstring); with ``cases`` (a
    population, analyzer.population.read), expected values are averages over those cases. The
    ``objective`` (policies.OBJECTIVES) is what the greedy, minimal and optimal flows minimise:
    the number of questions, or the answering time (seconds per question by type; cost-weighted
    greedy). The counts are reported either way; with ``time`` each block also has its expected
    seconds."""
    if objective not in policies.OBJECTIVES:
        raise ValueError(f"objective {objective!r}: expected one of {', '.join(policies.OBJECTIVES)}")
    a = assumptions or burden.Assumptions()
    try:
        model = finite.build(process)
    except finite.TooLarge as exc:
        return _estimate(process, a, str(exc), cases, objective, samples)
    result: dict[str, Any] = {"process": process.name, "file": process.path,
                              "model": _model_summary(model), "modes": {}}
    volume = process.volume.applications_per_year if process.volume else None
    for mode in MODES:
        result["modes"][mode] = _mode(process, model, mode, a, volume, cases, objective)
    if objective != "questions":
        result["objective"] = objective
    result["readability"] = readability_table(process)
    result["assumptions"] = a.to_dict()
    return result


def _estimate(process: Process, a: burden.Assumptions, why: str, cases: list[dict] | None = None,
              objective: str = "questions", samples: int | None = None) -> dict:
    """Figures by simulation when the exact finite model is too large (see analyzer.montecarlo)."""
    variables = finite.variables(process)
    seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    volume = process.volume.applications_per_year if process.volume else None
    stub = finite.Model(process, variables, [], [], [])
    result: dict[str, Any] = {"process": process.name, "file": process.path, "model": {
        "variables": len(variables), "components": None, "rows": None, "atoms": [], "exact": False,
        "estimated": why,
        "assumed_priors": sorted({_fact_key(v) for v in variables if v.prior != "declared"})}, "modes": {}}
    # The dead-question check and each mode's simulation are independent: on a process this
    # large they run in worker processes at once (analyzer.parallel; the figures are the same).
    # Dead questions stay exact without the finite model: the reasoning backends decide them
    # (analyzer/logic/dead.py; an undecided question is counted as live).
    # (the dead-question check first: on 3,000 questions it is the longest task; docs/performance.md)
    # The certificate bound of each mode (analyzer.certify) is a task of its own, queued after
    # the simulations. Measured on 3,000 questions with two workers: one runs the dead-question
    # check and then a simulation, the other a simulation and both bounds, which reuse its
    # SupportCache (a bound on a fresh one took 1.8 s instead of 1.0).
    tasks: list[tuple] = [(_dead_task, ())]
    tasks += [(_simulate_mode, (mode, seconds, cases, objective, samples)) for mode in MODES]
    tasks += [(_certificate_task, (mode, seconds, cases, objective)) for mode in MODES]
    dead, *results = parallel.run(tasks, _Simulation(process), len(variables) >= PARALLEL_MIN_VARIABLES)
    for mode, estimates, certificate in zip(MODES, results[:len(MODES)], results[len(MODES):]):
        static, static_seconds = _static(process, stub, mode, a, cases)
        out: dict[str, Any] = {"static": static}
        for policy, key in (("form_order", "form_order"), ("greedy", "flow")):
            figures = estimates[policy]
            spent = figures.pop("_seconds")
            if objective == "time":
                figures["expected_seconds"] = figure(spent, "estimate", figures["expected"]["method"])
            out[key] = figures
            if key == "flow":
                flow_seconds = spent
        out["optimal"] = None
        out["bounds"] = {"certificate": certificate, "entropy": None}
        out["dead_questions"], out["dead_questions_undecided"] = dead[mode]
        out["prefilled"] = sorted({_fact_key(v) for v in variables if v.register}) if mode == "logged_in" else []
        out["burden"] = {"static": burden.burden(static_seconds, volume, a), "flow": burden.burden(flow_seconds, volume, a),
                         "kind": "estimate", "method": "Standard Cost Model: seconds per question by type x "
                         "expected questions x applications per year; tariff in DKK per hour"}
        result["modes"][mode] = out
    if objective != "questions":
        result["objective"] = objective
    result["readability"] = readability_table(process)
    result["assumptions"] = a.to_dict()
    return result


#: a process simulated with at least this many variables is analysed in worker processes:
#: every bundled one (boligstoette 5.6 s alone, 3.2 s in two workers; byggetilladelse 1.8 s
#: and 1.1 s); a tinier one is cheaper to run than to fork for
PARALLEL_MIN_VARIABLES = 12


@dataclass
class _Simulation:
    """What the tasks of :func:`_estimate` share: the process and, within one process (worker
    or not), one montecarlo.SupportCache."""

    process: Process
    cache: montecarlo.SupportCache | None = None


def _simulate_mode(shared: _Simulation, mode: str, seconds: dict[str, float], cases: list[dict] | None,
                   objective: str, samples: int | None) -> dict[str, dict]:
    if shared.cache is None:
        shared.cache = montecarlo.SupportCache(shared.process)
    return montecarlo.estimate_mode(shared.process, shared.cache.variables, mode, seconds, cases, shared.cache,
                                    objective, samples)


def _certificate_task(shared: _Simulation, mode: str, seconds: dict[str, float], cases: list[dict] | None,
                      objective: str) -> dict:
    if shared.cache is None:
        shared.cache = montecarlo.SupportCache(shared.process)
    return certify.estimate(shared.cache, mode, seconds, cases, objective)


def _dead_task(shared: _Simulation) -> dict[str, tuple[list[dict], list[str]]]:
    return dead_by_mode(shared.process, MODES)


def _model_summary(model: finite.Model) -> dict:
    return {
        "variables": len(model.variables),
        "components": len(model.components),
        "rows": sum(len(c.rows) for c in model.components),
        "atoms": [a.text for a in model.atoms],
        "amounts": model.opaque,
        "piecewise": model.piecewise,
        "errors": [{"outcome": o, "error": e, "rows": n} for o, e, n in model.errors],
        "exact": model.exact,
        "assumed_priors": sorted({_fact_key(v) for v in model.variables if v.prior != "declared"}),
    }


_METHODS = {"form_order": "questions in rule-file order, skipping every irrelevant one",
            "greedy": "the most informative question about the outcomes first",
            "minimal": "per component, the most informative question first (greedy information gain), or the "
                       "rule file's order with skipping where that asks fewer",
            "optimal": "exhaustive search per component for the fewest expected questions"}


def _combine(spaces: list[policies.Space], trees: list[policies.Tree]) -> _Run:
    """Totals under the answer priors: components add up."""
    total = _Run()
    for space, tree in zip(spaces, trees):
        run = _totals(space, tree)
        total.worst += run.worst
        total.best += run.best
        total.expected += run.expected
        total.seconds += run.seconds
    return total


_TIME = "; chosen to minimise the expected answering time (seconds per question by type), not the count"


def _mode(process: Process, model: finite.Model, mode: str, a: burden.Assumptions, volume: float | None,
          cases: list[dict] | None = None, objective: str = "questions") -> dict:
    kind = "exact" if model.exact else "estimate"
    reasons = []
    if model.atoms:
        reasons.append("comparisons over amounts taken as yes/no atoms")
    if model.piecewise:
        reasons.append("amounts with min, max or rounding compared between cases at probe values")
    why = "".join("; " + r for r in reasons)
    over = f"; average over the population file's {len(cases)} cases" if cases else \
        "; expectation under the answer priors"
    static, static_seconds = _static(process, model, mode, a, cases)
    out: dict[str, Any] = {"static": static}
    seconds_of = lambda v: a.seconds_for(model.variables[v].fact.type)  # noqa: E731
    spaces = [policies.Space.of(model, c, mode, seconds_of, objective) for c in model.components]
    located = [[locate(model, c, case) for c in model.components] for case in cases] if cases else None
    fact_seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    order = montecarlo.file_order(model.variables, mode)
    flow_seconds = 0.0
    for name, key in (("form_order", "form_order"), ("minimal", "flow"), ("optimal", "optimal")):
        try:
            trees = [policies.run(space, name) for space in spaces]
        except policies.SearchTooLarge:
            out[key] = None
            continue
        if located is not None:
            total, simulated = _combine_cases(spaces, trees, located, cases, process, mode, name, order, fact_seconds,
                                              objective)
        else:
            total, simulated = _combine(spaces, trees), 0
        note = f"; {simulated} case(s) outside the model's classes simulated with three-valued evaluation" \
            if simulated else ""
        stuck = sum(t.undetermined for t in trees)
        if stuck:
            note += f"; {stuck} case(s) left undecided by the model (a defect: please report it)"
        figure_kind = kind if not simulated else "estimate"
        method = _METHODS[name] + (_TIME if objective == "time" and name != "form_order" else "") + why + note
        block = {"worst": figure(total.worst, figure_kind, method),
                 "best": figure(total.best, figure_kind, method),
                 "expected": figure(total.expected, figure_kind, method + over)}
        if objective == "time":
            block["expected_seconds"] = figure(total.seconds, figure_kind, method + over)
        if name == "optimal":
            block = {k: v for k, v in block.items() if k != "best"}
            block["exact"] = model.exact and not simulated
        if name == "minimal":
            flow_seconds = total.seconds
        out[key] = block
    certs = []
    for space in spaces:
        sizes = bounds.certificate(space)
        if sizes is None:
            certs = None
            break
        p = space.component.p
        certs.append(sum(q * s for q, s in zip(p, sizes)) / (sum(p) or 1))
    out["bounds"] = {
        "certificate": figure(sum(certs), "bound" if model.exact else "estimate",
                              "expected size of the smallest answer set that settles each case, under the answer "
                              "priors" + why) if certs is not None else None,
        "entropy": figure(sum(bounds.entropy_bound(s) for s in spaces), "bound" if model.exact else "estimate",
                          "H(outcomes) / most bits one answer gives, under the answer priors" + why),
    }
    out["dead_questions"] = dead_questions(model, spaces, mode)
    out["dead_questions_undecided"] = []  # the model decides every question
    out["prefilled"] = sorted({_fact_key(v) for v in model.variables if v.register}) if mode == "logged_in" else []
    out["burden"] = {"static": burden.burden(static_seconds, volume, a),
                     "flow": burden.burden(flow_seconds, volume, a),
                     "kind": "estimate", "method": "Standard Cost Model: seconds per question by type x "
                     "expected questions x applications per year; tariff in DKK per hour"}
    return out


def _combine_cases(spaces, trees, located, cases, process, mode, policy, order, fact_seconds,
                   objective: str = "questions") -> tuple[_Run, int]:
    """Totals over a population's cases, each run down its rows' paths; a case no row matches
    is simulated with three-valued evaluation (greedy stands in for optimal and minimal there). Returns the
    totals and how many cases were simulated."""
    counts, seconds, simulated = [], [], 0
    for case, case_rows in zip(cases, located):
        if any(r is None for r in case_rows):
            run = montecarlo.simulate(process, case, mode, "form_order" if policy == "form_order" else "greedy", order,
                                      fact_seconds, objective=objective)
            counts.append(len(run.asked))
            seconds.append(run.seconds)
            simulated += 1
            continue
        counts.append(sum(len(tree.asked[r]) for tree, r in zip(trees, case_rows)))
        seconds.append(sum(sum(space.seconds[q] for q in tree.asked[r])
                           for space, tree, r in zip(spaces, trees, case_rows)))
    total = _Run(max(counts), min(counts), sum(counts) / len(counts), sum(seconds) / len(seconds))
    return total, simulated


def _fact_key(var: finite.Variable) -> str:
    """The fact a variable asks: 'alder', or 'voksne.indkomst' for every member copy."""
    return var.fact.key


def dead_questions(model: finite.Model, spaces: list[policies.Space], mode: str) -> list[dict]:
    """Questions no adaptive flow ever asks, each with the reason."""
    found = []
    for v in model.unused:
        var = model.variables[v]
        if var.fact.asked(mode):
            found.append({"question": var.id, "reason": "no outcome depends on it", "kind": "exact"})
    for space in spaces:
        for q in space.askable:
            if not _ever_relevant(space, q):
                var = model.variables[space.component.variables[q]]
                never = all(row[q] == finite.NA for row in space.rows)
                reason = ("it never applies under the declared priors" if never
                          else "no answer to it ever changes an outcome")
                found.append({"question": var.id, "reason": reason, "kind": "exact" if model.exact else "estimate"})
    return sorted(found, key=lambda d: d["question"])


def _ever_relevant(space: policies.Space, q: int) -> bool:
    """Whether q is relevant in some state: needed for an amount on some row, or relevant once
    everything else is known (except what q decides the applicability of)."""
    if any(q in needs for needs in space.component.needs):
        return True
    dependents = {p for p in range(space.width) if q in space.na_inputs[p]}
    known = (frozenset(space.askable) | space.prefilled) - {q} - dependents
    groups: dict[tuple, list[int]] = {}
    for r in range(len(space.rows)):
        groups.setdefault(space.signature(r, known), []).append(r)
    return any(space.is_relevant(rows, known, q) for rows in groups.values())


def readability_table(process: Process) -> list[dict]:
    rows = []
    for fact in process.all_facts():
        for kind, text in (("ask", fact.ask), ("help", fact.help)):
            if text is None:
                continue
            score = readability.lix(text.da)
            rows.append({"fact": fact.key, "text": kind,
                         "lix": score, "band": readability.band(score),
                         "long_words": readability.long_words(text.da)})
    return rows
