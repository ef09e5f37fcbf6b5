"""Brute-force oracles for the question metrics, independent of the finite model and the policies.

:class:`Oracle` enumerates every full case of a :class:`tests.strategies.FiniteRuleSet` (every
combination of declared answers), decides each with the exact interpreter
(:class:`analyzer.evaluate.Evaluation`) and answers, by exhaustive search over what has been
asked and answered:

- the least expected number of questions any adaptive form needs (:meth:`Oracle.optimum`);
- the expected size of the smallest answer set that settles each case (:meth:`Oracle.certificate`);
- which cases a given set of answers leaves possible, and whether they all decide alike;
- which questions are exactly relevant to a partial set of answers (:meth:`Oracle.relevant`).

The rules it follows (the engine's, stated independently): like a form's skip logic, a question
can be asked only when it applies (its ``applies_if`` is true) on every case still possible, and
then costs one question and reveals its answer; a question that does not apply is never asked
(an observer knows it does not apply once the cases left all say so); a question that no longer
splits the possible cases is never worth asking; in ``logged_in`` mode register facts are known
from the start and cost nothing. A certificate may name any question: for a case where it does
not apply, its answer is "does not apply".
"""

from __future__ import annotations

import itertools
from typing import Any

from analyzer.evaluate import Evaluation
from analyzer.model import Process


class _DoesNotApply:
    def __repr__(self) -> str:
        return "DOES_NOT_APPLY"


#: what asking a question shows when its applies_if is not true
DOES_NOT_APPLY = _DoesNotApply()


def _freeze(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


class Oracle:
    """Every full case of ``rules`` (a FiniteRuleSet loaded as ``process``) in ``mode``."""

    def __init__(self, process: Process, rules: Any, mode: str, cost: dict[str, float] | None = None):
        self.process = process
        self.facts = [f.name for f in rules.facts]
        #: what asking each fact costs (1 each: the optimum counts questions; seconds: answering time)
        self.cost = [1.0 if cost is None else cost[name] for name in self.facts]
        self.prefilled = [i for i, f in enumerate(rules.facts) if mode == "logged_in" and f.kind == "register"]
        self.askable = [i for i in range(len(self.facts)) if i not in self.prefilled]
        self.cases: list[dict[str, Any]] = []
        self.p: list[float] = []
        for combo in itertools.product(*(zip(f.values, f.p) for f in rules.facts)):
            self.cases.append({f.name: v for f, (v, _) in zip(rules.facts, combo)})
            prob = 1.0
            for _, q in combo:
                prob *= q
            self.p.append(prob)
        self.outcomes: list[tuple] = []
        #: per fact, per case: what asking it shows
        self.shows: list[list[Any]] = [[] for _ in self.facts]
        for case in self.cases:
            ev = Evaluation(process, dict(case))
            self.outcomes.append(tuple(_freeze(ev.get(o)) for o in process.outcomes))
            for i, name in enumerate(self.facts):
                fact = process.facts[name]
                applies = fact.applies_if is None or Evaluation(process, dict(case)).formula(fact.applies_if) is True
                self.shows[i].append(case[name] if applies else DOES_NOT_APPLY)
        self._memo: dict[tuple[int, ...], float] = {}

    # -- what answers leave open ---------------------------------------------------------------

    def seen(self, c: int, asked: list[int] | set[int]) -> tuple:
        """What an observer knows of case c after asking ``asked`` (and the prefilled facts)."""
        return tuple(self.shows[i][c] for i in sorted(set(asked) | set(self.prefilled)))

    def consistent(self, c: int, asked: list[int] | set[int]) -> list[int]:
        """The cases an observer of case c cannot tell from it after asking ``asked``."""
        mine = self.seen(c, asked)
        return [d for d in range(len(self.cases)) if self.seen(d, asked) == mine]

    def decided(self, cases: list[int] | tuple[int, ...]) -> bool:
        return len({self.outcomes[c] for c in cases}) == 1

    def mass(self, cases: list[int] | tuple[int, ...]) -> float:
        return sum(self.p[c] for c in cases)

    def roots(self) -> list[tuple[int, ...]]:
        """The cases split by the prefilled facts."""
        groups: dict[tuple, list[int]] = {}
        for c in range(len(self.cases)):
            groups.setdefault(self.seen(c, []), []).append(c)
        return [tuple(g) for g in groups.values()]

    def _split(self, cases: tuple[int, ...], i: int) -> list[tuple[int, ...]]:
        groups: dict[Any, list[int]] = {}
        shows = self.shows[i]
        for c in cases:
            groups.setdefault(shows[c], []).append(c)
        return [tuple(g) for g in groups.values()]

    # -- the figures ----------------------------------------------------------------------------

    def optimum(self) -> float:
        """The least expected number of questions (or cost, see ``cost``) over all adaptive forms."""
        return sum(self.mass(root) * self._best(root) for root in self.roots())

    def _best(self, cases: tuple[int, ...]) -> float:
        """Least expected questions to decide ``cases`` (the set alone fixes the state: a question
        already asked no longer splits it)."""
        if cases in self._memo:
            return self._memo[cases]
        if self.decided(cases):
            return 0.0
        total = self.mass(cases)
        best = float("inf")
        for i in self.askable:
            if any(self.shows[i][c] is DOES_NOT_APPLY for c in cases):
                continue  # not shown until it applies on every case left
            children = self._split(cases, i)
            if len(children) < 2:
                continue
            cost = self.cost[i] + sum(self.mass(child) / total * self._best(child) for child in children)
            best = min(best, cost)
        assert best < float("inf"), "undecided cases that no question that can be shown tells apart"
        self._memo[cases] = best
        return best

    def certificates(self) -> list[int]:
        """Per case, the fewest questions whose answers (with the prefilled facts) settle it."""
        size = [-1] * len(self.cases)
        for k in range(len(self.askable) + 1):
            for chosen in itertools.combinations(self.askable, k):
                groups: dict[tuple, set[tuple]] = {}
                for c in range(len(self.cases)):
                    groups.setdefault(self.seen(c, chosen), set()).add(self.outcomes[c])
                for c in range(len(self.cases)):
                    if size[c] < 0 and len(groups[self.seen(c, chosen)]) == 1:
                        size[c] = k
            if min(size) >= 0:
                return size
        raise AssertionError("a case that even every answer does not settle")  # pragma: no cover

    def certificate(self) -> float:
        """The expected size of the smallest settling answer set."""
        return sum(p * s for p, s in zip(self.p, self.certificates()))

    # -- relevance ------------------------------------------------------------------------------

    def relevant(self, answers: dict[str, Any]) -> set[str]:
        """Facts not answered that are exactly relevant: two cases that agree with ``answers``
        and differ only in that fact decide differently."""
        open_cases = [c for c, case in enumerate(self.cases)
                      if all(case[name] == v for name, v in answers.items())]
        found = set()
        for name in self.facts:
            if name in answers:
                continue
            by_rest: dict[tuple, set[tuple]] = {}
            for c in open_cases:
                rest = tuple(v for n, v in self.cases[c].items() if n != name)
                by_rest.setdefault(rest, set()).add(self.outcomes[c])
            if any(len(keys) > 1 for keys in by_rest.values()):
                found.add(name)
        return found
