"""Estimates by simulation, for processes whose exact finite model is too large.

Cases are drawn from the declared answer priors (a class by its probability, then a value
uniformly inside the class), with a fixed seed so results repeat byte for byte. Each case is
run through a flow driven by three-valued evaluation (analyzer.kleene): a question is asked
only while some undecided outcome's evaluation touches it. Kleene evaluation is sound but not
complete, so these counts are estimates that can exceed the exact flow's, never undercut it.
"""

from __future__ import annotations

import heapq
import itertools
import math
import operator
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .classes import AnswerClass, draw_in
from .finite import Cones, Variable
from .kleene import DerivedMemo, PartialEvaluation
from .model import Process
from .rows import class_of

#: Cases are drawn in batches of BATCH until the 95 % confidence interval of every expectation
#: estimated in a mode is within PRECISION of its mean (a relative half-width), with at least
#: SAMPLES_MIN and at most SAMPLES cases; ``--samples N`` fixes the number instead.
SAMPLES = 400
SAMPLES_MIN = 50
BATCH = 25
PRECISION = 0.01
SEED = 20261128
MC_POLICIES = ("form_order", "greedy")
#: Control variates. A case's count depends most on the inputs that many outcomes read (an income
#: that decides how far dozens of rules get). How often each of their answer classes comes up is
#: known exactly from the priors, so each expectation is estimated by regressing the cases'
#: counts on those classes (one 0/1 column per class but the last) and taking the regression's
#: value at the classes' prior shares: the part of the spread the classes explain leaves the
#: interval (Cochran, Sampling Techniques, 3rd ed., ch. 7; Glasserman, Monte Carlo Methods in
#: Financial Engineering, sect. 4.1). The inputs: process-level, with 2 to CONTROL_CLASSES
#: classes each of prior share at least CONTROL_MIN_P, read by at least two outcomes, the most
#: read first, up to CONTROL_COLUMNS columns; columns that the cases leave constant or that repeat
#: others are left out, and at least CONTROL_MIN_DF degrees of freedom stay for the residuals.
CONTROL_CLASSES = 8
CONTROL_MIN_P = 0.05
CONTROL_COLUMNS = 10
CONTROL_MIN_DF = 20


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


def draws(process: Process, variables: list[Variable], seed: int = SEED, spread: bool = False) -> Iterator[dict]:
    """Cases drawn from the priors, one after another from one random stream: the first n are
    ``sample(..., n)``, whatever is drawn after them."""
    rng = random.Random(seed)
    top = [v for v in variables if v.group is None]
    members_of = {g: [v for v in variables if v.group == g] for g in process.groups}
    while True:
        case: dict[str, Any] = {v.fact.name: draw(rng, v, spread) for v in top}
        for group in process.groups.values():
            count = int(case.get(group.count, 0) or 0)
            members = []
            for i in range(1, count + 1):
                members.append({v.fact.name: draw(rng, v, spread) for v in members_of[group.name] if v.index == i})
            case[group.name] = members
        yield case


def sample(process: Process, variables: list[Variable], n: int = SAMPLES, seed: int = SEED,
           spread: bool = False) -> list[dict]:
    """n cases drawn from the priors: {fact: value, group: [member dicts]} (see draw())."""
    return list(itertools.islice(draws(process, variables, seed, spread), n))


_MISSING = object()


