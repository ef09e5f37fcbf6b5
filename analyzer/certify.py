"""A lower bound on each simulated case's smallest certificate: disjoint sensitive blocks.

Where the exact finite model is too large, :mod:`analyzer.bounds` cannot enumerate certificates.
This module bounds them case by case, on the cases the simulation draws.

A *block* of a case x is a set B of questions such that some case x' that differs from x only
in questions of B (same prefilled facts, same group sizes) gets a different outcome. Every flow
that settles every case asks at least one question of each block when it runs on x: had it asked
none, x' would give the same answers, so the flow would take the same path to the same outcomes,
which are wrong for x or for x'. So on x every correct flow asks at least as many questions as x
has pairwise disjoint blocks, and the mean of that count over the drawn cases estimates a lower
bound that no flow beats on average (the *block sensitivity* bound of decision-tree complexity).
(The exact model's certificate, :func:`analyzer.bounds.certificate`, lets an answer also show
that its question does not apply, so on a case with ``applies_if`` it can be the smaller bound.)

Every block counted here is proven by the interpreter: x' is built and an outcome differs
(numbers beyond a relative 1e-9, so float noise, or NaN, is no difference; a case the
interpreter cannot compute is no witness). The search reuses the values that its changes do not
reach, by the outcomes' cones; so each block it finds is checked once more by a fresh
interpreter that reuses nothing, on the case without its None answers (a question a population
row leaves unanswered where it does not apply has no answer to keep where it applies). How the
blocks are found only decides how many are found:

- A flow that settles x (the simulation's greedy flow, run first) asks a question of every
  block, so only its questions can be blocks alone, and an outcome whose free inputs hold none
  of them has no block left.
- First the single questions whose change alone changes an outcome (the case's *sensitivity*).
- Then larger blocks, outcome by outcome (the smallest cones first), among the inputs no block
  holds yet: with those unknown, three-valued evaluation (:mod:`analyzer.kleene`) shows which
  of them the outcome still waits for; the others get their answers back. Values of other
  answer classes are tried for the rest (SPREAD points inside the classes of an input whose
  exact value is read), and the block is shrunk to the questions whose change is needed.
- Group sizes and, logged in, the prefilled register facts are never changed.

tests/test_certify.py checks the count against brute force on small rule sets: at most the
exact block sensitivity, which is at most what the optimal form asks on that case.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import zlib
from typing import Any

from .classes import AnswerClass, class_range
from .evaluate import EvalError, Evaluation
from .logic.base import freeze
from .model import Fact
from .montecarlo import SEED, Controls, Known, SupportCache, draws, file_order, fit, simulate
from .rows import class_of

_ERRORS = (EvalError, TypeError, ArithmeticError, ValueError, RecursionError)

#: most combinations of other values tried for one candidate block
COMBINATIONS = 8
#: the bound is computed on at most CASES of a simulation's cases, the first ones; once WORK
#: evaluations (interpreter and three-valued) are spent, on no more after MIN_CASES (a fixed
#: count, so the figure does not depend on the machine)
CASES = 50
MIN_CASES = 5
WORK = 20_000

_FAILED = object()
#: an answer the case does not give (put back by removing it, not as None)
_ABSENT = object()


class BlockBound:
    """Counts disjoint blocks of cases of one process in one mode (see the module docstring)."""

    def __init__(self, cache: SupportCache, mode: str):
        self.cache = cache
        self.process = cache.process
        variables = cache.variables
        self.variables = variables
        self.rank = {name: i for i, name in enumerate(self.process.outcomes)}
        readers: dict[int, set[str]] = {}
        exact: set[int] = set()
        cones = {}
        for name in self.process.outcomes:
            cones[name] = cone = cache.cones.of(name)
            exact |= cache.cones.exact(name)
            for v in cone:
                readers.setdefault(v, set()).add(name)
        #: inputs whose exact value some outcome reads: they also change inside their class
        self.exact = frozenset(exact)
        #: per askable input that an outcome reads, those outcomes (the smallest cones first:
        #: the cheapest to evaluate, and the most direct)
        self.cone_size = {name: len(c) for name, c in cones.items()}
        #: per input, the process-level names whose value can depend on it
        self.downstream: dict[int, set[str]] = {}
        process = self.process
        names = [*process.outcomes, *(f.name for f in process.facts.values())]
        for name in names:
            for v in cones.get(name) or cache.cones.of(name):
                self.downstream.setdefault(v, set()).add(name)
        for v, var in enumerate(variables):
            if var.group is None:
                self.downstream.setdefault(v, set()).add(var.fact.name)
        order = {name: (self.cone_size[name], self.rank[name]) for name in self.process.outcomes}
        self.readers: dict[int, tuple[str, ...]] = {}
        for v in sorted(readers):
            var = variables[v]
            if not var.fact.asked(mode) or var.counts is not None:
                continue  # prefilled in this mode, or a group's size: never changed
            self.readers[v] = tuple(sorted(readers[v], key=order.__getitem__))
        #: the outcomes, the smallest cones first
        self.by_cone = sorted(self.process.outcomes, key=order.__getitem__)
        #: per outcome, the askable inputs of its cone: those the most outcomes read first (a
        #: block search keeps them out of a block where it can, for the other outcomes' blocks)
        self.inputs = {name: sorted((v for v in cones[name] if v in self.readers),
                                    key=lambda v: (-len(self.readers[v]), v)) for name in self.by_cone}

        #: evaluations spent so far (see WORK)
        self.work = 0

    def count(self, case: dict, asked: list[tuple]) -> int:
        """Pairwise disjoint blocks of ``case`` found, given the questions a flow that settles
        every case asked on it (``asked``: (group, index, fact) triples)."""
        return _Case(self, case).count(asked)


def estimate(cache: SupportCache, mode: str, seconds: dict[str, float], cases: list[dict] | None = None,
             objective: str = "questions") -> dict:
    """The certificate bound's figure: the mean block count over the first cases (see CASES) of
    the population file or drawn from the priors (the simulation's first cases), each run through
    the simulation's greedy flow first, with its 95 % confidence interval (from the regression on
    control variates, as the simulation's, where they fit)."""
    process = cache.process
    variables = cache.variables
    order = file_order(variables, mode)
    bound = BlockBound(cache, mode)
    source = iter(cases) if cases is not None else draws(process, variables)
    counts: list[float] = []
    used: list[dict] = []
    for case in source:
        if len(counts) >= CASES or (len(counts) >= MIN_CASES and bound.work >= WORK):
            break
        run = simulate(process, case, mode, "greedy", order, seconds, cache, objective)
        counts.append(bound.count(case, run.asked))
        used.append(case)
    if not counts:
        return {"value": 0, "kind": "estimate", "method": "no case to bound", "ci95": [0, 0]}
    controls = Controls.of(variables, cache.readers) if cases is None else None
    if controls is not None:
        controls.add(used)
    mean, half, columns = fit(counts, controls)
    interval = f"95 % confidence interval ±{half:.2f}"
    if controls is not None and columns is not None:
        interval += " (from the regression's residuals; " + controls.describe(columns) + ")"
    where = f"of the population file's {len(cases)} cases" if cases is not None else \
        f"cases drawn from the priors (seed {SEED}, the simulation's first ones)"
    stop = f", as its work limit ({WORK:,} evaluations) was reached" if len(counts) < CASES and (
        cases is None or len(counts) < len(cases)) else ""
    method = ("block sensitivity: per case, pairwise disjoint sets of questions, each of which changed alone "
              "changes an outcome (proven by the interpreter on the changed case); every flow that settles the "
              "case asks a question of each, so their number is a lower bound on that case's fewest answers; "
              f"mean over the first {len(counts)} {where}{stop}; {interval}")
    return {"value": round(mean, 3), "kind": "estimate", "method": method,
            "ci95": [round(mean - half, 3), round(mean + half, 3)]}


class _Case:
    """One case under study: its answers are changed in place and always restored."""

    def __init__(self, bound: BlockBound, case: dict):
        self.b = bound
        self.case = case
        self.known: Known = bound.cache.known(case)
        #: the interpreter on the case's own answers, its values kept
        self.full = _Evaluation(bound.process, case, trace=_NoTrace())
        #: the inputs whose answers now differ from the case's, or are unknown
        self.changed: dict[int, None] = {}
        #: the interpreter on the current answers, while they stay as they are
        self._evaluation: Evaluation | None = None
        self._stale_key: frozenset[int] = frozenset()
        self._stale: frozenset[str] = frozenset()
        self.base: dict[str, Any] = {}
        self.original: dict[int, Any] = {}
        self._strict_case: dict | None = None
        self._strict_base: dict[str, Any] = {}
        self.rng = random.Random(zlib.crc32(repr(sorted(case.items(), key=repr)).encode()))

    # -- the case's answers -------------------------------------------------------------------
    def _holder(self, v: int) -> dict | None:
        var = self.b.variables[v]
        if var.group is None:
            return self.case
        members = self.case.get(var.group) or []
        return members[var.index - 1] if var.index <= len(members) else None

    def _key(self, v: int) -> tuple:
        var = self.b.variables[v]
        return (var.group, var.index, var.fact.name)

    def _value(self, v: int) -> Any:
        """v's answer in the case (_ABSENT when the case does not give one)."""
        if v not in self.original:
            holder = self._holder(v)
            self.original[v] = holder.get(self.b.variables[v].fact.name, _ABSENT) if holder is not None else _ABSENT
        return self.original[v]

    def _set(self, v: int, value: Any) -> None:
        original = self._value(v)  # remembered before the first change
        if value is _ABSENT:
            self._unset(v)
            self.changed.pop(v, None)
            return
        holder = self._holder(v)
        assert holder is not None
        holder[self.b.variables[v].fact.name] = value
        self.b.cache.note(self.known, self._key(v), value)
        self._evaluation = None
        if value is original:
            self.changed.pop(v, None)
        else:
            self.changed[v] = None

    def _unset(self, v: int) -> None:
        self._value(v)
        holder = self._holder(v)
        assert holder is not None
        holder.pop(self.b.variables[v].fact.name, None)
        self.b.cache.forget(self.known, self._key(v))
        self._evaluation = None
        self.changed[v] = None

    def _restore(self, vs) -> None:
        for v in vs:
            if v in self.changed:
                self._set(v, self._value(v))

    # -- evaluation ---------------------------------------------------------------------------
    def _outcome(self, name: str) -> Any:
        """The outcome on the current (complete) answers, by the interpreter; _FAILED when it
        cannot be computed. Values that no changed answer reaches are taken from the case's."""
        self.b.work += 1
        if not self.changed:
            evaluation = self.full
        elif self._evaluation is not None:
            evaluation = self._evaluation  # the answers have not changed since it was made
        else:
            key = frozenset(self.changed)
            if key != self._stale_key:  # the names the changed answers reach, kept while they stay
                self._stale_key = key
                self._stale = frozenset().union(*(self.b.downstream.get(v, ()) for v in key))
            evaluation = self._evaluation = _Evaluation(self.b.process, self.case,
                                                        cache=_Overlay(self.full.cache, self._stale),
                                                        trace=_NoTrace())
        try:
            value = evaluation.get(name)
        except _ERRORS:
            return _FAILED
        return freeze(value)

    def _changed(self, outcomes: tuple[str, ...]) -> str | None:
        """The first of ``outcomes`` that the current answers change from the case's (both
        values computed and different), or None."""
        for name in outcomes:
            before = self.base[name]
            if before is _FAILED:
                continue
            after = self._outcome(name)
            if after is not _FAILED and not _same(before, after):
                return name
        return None

    def _proven(self, witness: dict[int, Any], name: str) -> bool:
        """The check that counts a block, apart from the search's shortcuts: on a copy of the
        case without its unanswered (None) questions, a fresh interpreter that reuses no value
        gives ``name`` different values with and without the witness's answers. (The search
        reuses values the changed answers do not reach, by the outcomes' cones, and a None the
        case leaves in a question that does not apply would stay None where it applies.)"""
        strict = self._strict()
        if name not in self._strict_base:
            try:
                self._strict_base[name] = freeze(_Evaluation(self.b.process, strict, trace=_NoTrace()).get(name))
            except _ERRORS:
                self._strict_base[name] = _FAILED
        before = self._strict_base[name]
        if before is _FAILED:
            return False
        saved = []
        for v, value in witness.items():
            var = self.b.variables[v]
            holder = strict if var.group is None else strict[var.group][var.index - 1]
            saved.append((holder, var.fact.name, holder.get(var.fact.name, _ABSENT)))
            holder[var.fact.name] = value
        try:
            after = freeze(_Evaluation(self.b.process, strict, trace=_NoTrace()).get(name))
        except _ERRORS:
            return False
        finally:
            for holder, key, value in saved:
                if value is _ABSENT:
                    holder.pop(key, None)
                else:
                    holder[key] = value
        return not _same(before, after)

    def _strict(self) -> dict:
        """The case without its None answers (made once)."""
        if self._strict_case is None:
            strict = {}
            for key, value in self.case.items():
                if isinstance(value, list) and key in self.b.process.groups:
                    strict[key] = [{k: x for k, x in m.items() if x is not None} if isinstance(m, dict) else m
                                   for m in value]
                elif value is not None:
                    strict[key] = value
            self._strict_case = strict
        return self._strict_case

    def _support(self, name: str) -> set[int] | None:
        """The unknown inputs three-valued evaluation of ``name`` still reads on the current
        (partial) answers (variable indices); None when it decides ``name`` or fails (no block
        is sought through it)."""
        self.b.work += 1
        try:
            found = self.b.cache.supports(self.case, [name], self.known)
        except _ERRORS:
            return None
        if name not in found:
            return None
        index = self.b.cache.index
        return {index[q] for q in found[name] if q in index}

    def _others(self, v: int) -> list[Any]:
        """Values of v to change it to: one in each other answer class of positive prior; when
        an outcome reads its exact value, SPREAD points across each class instead (its own
        class too): an amount compared after arithmetic (``m002_q5 * 12 > grænse``) changes an
        outcome only in part of its class."""
        var = self.b.variables[v]
        original = self._value(v)
        mine = class_of(var, original) if original is not None and original is not _ABSENT else None
        exact = (var.opaque or v in self.b.exact) and var.fact.type in ("int", "number", "money", "date")
        found: list[Any] = []
        for k, c in enumerate(var.classes):
            if c.p <= 0:
                continue
            if exact and not c.point:
                found.extend(x for x in _spread(c, var.fact) if x != original and x not in found)
            elif k != mine:
                found.append(c.rep)
        return found

    # -- blocks -------------------------------------------------------------------------------
    def count(self, asked: list[tuple]) -> int:
        b = self.b
        index = b.cache.index
        flow = {index[q] for q in asked if q in index and index[q] in b.readers}
        self.base = {name: self._outcome(name) for name in b.process.outcomes}
        #: the blocks found, each as the changed answers that prove it (variable index: value)
        self.witnesses: list[dict[int, Any]] = []
        # single questions whose change alone changes an outcome: every flow asks each of them,
        # so only the flow's questions need trying
        for v in sorted(flow):
            if self._holder(v) is not None:
                found = self._single(v, b.readers[v])
                if found is not None and self._proven(*found):
                    self.witnesses.append(found[0])
        used = {v for w in self.witnesses for v in w}
        # then larger blocks, outcome by outcome, of the inputs no block holds yet
        for name in b.by_cone:
            while True:
                free = [v for v in b.inputs[name] if v not in used and self._holder(v) is not None]
                if not flow.intersection(free):
                    break  # every block holds a question the flow asked
                witness = self._block(free, name)
                if witness is None or not self._proven(witness, name):
                    break
                used.update(witness)
                self.witnesses.append(witness)
        return len(self.witnesses)

    def _single(self, v: int, outcomes: tuple[str, ...]) -> tuple[dict[int, Any], str] | None:
        """A change of v alone and the outcome it changes, or None."""
        try:
            for value in self._others(v):
                self._set(v, value)
                changed = self._changed(outcomes)
                self._restore([v])
                if changed is not None:
                    return {v: value}, changed
            return None
        finally:
            self._restore([v])

    def _block(self, free: list[int], name: str) -> dict[int, Any] | None:
        """A block inside ``free`` that changes outcome ``name``, shrunk so that no question of
        it can keep its answer (as the changed answers that prove it); None when none is found.

        With ``free`` unknown, each input three-valued evaluation reads is given back its answer
        unless that decides the outcome; what stays unknown (what keeps it undecided) is then
        changed, and the change shrunk."""
        for v in free:
            self._unset(v)
        try:
            support = self._support(name)
            if support is None:
                return None  # whatever ``free`` holds, the outcome stays as it is
            waiting: list[int] = []
            # an input the evaluation does not read changes nothing there, so it is looked at
            # only once it is read (an answer can make it read: a question whose applies_if
            # now holds), in the order of ``free``
            left = list(free)
            while True:
                v = next((w for w in left if w in support), None)
                if v is None:
                    break
                left.remove(v)
                self._set(v, self._value(v))
                after = self._support(name)
                if after is None:
                    self._unset(v)
                    waiting.append(v)
                else:
                    support = after
            self._restore(free)
            # inputs never read may be needed once others change (a question whose applies_if
            # is still unknown): if the change needs them, they may change too
            found = self._change(waiting, (name,))
            return found if found is not None or not left else self._change(waiting, (name,), left)
        finally:
            self._restore(free)

    def _change(self, waiting: list[int], outcomes: tuple[str, ...],
                extra: list[int] | None = None) -> dict[int, Any] | None:
        """Values for ``waiting`` (and, where it helps, for ``extra``; the rest of the case as it
        is) that change an outcome, then shrunk: each question whose own answer still gives a
        change is put back. Every combination of their values is tried when there are at most
        COMBINATIONS; else a walk led by three-valued evaluation, then COMBINATIONS drawn ones."""
        if not waiting:
            return None
        extra = extra or []
        choices = [self._others(v) for v in waiting] + [[self._value(v), *self._others(v)] for v in extra]
        if any(not c for c in choices):
            return None
        waiting = [*waiting, *extra]
        try:
            if math.prod(len(c) for c in choices) <= COMBINATIONS:
                combos: Any = itertools.product(*choices)
            else:
                walked = self._walk(waiting, choices, outcomes)
                if walked is not None:
                    return self._shrink(walked, outcomes)
                combos = (tuple(self.rng.choice(c) for c in choices) for _ in range(COMBINATIONS))
            for combo in combos:
                for v, value in zip(waiting, combo):
                    self._set(v, value)
                if self._changed(outcomes):
                    return self._shrink(dict(zip(waiting, combo)), outcomes)
            return None
        finally:
            self._restore(waiting)

    def _walk(self, waiting: list[int], choices: list[list[Any]], outcomes: tuple[str, ...]) -> dict[int, Any] | None:
        """Values for ``waiting`` given one at a time, each the first of its choices that keeps
        three-valued evaluation of the outcomes undecided, or, once it decides them, changes one
        (the rest keeping their answers; proven by the interpreter). None when a question has no
        such value. Leaves the answers changed; the caller restores them."""
        for v in waiting:
            self._unset(v)
        witness: dict[int, Any] = {}
        for i, (v, values) in enumerate(zip(waiting, choices)):
            for value in values:
                self._set(v, value)
                if any(self._support(name) is not None for name in outcomes):
                    witness[v] = value  # still undecided: the next question decides
                    break
                rest = waiting[i + 1:]
                self._restore(rest)
                if self._changed(outcomes):
                    witness[v] = value
                    return witness
                for w in rest:
                    self._unset(w)
            else:
                return None
        return None

    def _shrink(self, witness: dict[int, Any], outcomes: tuple[str, ...]) -> dict[int, Any]:
        """A change that changes an outcome, with each question put back to its answer where the
        outcome still changes without it. The answers are left as the witness says."""
        for v, value in witness.items():
            self._set(v, value)
        for v in [v for v in self.changed if v not in witness]:
            self._set(v, self._value(v))
        for v in list(witness) if len(witness) > 1 else ():
            self._set(v, self._value(v))
            if self._changed(outcomes):
                del witness[v]
            else:
                self._set(v, witness[v])
        return witness


#: where in an exact input's class (the fractions of its range) its other values are tried
SPREAD = (0.0, 0.3, 0.6, 0.9)


def _spread(cls: AnswerClass, fact: Fact) -> list[Any]:
    """Values at the SPREAD points of a class's range, as the answers of ``fact`` are written."""
    low, high = class_range(cls, fact)
    if fact.type == "date":
        days = max(0, high.toordinal() - low.toordinal())
        return list(dict.fromkeys(dt.date.fromordinal(low.toordinal() + int(f * days)) for f in SPREAD))
    values = (low + f * (high - low) for f in SPREAD)
    return list(dict.fromkeys(math.floor(x) if fact.type == "int" else round(x, 2) for x in values))


class _Evaluation(Evaluation):
    """The interpreter, each group's member evaluations made once per evaluation (the plain
    interpreter makes them anew at every group function; boligstoette's outcomes sum over the
    adults several times) and no trace kept."""

    def members(self, group: str) -> list[Evaluation]:
        if self.parent is not None:
            return self.parent.members(group)
        made = self.__dict__.setdefault("_members", {})
        if group not in made:
            made[group] = super().members(group)
        return made[group]


class _NoTrace(list):
    """A trace that keeps nothing."""

    def append(self, _step: Any) -> None:
        pass


class _Overlay(dict):
    """An interpreter's cache over another's: the other's values, except the ``stale`` names."""

    __slots__ = ("base", "stale")

    def __init__(self, base: dict, stale: frozenset[str]):
        super().__init__()
        self.base = base
        self.stale = stale

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or (name in self.base and name not in self.stale)

    def __getitem__(self, name: str) -> Any:
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return self.base[name]


def _same(a: Any, b: Any) -> bool:
    """Outcome values as equal, numbers within a relative 1e-9 (float noise is no change)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        if math.isnan(a) or math.isnan(b):
            return True  # an overflow on either side proves nothing
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return all(_same(x, y) for x, y in zip(a, b))
    return a == b
