"""order: what asking in the minimal flow's order saves over the form's order.

**What it flags.** A process whose form, asking its questions in rule-file order and skipping
every irrelevant one (``form_order``), needs more questions on average than the minimal
adaptive flow (``flow``: the most informative question first), in either mode. The figures are
askless analyze's (exact on an exact finite model, Monte Carlo estimates otherwise; each figure
keeps its kind). Where both are simulated, a difference inside their two 95 % confidence
intervals is not a measured saving: it counts 0 hours, and a process with no measured saving of
at least ``MIN_SAVING`` questions is not listed.

**Why.** Principle 1 and 2: the same rules, asked in a better order, cost citizens less; no
rule changes, only the form (``askless flow`` exports the minimal flow).

**Scenario.** None: the order is a property of the form, not of the rules.

**Before / after.**

Before (FAIL): the form asks ``ejer`` first although ``valg == 'ekstra_saek'`` settles most
cases alone. After (PASS): the flow asks ``valg`` first and ``ejer`` only when it matters.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..metrics import MODES
from .base import Context, Effect, Suggestion
from .effect import _weaker

ID = "order"
#: smallest saving (expected questions) worth a suggestion
MIN_SAVING = 0.05


def check(ctx: Context) -> Iterator[Suggestion]:
    for p in ctx.processes:
        a = ctx.analysis(p)
        volume = p.volume.applications_per_year if p.volume else None
        questions, hours, dkk, kinds, evidence = {}, {}, {}, set(), []
        measured = False  # a saving of at least MIN_SAVING that is not simulation noise
        for mode in MODES:
            m = a["modes"][mode]
            form, flow = m.get("form_order"), m.get("flow")
            if not form or not flow:
                continue
            saved = form["expected"]["value"] - flow["expected"]["value"]
            kind = _weaker(form["expected"]["kind"], flow["expected"]["kind"])
            noise = None
            if "ci95" in form["expected"] and "ci95" in flow["expected"]:
                # two Monte Carlo estimates: a difference inside both intervals is not a measured saving
                noise = sum((f["expected"]["ci95"][1] - f["expected"]["ci95"][0]) / 2 for f in (form, flow))
            kinds.add(kind)
            questions[mode] = {
                "expected": {"before": form["expected"]["value"], "after": flow["expected"]["value"],
                             "saved": round(saved, 3), "kind": kind,
                             "method": "form order with skipping vs the minimal flow (askless analyze)"},
                "worst": {"before": form["worst"]["value"], "after": flow["worst"]["value"],
                          "saved": form["worst"]["value"] - flow["worst"]["value"], "kind": kind,
                          "method": "form order with skipping vs the minimal flow (askless analyze)"}}
            per_question = m["burden"]["flow"]["seconds_per_application"] / flow["expected"]["value"] \
                if flow["expected"]["value"] else 0.0
            measurable = noise is None or abs(saved) > noise
            measured |= measurable and saved >= MIN_SAVING
            h = (saved if measurable else 0.0) * per_question * volume / 3600 if volume else None
            if not measurable:
                evidence.append(f"{mode}: the difference ({saved:.3f}) lies within the two simulations' 95 % "
                                f"confidence intervals (±{noise:.3f} together): counted as 0 hours")
            hours[mode] = None if h is None else round(h, 1)
            dkk[mode] = None if h is None else round(h * ctx.assumptions.tariff_dkk_per_hour)
            evidence.append(f"{mode}: form order {form['expected']['value']:g} expected questions "
                            f"({form['expected']['kind']}), minimal flow {flow['expected']['value']:g} "
                            f"({flow['expected']['kind']}); worst {form['worst']['value']} vs {flow['worst']['value']}")
        if not questions or not measured:
            continue
        effect = Effect(questions, hours, dkk, "exact" if kinds == {"exact"} else "estimate",
                        "saved questions x the flow's mean seconds per question x applications per year")
        yield Suggestion(ID, p.name, p.name, "Ask in the minimal flow's order (askless flow) instead of the form's",
                         p.path, 1, 1, (1, 2), tuple(evidence), (p.law.id,) if p.law else (),
                         no_scenario="the order is a property of the form, not of the rules", effect=effect)