class Known:
    """What a case's answers so far say about each input, as :class:`SupportCache` keys on it:
    per input its answer class (``cls``) and its exact value (``value``); absent inputs hold
    _MISSING. Kept up to date by :meth:`SupportCache.note` as questions are answered."""

    __slots__ = ("cls", "value")

    def __init__(self, cls: dict[tuple, Any], value: dict[tuple, Any]):
        self.cls = cls
        self.value = value


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
        self._var: dict[tuple, Variable] = {(v.group, v.index, v.fact.name): v for v in self.variables}
        # per outcome and process-level derived fact, the inputs of its cone keyed by their class
        # and those keyed by their exact value (in variable order)
        self._reads: dict[str, tuple[Callable, Callable]] = {}
        derived = [f.name for f in process.facts.values() if f.derive is not None]
        #: per variable id, how many outcomes read it (for Controls.of)
        self.readers = dict.fromkeys((v.id for v in self.variables), 0)
        # per outcome, the same for its support alone (Cones.decisive: the inputs only its value
        # is computed from are keyed by their class)
        self._support_reads: dict[str, tuple[Callable, Callable]] = {}
        for name in [*process.outcomes, *derived]:
            exact = cones.exact(name)
            cone = sorted(cones.of(name))
            self._reads[name] = (_getter([_input(self.variables[i]) for i in cone if i not in exact]),
                                 _getter([_input(self.variables[i]) for i in cone if i in exact]))
            if name in process.outcomes:
                for i in cone:
                    self.readers[self.variables[i].id] += 1
                decisive = cones.decisive(name)
                self._support_reads[name] = self._reads[name] if decisive == exact else (
                    _getter([_input(self.variables[i]) for i in cone if i not in decisive]),
                    _getter([_input(self.variables[i]) for i in cone if i in decisive]))
        self._derived: dict[tuple, tuple] = {}  # the DerivedMemo table, shared by every evaluation
        self.cones = cones
        #: per input (group, index, fact), its variable index
        self.index = {(v.group, v.index, v.fact.name): i for i, v in enumerate(self.variables)}
        self._empty = dict.fromkeys(self._var, _MISSING)
        self._memo: dict[tuple, frozenset | None] = {}

    def known(self, answers: dict) -> Known:
        """The :class:`Known` of ``answers`` (process-level values and member dicts)."""
        known = Known(dict(self._empty), dict(self._empty))
        for key in self._var:
            group, index, fact = key
            if group is None:
                value = answers.get(fact, _MISSING)
            else:
                members = answers.get(group) or []
                value = members[index - 1].get(fact, _MISSING) if index <= len(members) else _MISSING
            if value is not _MISSING:
                self.note(known, key, value)
        return known

    def note(self, known: Known, key: tuple, value: Any) -> None:
        """Record in ``known`` that input ``key`` (group, index, fact) is answered ``value``."""
        var = self._var.get(key)
        if var is None:
            return  # an input no outcome reads
        exact = ("value", _hashable(value))
        known.value[key] = exact
        k = class_of(var, value) if value is not None else None
        known.cls[key] = ("class", k) if k is not None else exact

    def forget(self, known: Known, key: tuple) -> None:
        """Record in ``known`` that input ``key`` is not answered (any more)."""
        if key in self._var:
            known.cls[key] = known.value[key] = _MISSING

    def supports(self, answers: dict, names: list[str] | None = None,
                 known: Known | None = None) -> dict[str, set[tuple]]:
        """As ``PartialEvaluation(process, answers).supports(names)``; ``known`` (of the same
        answers, kept by the caller) saves recomputing it."""
        known = known if known is not None else self.known(answers)
        cls, value = known.cls, known.value
        found: dict[str, set[tuple]] = {}
        missed: list[tuple[str, tuple]] = []
        for name in self.process.outcomes if names is None else names:
            by_class, by_value = self._support_reads[name]
            key = (name, by_class(cls), by_value(value))
            if key in self._memo:
                support = self._memo[key]
                if support is not None:
                    found[name] = set(support)
            else:
                missed.append((name, key))
        if missed:
            reads = self._reads

            def memo_key(name: str) -> tuple | None:
                getters = reads.get(name)
                return (name, getters[0](cls), getters[1](value)) if getters is not None else None

            evaluation = PartialEvaluation(self.process, answers, memo=DerivedMemo(memo_key, self._derived))
            fresh = evaluation.supports([name for name, _ in missed])
            for name, key in missed:
                support = fresh.get(name)
                self._memo[key] = frozenset(support) if support is not None else None
                if support is not None:
                    found[name] = support
        return {name: found[name] for name in (self.process.outcomes if names is None else names) if name in found}


def _input(var: Variable) -> tuple:
    return (var.group, var.index, var.fact.name)


def _getter(keys: list[tuple]) -> Callable[[dict], tuple]:
    """A function from a dict to the tuple of its values at ``keys``."""
    if not keys:
        return lambda _: ()
    if len(keys) == 1:
        only = keys[0]
        return lambda d: (d[only],)
    return operator.itemgetter(*keys)


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


