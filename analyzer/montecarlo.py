"""Estimates by simulation, for processes whose exact finite model is too large.

Cases are drawn from the declared answer priors (a class by its probability, then a value
uniformly inside the class), with a fixed seed so results repeat byte for byte. Each case is
run through a flow driven by three-valued evaluation (analyzer.kleene): a question is asked
only while some undecided outcome's evaluation touches it. Kleene evaluation is sound but not
complete, so these counts are estimates that can exceed the exact flow's, never undercut it.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from typing import Any

from .classes import AnswerClass, draw_in
from .finite import Cones, Variable
from .kleene import PartialEvaluation
from .model import Process
from .rows import class_of

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


_MISSING = object()


class SupportCache:
    """:meth:`PartialEvaluation.supports`, remembered per outcome across steps and cases.

    What an outcome's three-valued evaluation gives (decided, or undecided with a support)
    depends only on which inputs of its cone are known and on their values; for an input the
    outcome only compares with constants, on its answer class (:class:`analyzer.finite.Cones`).
    So cases drawn from the priors meet the same situations again and again, and a large process
    is simulated at the cost of the situations it meets rather than of every step of every case.
    tests/test_kleene_incremental.py checks that a cached run asks exactly what an uncached one does.
    """

    def __init__(self, process: Process):
        self.process = process
        cones = Cones(process)
        self.variables = cones.variables
        self._reads: dict[str, list[tuple]] = {}
        for name in process.outcomes:
            exact = cones.exact(name)
            self._reads[name] = [(v.group, v.index, v.fact.name, i in exact, v)
                                 for i, v in ((i, self.variables[i]) for i in sorted(cones.of_outcome(name)))]
        self._memo: dict[tuple, frozenset | None] = {}

    def _key(self, name: str, answers: dict) -> tuple:
        key: list[Any] = [name]
        for group, index, fact, exact, var in self._reads[name]:
            if group is None:
                value = answers.get(fact, _MISSING)
            else:
                members = answers.get(group) or []
                value = members[index - 1].get(fact, _MISSING) if index <= len(members) else _MISSING
            if value is _MISSING:
                key.append(_MISSING)
            elif value is None or exact:
                key.append(("value", _hashable(value)))
            else:
                k = class_of(var, value)
                key.append(("class", k) if k is not None else ("value", _hashable(value)))
        return tuple(key)

    def supports(self, answers: dict, names: list[str] | None = None) -> dict[str, set[tuple]]:
        """As ``PartialEvaluation(process, answers).supports(names)``."""
        found: dict[str, set[tuple]] = {}
        missed: list[tuple[str, tuple]] = []
        for name in self.process.outcomes if names is None else names:
            key = self._key(name, answers)
            if key in self._memo:
                support = self._memo[key]
                if support is not None:
                    found[name] = set(support)
            else:
                missed.append((name, key))
        if missed:
            fresh = PartialEvaluation(self.process, answers).supports([name for name, _ in missed])
            for name, key in missed:
                support = fresh.get(name)
                self._memo[key] = frozenset(support) if support is not None else None
                if support is not None:
                    found[name] = support
        return {name: found[name] for name in (self.process.outcomes if names is None else names) if name in found}


def _fact_key(c: tuple) -> str:
    """'name', or 'group.name' for a member input (group, index, name): the key of its fact."""
    return c[2] if c[0] is None else f"{c[0]}.{c[2]}"


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


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
             seconds: dict[str, float], cache: SupportCache | None = None, objective: str = "questions") -> Run:
    """Run one case through a Kleene-driven flow; returns the questions asked, in order.

    The candidates are the unanswered inputs that some undecided outcome's support holds;
    ``greedy`` takes the one the most undecided outcomes read (ties: rule-file order),
    ``form_order`` the first in rule-file order. With the ``time`` objective, greedy weighs each
    input by its readers per second of answering time (cost-weighted). Each step costs the
    re-evaluation of the outcomes that read the last answer (see
    :meth:`PartialEvaluation.supports`) plus a heap operation per input whose weight changed, so
    a step does not scan the whole process.
    A ``cache`` (one per process) remembers those re-evaluations across steps and cases.
    """

    def evaluate(names: list[str] | None = None) -> dict[str, set[tuple]]:
        if cache is not None:
            return cache.supports(answers, names)
        return PartialEvaluation(process, answers).supports(names)

    answers = prefilled_answers(process, case, mode)
    rank = {name: i for i, name in enumerate(process.outcomes)}
    asked: list[tuple] = []
    done: set[tuple] = set()
    spent = 0.0
    supports = evaluate()
    # per input, the undecided outcomes whose support holds it; its size is the greedy weight
    readers: dict[tuple, set[str]] = {}
    for o, s in supports.items():
        for c in s:
            readers.setdefault(c, set()).add(o)
    greedy = policy == "greedy"
    per_second = objective == "time"
    heap: list[tuple] = []

    def push(c: tuple) -> None:
        if c in order and c not in done and readers.get(c):
            weight = len(readers[c])
            if not greedy:
                heapq.heappush(heap, (order[c], weight, c))
                return
            score = weight / seconds[_fact_key(c)] if per_second else weight
            heapq.heappush(heap, (-score, order[c], weight, c))

    for c in readers:
        push(c)
    while heap:
        entry = heapq.heappop(heap)
        q = entry[-1]
        # an entry is stale once its input is asked or its weight has changed since it was pushed
        if q in done or not readers.get(q) or (greedy and entry[-2] != len(readers[q])):
            continue
        group, index, name = q
        if group is None:
            answers[name] = case.get(name)
        else:
            answers[group][index - 1][name] = case[group][index - 1].get(name)
        asked.append(q)
        done.add(q)
        spent += seconds[_fact_key(q)]
        # only the outcomes that read q can change (PartialEvaluation.supports)
        touched = sorted(readers.pop(q), key=rank.__getitem__)
        changed: set[tuple] = set()
        for o in touched:
            for c in supports.pop(o):
                if c != q:
                    readers[c].discard(o)
                    changed.add(c)
        fresh = evaluate(touched)
        supports.update(fresh)
        for o, s in fresh.items():
            for c in s:
                readers.setdefault(c, set()).add(o)
                changed.add(c)
        for c in changed:
            push(c)
    return Run(asked, spent)


def estimate(process: Process, variables: list[Variable], mode: str, policy: str,
             seconds: dict[str, float], n: int = SAMPLES, cases: list[dict] | None = None,
             cache: SupportCache | None = None, objective: str = "questions") -> dict:
    """Worst, best and expected questions over n sampled cases (or the given population's
    cases), with a 95 % confidence interval. Pass one ``cache`` to every call on a process."""
    cache = cache if cache is not None else SupportCache(process)
    order: dict[tuple, int] = {}
    for i, v in enumerate(variables):
        if v.fact.asked(mode):
            order[(v.group, v.index, v.fact.name)] = i
    drawn = cases if cases is not None else sample(process, variables, n)
    runs = [simulate(process, case, mode, policy, order, seconds, cache, objective) for case in drawn]
    counts = [len(r.asked) for r in runs]
    mean = sum(counts) / len(counts)
    var = sum((c - mean) ** 2 for c in counts) / max(1, len(counts) - 1)
    half = 1.96 * math.sqrt(var / len(counts))
    source = f"the population file's {len(counts)} cases" if cases is not None else \
        f"{len(counts)} cases drawn from the priors (seed {SEED})"
    rule = {"form_order": "questions in rule-file order, each asked only while it can still matter",
            "greedy": "the question that the most undecided outcomes still read first (the simulation's "
                      "stand-in for information gain)"}[policy]
    if policy == "greedy" and objective == "time":
        rule = ("the question that the most undecided outcomes still read per second of answering time first "
                "(the simulation's stand-in for cost-weighted information gain)")
    method = f"{rule}; Monte Carlo: {source}, three-valued evaluation; 95 % confidence interval ±{half:.2f}"
    return {"worst": {"value": max(counts), "kind": "estimate", "method": "most questions in the sample; " + method},
            "best": {"value": min(counts), "kind": "estimate", "method": "fewest questions in the sample; " + method},
            "expected": {"value": round(mean, 3), "kind": "estimate", "method": method,
                         "ci95": [round(mean - half, 3), round(mean + half, 3)]},
            "_seconds": sum(r.seconds for r in runs) / len(runs)}
