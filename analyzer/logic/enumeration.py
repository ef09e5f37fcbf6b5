"""The reference engine: enumerate every case of a slice over answer classes and decide each
with the exact interpreter (:class:`analyzer.evaluate.Evaluation`).

A slice is the cone of one outcome (or condition): the product of the class representatives of
its unanswered variables, the answered ones fixed at their given values. It is exact when no
variable of the slice is opaque (takes part in arithmetic across facts): class representatives
then decide every rule as any value of the class would. It raises :class:`TooLarge` beyond
``MAX_CASES`` interpreter runs a query, and :class:`Unsupported` on an opaque slice.

>>> from analyzer.load import load_process_document
>>> from analyzer.yamlread import read
>>> text = "process: t\\ntitle: T\\nfacts:\\n  a: {type: bool, ask: a?}\\n  b: {type: bool, ask: b?}\\n"
>>> text += "outcomes:\\n  o: {when: a or b}\\n"
>>> p, _ = load_process_document(read("t.yaml", text=text))
>>> e = Enumeration(p)
>>> e.relevant("b", {}).value, e.relevant("b", {"a": True}).value, e.determined({"a": True}).value
(True, False, True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

from ..evaluate import EvalError, Evaluation
from ..model import Formula
from .base import Implied, Reasoner, TooLarge, Unsupported, Verdict, condition, freeze

#: most interpreter runs one query may take
MAX_CASES = 50_000
_ERRORS = (EvalError, TypeError, ArithmeticError, ValueError)


class Enumeration(Reasoner):
    """Brute force over the answer classes of each slice (see the module docstring)."""

    name = "enumeration"

    def size(self, vs: frozenset[int], fixed: dict[int, Any]) -> int:
        """How many cases the slice over ``vs`` has once ``fixed`` are fixed."""
        return math.prod(len(self.domain.values(v)) for v in vs if v not in fixed)

    def _cases(self, vs: frozenset[int], fixed: dict[int, Any], runs: int = 1) -> Iterator[dict[int, Any]]:
        if not self.domain.exact(vs - set(fixed)):
            raise Unsupported("the slice reads numbers used in arithmetic across facts: class "
                              "representatives do not decide it")
        free = sorted(v for v in vs if v not in fixed)
        if self.size(vs, fixed) * runs > MAX_CASES:
            raise TooLarge(f"{self.size(vs, fixed) * runs} interpreter runs (limit {MAX_CASES})")
        own = {v: fixed[v] for v in vs if v in fixed}
        for combo in itertools.product(*(self.domain.values(v) for v in free)):
            yield {**own, **dict(zip(free, combo))}

    def _get(self, values: dict[int, Any], name: str) -> Any:
        try:
            return freeze(Evaluation(self.process, self.domain.case(values)).get(name))
        except _ERRORS as exc:
            return f"error: {exc}"

    def _formula(self, values: dict[int, Any], formula: Formula) -> Any:
        try:
            return Evaluation(self.process, self.domain.case(values)).formula(formula)
        except _ERRORS as exc:
            return f"error: {exc}"

    # -- queries ------------------------------------------------------------------------------

    def determined(self, answers: dict[str, Any]) -> Verdict:
        fixed = self.domain.check_answers(answers)
        for outcome, cone in sorted(self.domain.outcome_cones().items()):
            seen: dict[Any, dict[int, Any]] = {}
            for values in self._cases(cone, fixed):
                seen.setdefault(self._get(values, outcome), values)
                if len(seen) > 1:
                    return self._verdict(False, tuple(self.domain.named(v) for v in seen.values()))
        return self._verdict(True)

    def relevant(self, q: str, answers: dict[str, Any]) -> Verdict:
        fixed = self.domain.check_answers(answers)
        v = self.domain.var(q)
        if v in fixed:
            return self._verdict(False)
        choices = self.domain.values(v)
        if not self.domain.exact({v}):
            raise Unsupported(f"'{q}' is used in arithmetic across facts: its class representatives do not "
                              "decide the rules")
        for outcome, cone in sorted(self.domain.outcome_cones().items()):
            if v not in cone:
                continue
            for values in self._cases(cone - {v}, fixed, len(choices)):
                first, first_result = None, None
                for choice in choices:
                    case = {**values, v: choice}
                    result = self._get(case, outcome)
                    if first is None:
                        first, first_result = case, result
                    elif result != first_result or type(result) is not type(first_result):
                        return self._verdict(True, (self.domain.named(first), self.domain.named(case)))
        return self._verdict(False)

    def implied(self, name: str, answers: dict[str, Any]) -> Verdict:
        fixed = self.domain.check_answers(answers)
        if name in self.domain.index:
            v = self.domain.index[name]
            if v in fixed:
                return self._verdict(Implied(fixed[v]))
            values = self.domain.values(v)
            single = len(values) == 1 and all(c.point for c in self.domain.variables[v].classes)
            return self._verdict(Implied(values[0]) if single else None)
        seen: list[Any] = []
        for values in self._cases(self.domain.cone(name), fixed):
            result = self._get(values, name)
            if not seen:
                seen.append(result)
            elif result != seen[0] or type(result) is not type(seen[0]):
                return self._verdict(None)
        return self._verdict(Implied(seen[0]) if seen else None)

    def _find(self, formula: Formula, want: bool) -> dict[int, Any] | None:
        """A case where the condition is true (want) or not true (not want)."""
        for values in self._cases(self.domain.condition_cone(formula), {}):
            if (self._formula(values, formula) is True) == want:
                return values
        return None

    def always(self, text: str) -> Verdict:
        witness = self._find(condition(self.process, text), False)
        return self._verdict(witness is None, () if witness is None else (self.domain.named(witness),))

    def never(self, text: str) -> Verdict:
        witness = self._find(condition(self.process, text), True)
        return self._verdict(witness is None, () if witness is None else (self.domain.named(witness),))

    def overlaps(self, outcome: str) -> Verdict:
        o = self.process.outcomes[outcome]
        found: dict[tuple[int, int], dict[int, Any]] = {}
        for values in self._cases(self.domain.cone(outcome), {}):
            if o.applies_if is not None and self._formula(values, o.applies_if) is not True:
                continue
            held = []
            for i, case in enumerate(o.cases, 1):
                if case.when is not None and self._formula(values, case.when) is True:
                    result = self._formula(values, case.value) if case.value is not None else case.then
                    held.append((i, freeze(result)))
            for (i, a), (j, b) in itertools.combinations(held, 2):
                if (a != b or type(a) is not type(b)) and (i, j) not in found:
                    found[(i, j)] = values
        pairs = sorted(found)
        return self._verdict(pairs, tuple(self.domain.named(found[p]) for p in pairs))

    def missing(self, outcome: str) -> Verdict:
        o = self.process.outcomes[outcome]
        if o.kind != "cases" or any(case.when is None for case in o.cases):
            return self._verdict(False)
        for values in self._cases(self.domain.cone(outcome), {}):
            if o.applies_if is not None and self._formula(values, o.applies_if) is not True:
                continue
            if all(self._formula(values, case.when) is False for case in o.cases):
                return self._verdict(True, (self.domain.named(values),))
        return self._verdict(False)