def file_order(variables: list[Variable], mode: str) -> dict[tuple, int]:
    """Per input the citizen answers in ``mode`` ((group, index, fact)), its place in the rule
    file: the order :func:`simulate` takes (form order, and greedy's ties)."""
    return {(v.group, v.index, v.fact.name): i for i, v in enumerate(variables) if v.fact.asked(mode)}


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
            return cache.supports(answers, names, known)
        return PartialEvaluation(process, answers).supports(names)

    answers = prefilled_answers(process, case, mode)
    known = cache.known(answers) if cache is not None else None
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
    # per input, the weight of its newest heap entry (form order: that it has one), so an input
    # whose weight did not change is not pushed again
    pushed: dict[tuple, int] = {}

    def push(c: tuple) -> None:
        if c in order and c not in done and readers.get(c):
            weight = len(readers[c])
            if not greedy:
                if c not in pushed:
                    pushed[c] = weight
                    heapq.heappush(heap, (order[c], weight, c))
                return
            if pushed.get(c) == weight:
                return
            pushed[c] = weight
            score = weight / seconds[_fact_key(c)] if per_second else weight
            heapq.heappush(heap, (-score, order[c], weight, c))

    for c in readers:
        push(c)
    while heap:
        entry = heapq.heappop(heap)
        q = entry[-1]
        if pushed.get(q) == entry[-2] or not greedy:
            del pushed[q]  # its newest entry left the heap
        # an entry is stale once its input is asked or its weight has changed since it was pushed
        if q in done or not readers.get(q) or (greedy and entry[-2] != len(readers[q])):
            continue
        group, index, name = q
        if group is None:
            value = answers[name] = case.get(name)
        else:
            value = answers[group][index - 1][name] = case[group][index - 1].get(name)
        if known is not None:
            cache.note(known, q, value)
        asked.append(q)
        done.add(q)
        spent += seconds[_fact_key(q)]
        # only the outcomes that read q can change (PartialEvaluation.supports); of their
        # supports, only what left or joined changes a reader set (and so a weight)
        touched = sorted(readers.pop(q), key=rank.__getitem__)
        fresh = evaluate(touched)
        changed: set[tuple] = set()
        for o in touched:
            before = supports.pop(o)
            after = fresh.get(o)
            if after is not None:
                supports[o] = after
                for c in after - before:
                    readers.setdefault(c, set()).add(o)
                    changed.add(c)
                before = before - after
            for c in before:
                if c != q:
                    readers[c].discard(o)
                    changed.add(c)
        for c in changed:
            push(c)
    return Run(asked, spent)


def estimate_mode(process: Process, variables: list[Variable], mode: str, seconds: dict[str, float],
                  cases: list[dict] | None = None, cache: SupportCache | None = None,
                  objective: str = "questions", samples: int | None = None,
                  policies: tuple[str, ...] = MC_POLICIES) -> dict[str, dict]:
    """Per policy, the worst, best and expected questions with a 95 % confidence interval, every
    policy over the same cases: the given population's, ``samples`` cases drawn from the priors,
    or (by default) cases drawn in batches of BATCH until each policy's confidence interval is
    within PRECISION of its mean, at least SAMPLES_MIN and at most SAMPLES of them. Each figure
    dict also holds ``_seconds``, the mean answering time. Pass one ``cache`` to every call on a
    process."""
    cache = cache if cache is not None else SupportCache(process)
    order = file_order(variables, mode)
    runs: dict[str, list[Run]] = {p: [] for p in policies}
    controls: Controls | None = None
    if cases is not None:
        for p in policies:
            runs[p] = [simulate(process, case, mode, p, order, seconds, cache, objective) for case in cases]
        source = f"the population file's {len(cases)} cases"
    else:
        limit = samples if samples is not None else SAMPLES
        drawn = draws(process, variables)
        controls = Controls.of(variables, cache.readers)
        n, precise = 0, False
        while n < limit and not precise:
            batch = list(itertools.islice(drawn, min(BATCH, limit - n)))
            if controls is not None:
                controls.add(batch)
            for p in policies:
                runs[p].extend(simulate(process, case, mode, p, order, seconds, cache, objective) for case in batch)
            n += len(batch)
            precise = samples is None and n >= SAMPLES_MIN and all(
                _within(_estimate(_counts(runs[p]), controls)) for p in policies)
        source = f"{n} cases drawn from the priors (seed {SEED}"
        if samples is not None:
            source += ")"
        elif precise:
            source += (f"; drawn until every policy's 95 % confidence interval in this mode was within "
                       f"{PRECISION * 100:g} % of its mean)")
        else:
            source += f"; the limit, as the interval stayed wider than {PRECISION * 100:g} % of the mean)"
    return {p: _figures(runs[p], p, objective, source, controls) for p in policies}


