"""The SMT engine (z3): exact over arithmetic across facts, where answer classes do not suffice.

Every input variable becomes a z3 constant with its declared domain: a bool a ``Bool``, an int
an ``Int``, a number or an amount a ``Real`` (between ``min`` and ``max``, outside classes of
zero prior), a choice or a text an ``Int`` code, a date an ``Int`` day number. Derived facts and
outcomes are encoded with the semantics of :mod:`analyzer.evaluate`: every value is a pair
(defined, value), so ``null`` propagates, ``and`` / ``or`` / ``not`` are Kleene's, a fact that
does not apply takes its default, an outcome whose ``applies_if`` does not hold is null, and
``cases`` take the first branch that holds. ``min`` / ``max`` / ``abs`` / ``round`` (half away
from zero) / ``floor`` / ``ceil`` become ``If`` and ``ToInt``; ``count`` / ``sum`` / ``any`` /
``all`` over a group sum over its member copies up to the count.

Relevance of q is the satisfiability of "two copies of the cones of the outcomes that read q,
equal except q, both consistent with the answers, with some outcome different"; a few random
cases tried by the interpreter first often find such a pair without z3 (``samples``). One
incremental solver per outcome (and per question, over the outcomes that read it) holds the
domains of its slice only; each query is pushed and popped. A query that hits
the work limit (RLIMIT, z3's deterministic resource count) or the time limit (``timeout_ms``, a
safety net) gives an ``unknown`` verdict, which callers read as relevant.

Not encoded (:class:`Unsupported`): ordering of texts, the date functions other than ``date``
and ``+`` / ``-`` of days. Known gaps, documented rather than hidden: a division by a fact that
can be zero is an error to the interpreter but a free value to z3; ``round`` leaves out the
interpreter's 1e-9 tolerance at exact halves.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
import zlib
from collections.abc import Callable
from typing import Any

import z3

from ..classes import draw_in
from ..evaluate import EvalError, Evaluation
from ..kleene import UNKNOWN, PartialEvaluation
from .base import Implied, Reasoner, Unsupported, Verdict, condition, freeze
from .smtencode import FALSE, TRUE, Encoder, Term, differ, rational, subst

#: work limit of one query, in z3's resource units ("rlimit"): deterministic, so a verdict is
#: the same on every machine for the same rules (about 9 s on this project's 2-core machine; the
#: hardest query seen on the bundled rules, the relevance of begge_under_30 of boligstoette with
#: no answers, takes z3 30 to 51 million, depending on the queries it answered before; the
#: guided witness search now answers that one without z3)
RLIMIT = 80_000_000
#: default time limit of one query, in milliseconds: only a safety net behind RLIMIT on a slow
#: machine (a query stopped by it gives ``unknown``, which can differ between machines)
TIMEOUT_MS = 30_000
#: random cases the interpreter tries for a relevance witness before z3 is asked
SAMPLES = 12
#: outcomes the search led by three-valued evaluation follows for one question, and walks
#: through each (SMT._guided)
GUIDED_OUTCOMES = 8
GUIDED_WALKS = 3
_ERRORS = (EvalError, TypeError, ArithmeticError, ValueError)


def _encoded(method: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """A query whose encoding z3 rejects (a sort the encoding did not foresee, such as a number
    used as a truth value) raises Unsupported instead."""

    @functools.wraps(method)
    def query(self: SMT, *args: Any) -> Verdict:
        try:
            return method(self, *args)
        except z3.Z3Exception as exc:
            raise Unsupported(f"z3 cannot encode the rules: {exc}") from None

    return query


class SMT(Reasoner):
    """z3 over each outcome's cone (see the module docstring)."""

    name = "smt"

    def __init__(self, process, mode: str = "anonymous", timeout_ms: int = TIMEOUT_MS, samples: int = SAMPLES,
                 rlimit: int = RLIMIT):
        super().__init__(process, mode)
        self.timeout_ms = timeout_ms
        self.rlimit = rlimit
        self.samples = samples
        self.enc = Encoder(self.process, self.domain)
        self._solvers: dict[str, z3.Solver] = {}
        self._domains: dict[int, Any] = {}
        self._cones = self.domain.outcome_cones()
        self._readers: dict[int, list[str]] = {}
        for o, cone in sorted(self._cones.items()):
            for v in cone:
                self._readers.setdefault(v, []).append(o)
        #: per variable shown relevant to no answers, its witness pair by variable index (filled
        #: by :meth:`_propagate` from other questions' witnesses)
        self._live: dict[int, tuple[dict[int, Any], dict[int, Any]]] = {}
        self._counts = {g.count for g in self.process.groups.values()}
        # Outcomes are encoded when a query first needs one (Encoder.name remembers it): on
        # 3,000 synthetic questions encoding all 498 took 1.5 s, and the dead-question check asks
        # z3 about a fraction of them. What cannot be encoded raises Unsupported at that query
        # (see _encoded), which a Chain passes to its next engine.

    def _solver(self, key: str, cone: frozenset[int]) -> z3.Solver:
        """One incremental solver per outcome, holding the domains of its cone."""
        if key not in self._solvers:
            s = z3.Solver()
            s.set("timeout", self.timeout_ms)
            s.set("rlimit", self.rlimit)
            for v in sorted(cone):
                s.add(self._domain(v))
            self._solvers[key] = s
        return self._solvers[key]

    def _domain(self, v: int) -> Any:
        """The constraint that variable v's constant holds a value of its domain (built once)."""
        if v not in self._domains:
            self._domains[v] = self.enc.domain_of(v, self.enc.const(v))
        return self._domains[v]

    def _answers(self, answers: dict[str, Any], cone: frozenset[int]) -> list[Any]:
        fixed = self.domain.check_answers(answers)
        return [self.enc.const(v) == self.enc.z3_value(v, value) for v, value in fixed.items() if v in cone]

    def _copy(self, vs: frozenset[int] | list[int], tag: str) -> list[tuple[Any, Any]]:
        pairs = []
        for v in sorted(vs):
            x = self.enc.const(v)
            pairs.append((x, z3.Const(f"{self.domain.variables[v].id}'{tag}", x.sort())))
        return pairs

    def _check(self, s: z3.Solver, facts: list[Any]) -> tuple[str, Any]:
        s.push()
        try:
            s.add(*facts)
            return _outcome(s)
        finally:
            s.pop()

    def _check_once(self, cone: frozenset[int], facts: list[Any]) -> tuple[str, Any]:
        s = z3.Solver()
        s.set("timeout", self.timeout_ms)
        s.set("rlimit", self.rlimit)
        s.add(*[self._domain(v) for v in sorted(cone)], *facts)
        return _outcome(s)

    def _witness(self, model: Any, vs: frozenset[int], pairs: list[tuple[Any, Any]] = ()) -> dict[str, Any]:
        renamed = dict((a.get_id(), b) for a, b in pairs)
        out = {}
        for v in sorted(vs):
            x = self.enc.const(v)
            out[self.domain.variables[v].id] = self._decode(v, model.eval(renamed.get(x.get_id(), x),
                                                                         model_completion=True))
        return out

    def _decode(self, v: int, value: Any) -> Any:
        fact = self.domain.variables[v].fact
        if fact.type == "bool":
            return z3.is_true(value)
        if fact.type in ("choice", "text"):
            names = {c: t for t, c in self.enc.codes.items()}
            return names.get(value.as_long(), f"(other {value.as_long()})")
        if fact.type == "date":
            return dt.date.fromordinal(value.as_long())
        if fact.type == "int":
            return value.as_long()
        return rational(value)

    # -- queries ------------------------------------------------------------------------------

    @_encoded
    def relevant(self, q: str, answers: dict[str, Any]) -> Verdict:
        v = self.domain.var(q)
        if v in self.domain.check_answers(answers):
            return self._verdict(False)
        if not answers and v in self._live:
            first, second = self._live[v]
            return self._verdict(True, (self.domain.named(first), self.domain.named(second)))
        outcomes = self._readers.get(v, [])
        found = self._search(v, answers, outcomes)
        if found is not None:
            if not answers:
                self._propagate(found, outcomes)
            return self._verdict(True, (self.domain.named(found[0]), self.domain.named(found[1])))
        if not outcomes:
            return self._verdict(False)
        # one check over every outcome that reads q (measured faster than one check per
        # outcome on boligstoette: z3 looks for the easiest difference itself)
        cone = frozenset().union(*(self._cones[o] for o in outcomes))
        pairs = self._copy([v], "q")
        other = pairs[0][1]
        apart = z3.Or([differ(self.enc.name(o), subst(self.enc.name(o), pairs)) for o in outcomes])
        facts = self._answers(answers, cone) + [self.enc.domain_of(v, other), other != pairs[0][0], apart]
        key = f"relevance of {q}"
        if answers or key in self._solvers:
            status, model = self._check(self._solver(key, cone), facts)
        else:
            # without answers (a dead-question check) the query is asked once: a one-shot solver
            # skips the incremental mode's cost (measured: push was a third of the dead-question
            # check on 3,000 questions)
            status, model = self._check_once(cone, facts)
        if status == "sat":
            first = self._witness(model, cone)
            if not answers:
                case = self._assignment(model, cone)
                self._propagate((case, {**case, v: self._decode(v, model.eval(other, True))}), outcomes)
            return self._verdict(True, (first, {**first, q: self._decode(v, model.eval(other, True))}))
        return Verdict(None, self.name, "unknown") if status == "unknown" else self._verdict(False)

    def _assignment(self, model: Any, vs: frozenset[int]) -> dict[int, Any]:
        """A model's values of ``vs``, by variable index."""
        return {v: self._decode(v, model.eval(self.enc.const(v), model_completion=True)) for v in sorted(vs)}

    def _draw(self, v: int, rng: random.Random) -> Any:
        """A value of v by the priors: typical cases (a tenant, a year-round home) reach the
        rules that most questions feed, where uniform draws mostly end in a null outcome."""
        var = self.domain.variables[v]
        classes = [c for c in var.classes if c.p > 0]
        return draw_in(rng.choices(classes, weights=[c.p for c in classes])[0], var.fact, rng)

    def _values(self, v: int, rng: random.Random) -> list[Any]:
        """Values of v to try for a witness: one in each class of positive prior, two in a range
        (an amount with a single class still gets a pair)."""
        var = self.domain.variables[v]
        return [draw_in(c, var.fact, rng) for c in var.classes if c.p > 0 for _ in range(1 if c.point else 2)]

    def _results(self, case: dict[str, Any], outcomes: list[str]) -> tuple | None:
        """The interpreter's values of ``outcomes`` on ``case`` (the interpreter's: by name,
        groups as member lists); None when it cannot compute one (z3 does not model the
        interpreter's errors)."""
        try:
            ev = Evaluation(self.process, case)
            return tuple(repr(freeze(ev.get(o))) for o in outcomes)
        except _ERRORS:
            return None

    def _propagate(self, pair: tuple[dict[int, Any], dict[int, Any]], outcomes: list[str]) -> None:
        """Other variables that the witness pair of a relevant question shows relevant too (to no
        answers): on either case of the pair, a variable of the outcomes' cones whose change
        (a value in each of its classes) changes one of them. The interpreter decides, as in
        :meth:`_search`; :meth:`relevant` then answers those variables without z3. Measured on
        3,000 synthetic questions: a witness of a question deep in a rule is a case that reaches
        that rule, where most of its other questions matter too."""
        vs = sorted(set().union(*(self._cones[o] for o in outcomes)))
        rng = random.Random(zlib.crc32(repr(vs[:8]).encode()))
        for case in pair:
            if any(w not in case for w in vs):
                continue
            base: dict[tuple, tuple | None] = {}
            interpreted = self.domain.case(case)
            for w in vs:
                if w in self._live:
                    continue
                reading = [o for o in outcomes if w in self._cones[o]]
                if not reading:
                    continue
                key = tuple(reading)
                if key not in base:
                    base[key] = self._results(interpreted, reading)
                if base[key] is None:
                    continue
                var = self.domain.variables[w]
                for value in self._values(w, rng):
                    if value == case[w]:
                        continue
                    other = {**case, w: value}
                    # a process-level input changes one entry of the interpreter's case (a
                    # group's count also changes its member list: that case is rebuilt)
                    changed = self._results({**interpreted, var.fact.name: value}
                                            if var.group is None and var.fact.name not in self._counts
                                            else self.domain.case(other), reading)
                    if changed is not None and changed != base[key]:
                        self._live[w] = (case, other)
                        break

    def _search(self, v: int, answers: dict[str, Any], outcomes: list[str]) -> tuple[dict, dict] | None:
        """Two cases (by variable index) that show q relevant, found by the interpreter on a few
        random cases (a cheap proof: z3 is then not asked). The other variables are drawn by
        their priors, inside their answer classes, seeded by the query; q takes a value in each of
        its classes (two in a range). Cases on which an outcome cannot be computed are skipped
        (z3 does not model the interpreter's errors)."""
        if not self.samples or not outcomes:
            return None
        vs = sorted(set().union(*(self._cones[o] for o in outcomes)))
        fixed = self.domain.check_answers(answers)
        rng = random.Random(zlib.crc32(repr((v, sorted(answers.items(), key=repr))).encode()))
        q_values = self._values(v, rng)
        for _ in range(self.samples):
            values = {}
            for w in vs:
                if w in fixed:
                    values[w] = fixed[w]
                    continue
                values[w] = self._draw(w, rng)
            seen: dict[tuple, dict] = {}
            for q_value in q_values:
                case = {**values, v: q_value}
                result = self._results(self.domain.case(case), outcomes)
                if result is None:
                    continue
                seen.setdefault(result, case)
                if len(seen) > 1:
                    first, second = seen.values()
                    return first, second
        return self._guided(v, fixed, outcomes, vs, rng)

    def _guided(self, v: int, fixed: dict[int, Any], outcomes: list[str], vs: list[int],
                rng: random.Random) -> tuple[dict, dict] | None:
        """Two cases that show q relevant, found by following three-valued evaluation
        (analyzer.kleene) where random cases seldom go: for each outcome that reads q, the other
        inputs its undecided evaluation still reads get a value one at a time, until q is all it
        waits for. Each value is the first of :meth:`_values` that keeps q in the outcome's
        support, or else the first that keeps the outcome undecided and q's ``applies_if``
        possible (q is shown only once it applies, so until then its condition's inputs stand
        in for it). The rest of the case is drawn by the priors, and the interpreter then
        compares q's values (the proof; three-valued evaluation only guides). Deep in an ``or``
        chain, q matters only where every other branch is false, which few random cases are.
        None when no walk ends in such a pair (z3 is then asked)."""
        # the outcomes with the smallest cones first, at most GUIDED_OUTCOMES of them: a shared
        # fact read by hundreds of outcomes costs no more than a question of one rule
        chosen = sorted(outcomes, key=lambda o: (len(self._cones[o]), o))[:GUIDED_OUTCOMES]
        # the first walk takes each input's values in class order; later ones in a random order
        # (an amount that only matters above some income needs a high one)
        for walk, outcome in itertools.product(range(GUIDED_WALKS), chosen):
            assign = dict(fixed)
            for _ in range(len(self._cones[outcome]) + 1):
                support = self._support(outcome, assign)
                if support is None:
                    break
                others = sorted(w for w in support if w != v)
                if not others:
                    if v in support:
                        found = self._compare(v, assign, outcomes, vs, rng)
                        if found is not None:
                            return found
                    break
                w = others[0]
                values = self._values(w, rng)
                if walk:
                    rng.shuffle(values)
                best = None
                for value in values:
                    trial = {**assign, w: value}
                    after = self._support(outcome, trial)
                    if after is None:
                        continue
                    if v in after:
                        best = trial
                        break
                    if best is None and self._may_apply(v, trial):
                        best = trial
                if best is None:
                    break
                assign = best
        return None

    def _compare(self, v: int, assign: dict[int, Any], outcomes: list[str], vs: list[int],
                 rng: random.Random) -> tuple[dict, dict] | None:
        """The partial assignment completed by the priors, with q's values compared by the
        interpreter: a witness pair, or None."""
        case = dict(assign)
        for w in vs:
            if w not in case and w != v:
                case[w] = self._draw(w, rng)
        seen: dict[tuple, dict] = {}
        for q_value in self._values(v, rng):
            full = {**case, v: q_value}
            result = self._results(self.domain.case(full), outcomes)
            if result is not None:
                seen.setdefault(result, full)
        if len(seen) > 1:
            first, second = list(seen.values())[:2]
            return first, second
        return None

    def _may_apply(self, v: int, assign: dict[int, Any]) -> bool:
        """Whether q's ``applies_if`` (of a process-level question) can still hold under a
        partial assignment; a member question is taken as possible."""
        var = self.domain.variables[v]
        if var.fact.applies_if is None or var.group is not None:
            return True
        try:
            held = PartialEvaluation(self.process, self.domain.case(assign)).formula(var.fact.applies_if)
        except _ERRORS:
            return False
        return held is UNKNOWN or held is True

    def _support(self, outcome: str, assign: dict[int, Any]) -> set[int] | None:
        """The variables the three-valued evaluation of ``outcome`` still reads under a partial
        assignment (by variable index); None when it is decided or cannot be computed."""
        try:
            found = PartialEvaluation(self.process, self.domain.case(assign)).supports([outcome])
        except _ERRORS:
            return None
        if outcome not in found:
            return None
        index = self.domain.index
        return {index[f"{g}[{i}].{n}" if g is not None else n] for g, i, n in found[outcome]
                if (f"{g}[{i}].{n}" if g is not None else n) in index}

    def _differ_somewhere(self, name: str, cone: frozenset[int], answers: dict[str, Any]) -> tuple[str, Any, list]:
        """Whether two cases consistent with the answers give ``name`` different values."""
        s = self._solver(name, cone)
        pairs = self._copy(cone, "b")
        term = self.enc.name(name)
        fixed = self._answers(answers, cone)
        facts = fixed + [z3.substitute(f, *pairs) for f in fixed] if pairs else list(fixed)
        facts += [self.enc.domain_of(v, b) for v, (_, b) in zip(sorted(cone), pairs)]
        facts.append(differ(term, subst(term, pairs)))
        status, model = self._check(s, facts)
        return status, model, pairs

    @_encoded
    def determined(self, answers: dict[str, Any]) -> Verdict:
        unknown = False
        for outcome, cone in sorted(self._cones.items()):
            status, model, pairs = self._differ_somewhere(outcome, cone, answers)
            if status == "sat":
                return self._verdict(False, (self._witness(model, cone), self._witness(model, cone, pairs)))
            unknown |= status == "unknown"
        return Verdict(None, self.name, "unknown") if unknown else self._verdict(True)

    @_encoded
    def implied(self, name: str, answers: dict[str, Any]) -> Verdict:
        fixed = self.domain.check_answers(answers)
        if name in self.domain.index:
            v = self.domain.index[name]
            if v in fixed:
                return self._verdict(Implied(fixed[v]))
            values = self.domain.values(v)
            single = len(values) == 1 and all(c.point for c in self.domain.variables[v].classes)
            return self._verdict(Implied(values[0]) if single else None)
        cone = self.domain.cone(name)
        status, _, _ = self._differ_somewhere(name, cone, answers)
        if status != "unsat":
            return Verdict(None, self.name, "unknown") if status == "unknown" else self._verdict(None)
        s = self._solver(name, cone)
        status, model = self._check(s, self._answers(answers, cone))
        if status != "sat":
            return Verdict(None, self.name, "unknown") if status == "unknown" else self._verdict(None)
        return self._verdict(Implied(self._value(self.enc.name(name), model, name)))

    def _value(self, t: Term, model: Any, name: str) -> Any:
        if t.kind == "null" or not z3.is_true(model.eval(t.defined, True)):
            return None
        if t.kind == "set":
            items = self.process.outcomes[name].items  # an items outcome: the names included, sorted
            return tuple(sorted(i.name for i, held in zip(items, t.value) if z3.is_true(model.eval(held, True))))
        value = model.eval(t.value, True)
        if t.kind == "bool":
            return z3.is_true(value)
        if t.kind == "str":
            return {c: s for s, c in self.enc.codes.items()}.get(value.as_long())
        if t.kind == "date":
            return dt.date.fromordinal(value.as_long())
        return rational(value)

    def _find(self, text: str, want: bool) -> Verdict:
        formula = condition(self.process, text)
        cone = self.domain.condition_cone(formula)
        try:
            held = self.enc.truth(self.enc.formula(formula))
        except z3.Z3Exception as exc:
            raise Unsupported(f"z3 cannot encode {text!r}: {exc}") from None
        status, model = self._check(self._solver(f"condition {text}", cone), [held if want else z3.Not(held)])
        if status == "unknown":
            return Verdict(None, self.name, "unknown")
        return self._verdict(status == "unsat", () if model is None else (self._witness(model, cone),))

    @_encoded
    def always(self, text: str) -> Verdict:
        return self._find(text, False)

    @_encoded
    def never(self, text: str) -> Verdict:
        return self._find(text, True)

    @_encoded
    def overlaps(self, outcome: str) -> Verdict:
        o = self.process.outcomes[outcome]
        cone = self._cones[outcome]
        s = self._solver(outcome, cone)
        applies = self.enc.truth(self.enc.formula(o.applies_if)) if o.applies_if is not None else TRUE
        branches = [(i, case) for i, case in enumerate(o.cases, 1) if case.when is not None]
        found, witnesses, unknown = [], [], False
        for (i, a), (j, b) in itertools.combinations(branches, 2):
            ra = self.enc.formula(a.value) if a.value is not None else self.enc.literal(a.then)
            rb = self.enc.formula(b.value) if b.value is not None else self.enc.literal(b.then)
            if ra.kind != rb.kind and "null" not in (ra.kind, rb.kind):
                apart = TRUE
            elif ra.kind == "null" and rb.kind == "null":
                apart = FALSE
            else:
                kind = ra.kind if ra.kind != "null" else rb.kind
                apart = differ(Term(ra.defined, self.enc.like(ra, kind), kind),
                           Term(rb.defined, self.enc.like(rb, kind), kind))
            status, model = self._check(s, [applies, self.enc.truth(self.enc.formula(a.when)),
                                            self.enc.truth(self.enc.formula(b.when)), apart])
            if status == "sat":
                found.append((i, j))
                witnesses.append(self._witness(model, cone))
            unknown |= status == "unknown"
        if unknown:
            return Verdict(None, self.name, "unknown")
        return self._verdict(found, tuple(witnesses))

    @_encoded
    def missing(self, outcome: str) -> Verdict:
        o = self.process.outcomes[outcome]
        if o.kind != "cases" or any(case.when is None for case in o.cases):
            return self._verdict(False)
        cone = self._cones[outcome]
        facts = [self.enc.truth(self.enc.formula(o.applies_if))] if o.applies_if is not None else []
        for case in o.cases:
            t = self.enc.formula(case.when)
            facts.append(z3.And(t.defined, z3.Not(t.value)) if t.kind == "bool" else FALSE)
        status, model = self._check(self._solver(outcome, cone), facts)
        if status == "unknown":
            return Verdict(None, self.name, "unknown")
        return self._verdict(status == "sat", () if model is None else (self._witness(model, cone),))


def _outcome(s: z3.Solver) -> tuple[str, Any]:
    """Check ``s``: ("sat", its model), ("unsat", None) or ("unknown", None)."""
    result = s.check()
    if result == z3.sat:
        return "sat", s.model()
    return ("unsat", None) if result == z3.unsat else ("unknown", None)
