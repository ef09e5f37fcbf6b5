"""Estimates by simulation, for processes whose exact finite model is too large.

Cases are drawn from the declared answer priors (a class by its probability, then a value
uniformly inside the class), with a fixed seed so results repeat byte for byte. Each case is
run through a flow driven by three-valued evaluation (analyzer.kleene): a question is asked
only while some undecided outcome's evaluation touches it. Kleene evaluation is sound but not
complete, so these counts are estimates that can exceed the exact flow's, never undercut it.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .classes import AnswerClass, draw_in
from .finite import Variable
from .kleene import PartialEvaluation
from .model import Process

#: cases drawn per process and mode
SAMPLES = 400
SEED = 20261128
MC_POLICIES = ("form_order", "greedy")


def draw(rng: random.Random, var: Variable, spread: bool = False) -> Any:
    """A value of ``var``: a class by its probability, then, for an opaque number (or any
    number or date when ``spread``), a value uniformly inside the class; else the class's value."""
    classes = [c for c in var.classes if c.p > 0]
    pick = rng.random() * sum(c.p for c in classes)
    chosen: AnswerClass = classes[-1]
    for c in classes:
        pick -= c.p
        if pick <= 0:
            chosen = c
            break
    if not (var.opaque or spread):
        return chosen.rep
    return draw_in(chosen, var.fact, rng)


def sample(process: Process, variables: list[Variable], n: int = SAMPLES, seed: int = SEED,
           spread: bool = False) -> list[dict]:
    """n cases drawn from the priors: {fact: value, group: [member dicts]} (see draw())."""
    rng = random.Random(seed)
    top = [v for v in variables if v.group is None]
    cases = []
    for _ in range(n):
        case: dict[str, Any] = {v.fact.name: draw(rng, v, spread) for v in top}
        for group in process.groups.values():
            count = int(case.get(group.count, 0) or 0)
            members = []
            for i in range(1, count + 1):
                members.append({v.fact.name: draw(rng, v, spread) for v in variables
                                if v.group == group.name and v.index == i})
            case[group.name] = members
        cases.append(case)
    return cases


@dataclass
class Run:
    asked: list[tuple]
    seconds: float


def prefilled_answers(process: Process, case: dict, mode: str) -> dict[str, Any]:
    """What is known of ``case`` before the first question: its register facts when logged in
    (nothing anonymous), and one member dict per group member of the case."""
    logged_in = mode == "logged_in"
    answers: dict[str, Any] = {f.name: case.get(f.name) for f in process.facts.values()
                               if logged_in and f.kind == "register"}
    for group in process.groups.values():
        answers[group.name] = [{f.name: m.get(f.name) for f in group.facts.values() if logged_in and f.kind == "register"}
                               for m in case.get(group.name, [])]
    return answers


def simulate(process: Process, case: dict, mode: str, policy: str, order: dict[tuple, int],
             seconds: dict[str, float]) -> Run:
    """Run one case through a Kleene-driven flow; returns the questions asked, in order."""
    answers = prefilled_answers(process, case, mode)
    asked: list[tuple] = []
    spent = 0.0
    supports = PartialEvaluation(process, answers).supports()
    # how many undecided outcomes read each input (the greedy weight), kept up to date below
    weight: Counter[tuple] = Counter(c for s in supports.values() for c in s)
    for _ in range(len(order) + 1):
        candidates = [c for c in weight if c in order and c not in asked]
        if not candidates:
            break
        if policy == "greedy":
            q = min(candidates, key=lambda c: (-weight[c], order[c]))
        else:
            q = min(candidates, key=lambda c: order[c])
        group, index, name = q
        if group is None:
            answers[name] = case.get(name)
        else:
            answers[group][index - 1][name] = case[group][index - 1].get(name)
        asked.append(q)
        spent += seconds[name if group is None else f"{group}.{name}"]
        # only the outcomes that read q can change (PartialEvaluation.supports)
        touched = [o for o, s in supports.items() if q in s]
        for o in touched:
            weight.subtract(supports.pop(o))
        supports.update(PartialEvaluation(process, answers).supports(touched))
        for o in touched:
            weight.update(supports.get(o, ()))
        weight = +weight  # drop inputs no undecided outcome reads any more
    return Run(asked, spent)


def estimate(process: Process, variables: list[Variable], mode: str, policy: str,
             seconds: dict[str, float], n: int = SAMPLES, cases: list[dict] | None = None) -> dict:
    """Worst, best and expected questions over n sampled cases (or the given population's
    cases), with a 95 % confidence interval."""
    order: dict[tuple, int] = {}
    for i, v in enumerate(variables):
        if v.fact.asked(mode):
            order[(v.group, v.index, v.fact.name)] = i
    drawn = cases if cases is not None else sample(process, variables, n)
    runs = [simulate(process, case, mode, policy, order, seconds) for case in drawn]
    counts = [len(r.asked) for r in runs]
    mean = sum(counts) / len(counts)
    var = sum((c - mean) ** 2 for c in counts) / max(1, len(counts) - 1)
    half = 1.96 * math.sqrt(var / len(counts))
    source = f"the population file's {len(counts)} cases" if cases is not None else \
        f"{len(counts)} cases drawn from the priors (seed {SEED})"
    rule = {"form_order": "questions in rule-file order, each asked only while it can still matter",
            "greedy": "the question that the most undecided outcomes still read first (the simulation's "
                      "stand-in for information gain)"}[policy]
    method = f"{rule}; Monte Carlo: {source}, three-valued evaluation; 95 % confidence interval ±{half:.2f}"
    return {"worst": {"value": max(counts), "kind": "estimate", "method": "most questions in the sample; " + method},
            "best": {"value": min(counts), "kind": "estimate", "method": "fewest questions in the sample; " + method},
            "expected": {"value": round(mean, 3), "kind": "estimate", "method": method,
                         "ci95": [round(mean - half, 3), round(mean + half, 3)]},
            "_seconds": sum(r.seconds for r in runs) / len(runs)}