@dataclass
class Controls:
    """The control variates of a simulation (see CONTROL_CLASSES): the inputs, and per case the
    0/1 columns of their answer classes (every class but the last), with the columns' expected
    values (the classes' prior shares)."""

    inputs: list[Variable]
    means: list[float]
    rows: list[list[float]]
    #: per column, the index in ``inputs`` of the input it is a class of
    owners: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, variables: list[Variable], readers: dict[str, int]) -> Controls | None:
        """The controls for ``variables`` (``readers``: per variable id, how many outcomes read
        it); None when no input qualifies."""
        ranked = sorted((v for v in variables if v.group is None and readers.get(v.id, 0) >= 2),
                        key=lambda v: -readers[v.id])
        inputs, means, owners = [], [], []
        for v in ranked:
            shares = _shares(v)
            if not 2 <= len(shares) <= CONTROL_CLASSES or min(shares.values()) < CONTROL_MIN_P:
                continue
            if len(means) + len(shares) - 1 > CONTROL_COLUMNS:
                break
            owners.extend([len(inputs)] * (len(shares) - 1))
            inputs.append(v)
            means.extend(list(shares.values())[:-1])
        return cls(inputs, means, [], owners) if inputs else None

    def add(self, cases: list[dict]) -> None:
        for case in cases:
            row: list[float] = []
            for v in self.inputs:
                k = class_of(v, case.get(v.fact.name))
                row.extend(1.0 if k == j else 0.0 for j in list(_shares(v))[:-1])
            self.rows.append(row)

    def describe(self, columns: list[int]) -> str:
        """The method's words for a fit on ``columns`` (the inputs whose classes it kept)."""
        names = [v.id for i, v in enumerate(self.inputs) if any(self.owners[j] == i for j in columns)]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return (f"the mean is a regression estimate on the answer classes of {listed} (control variates: "
                f"the inputs the most outcomes read; their class shares are the priors')")


def _shares(v: Variable) -> dict[int, float]:
    """Per class of positive prior (by index), its share of the prior."""
    total = sum(c.p for c in v.classes if c.p > 0)
    return {k: c.p / total for k, c in enumerate(v.classes) if c.p > 0}


def estimate(process: Process, variables: list[Variable], mode: str, policy: str,
             seconds: dict[str, float], n: int | None = None, cases: list[dict] | None = None,
             cache: SupportCache | None = None, objective: str = "questions") -> dict:
    """:func:`estimate_mode` for one policy (``n`` fixes the number of cases drawn)."""
    return estimate_mode(process, variables, mode, seconds, cases, cache, objective, n, (policy,))[policy]


def _counts(runs: list[Run]) -> list[int]:
    return [len(r.asked) for r in runs]


def _mean(counts: list[int]) -> float:
    return sum(counts) / len(counts)


#: Student's t, 97.5 % quantile, for 1 to 30 degrees of freedom (two-sided 95 %)
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042)


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom: the table up to 30,
    beyond it the Cornish-Fisher expansion around the normal's 1.95996 (within 0.001)."""
    if df < 1:
        return math.inf
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def _half_width(counts: list[float]) -> float:
    """Half the width of the 95 % confidence interval of the mean of ``counts`` (Student's t)."""
    if len(counts) < 2:
        return 0.0  # one case: no spread to measure (the method says how many cases there were)
    mean = _mean(counts)
    var = sum((c - mean) ** 2 for c in counts) / (len(counts) - 1)
    return t975(len(counts) - 1) * math.sqrt(var / len(counts))


def _within(estimate: tuple[float, float]) -> bool:
    """Whether a (mean, half-width) is precise enough to stop sampling (PRECISION)."""
    mean, half = estimate
    return half <= PRECISION * mean


def _estimate(values: list[float], controls: Controls | None) -> tuple[float, float]:
    """:func:`fit` without the columns."""
    mean, half, _ = fit(values, controls)
    return mean, half


def fit(values: list[float], controls: Controls | None) -> tuple[float, float, list[int] | None]:
    """The estimated expectation of ``values`` (one per case, the first cases of ``controls``),
    the half-width of its 95 % confidence interval and the control columns the fit kept (None
    for the plain mean): with ``controls``, the regression estimate (see CONTROL_CLASSES), else
    the mean. With d the columns' sample means less their expected values, S the columns' centred
    cross-products and b the regression coefficients (S b = the centred cross-products with the
    values), the estimate is mean - b.d and its variance s² (1/n + d.S⁻¹d), s² the residuals'
    variance over n - 1 - columns degrees of freedom."""
    fitted = _regression(values, controls.rows[:len(values)], controls.means) if controls is not None else None
    if fitted is None:
        return _mean(values), _half_width(values), None
    return fitted


def _regression(y: list[float], rows: list[list[float]],
                means: list[float]) -> tuple[float, float, list[int]] | None:
    """(estimate, half-width, the columns kept) of :func:`_estimate`; None when no column is."""
    n = len(y)
    columns = [j for j in range(len(means)) if len({row[j] for row in rows}) > 1]
    while columns:
        if n - 1 - len(columns) < CONTROL_MIN_DF:
            columns.pop()
            continue
        xbar = [sum(row[j] for row in rows) / n for j in columns]
        ybar = sum(y) / n
        centred = [[row[j] - m for j, m in zip(columns, xbar)] for row in rows]
        sxx = [[sum(r[a] * r[b] for r in centred) for b in range(len(columns))] for a in range(len(columns))]
        sxy = [sum(r[a] * (v - ybar) for r, v in zip(centred, y)) for a in range(len(columns))]
        b = _solve(sxx, sxy)
        if b is None:  # a column repeats others in this sample: leave the last one out
            columns.pop()
            continue
        d = [x - means[j] for x, j in zip(xbar, columns)]
        residuals = [v - ybar - sum(bj * rj for bj, rj in zip(b, r)) for r, v in zip(centred, y)]
        s2 = sum(e * e for e in residuals) / (n - 1 - len(columns))
        u = _solve(sxx, d)
        assert u is not None
        estimate = ybar - sum(bj * dj for bj, dj in zip(b, d))
        return estimate, t975(n - 1 - len(columns)) * math.sqrt(s2 * (1 / n + sum(x * y for x, y in zip(d, u)))), \
            columns
    return None


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """x with a x = b, by Gaussian elimination with partial pivoting; None when ``a`` is singular
    (a pivot below 1e-9 of the largest diagonal entry)."""
    size = len(b)
    m = [row[:] + [v] for row, v in zip(a, b)]
    scale = max((abs(a[i][i]) for i in range(size)), default=0.0) or 1.0
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) <= 1e-9 * scale:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(size):
            if r != col and m[r][col] != 0.0:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][size] / m[i][i] for i in range(size)]


def _figures(runs: list[Run], policy: str, objective: str, source: str, controls: Controls | None = None) -> dict:
    counts = _counts(runs)
    mean, half, columns = fit(counts, controls)
    interval = f"95 % confidence interval ±{half:.2f}"
    if controls is not None and columns is not None:
        source += "; " + controls.describe(columns)
        interval += " (from the regression's residuals)"
    rule = {"form_order": "questions in rule-file order, each asked only while it can still matter",
            "greedy": "the question that the most undecided outcomes still read first (the simulation's "
                      "stand-in for information gain)"}[policy]
    if policy == "greedy" and objective == "time":
        rule = ("the question that the most undecided outcomes still read per second of answering time first "
                "(the simulation's stand-in for cost-weighted information gain)")
    method = f"{rule}; Monte Carlo: {source}, three-valued evaluation; {interval}"
    return {"worst": {"value": max(counts), "kind": "estimate", "method": "most questions in the sample; " + method},
            "best": {"value": min(counts), "kind": "estimate", "method": "fewest questions in the sample; " + method},
            "expected": {"value": round(mean, 3), "kind": "estimate", "method": method,
                         "ci95": [round(mean - half, 3), round(mean + half, 3)]},
            "_seconds": _estimate([r.seconds for r in runs], controls)[0]}
