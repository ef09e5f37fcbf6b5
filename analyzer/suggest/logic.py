"""logic: unreachable or always-true conditions, cases shadowed or overlapping, missing cases.

**What it flags**, each with a witness case found by exact enumeration of answer classes
(analyzer.abstract; a condition whose inputs are too many or take part in arithmetic across
facts is skipped, never guessed):

- a ``cases`` branch whose condition can never hold, or never holds once the earlier branches
  did not (it is *shadowed*: first match wins);
- a ``cases`` outcome without ``else`` where some case matches no branch (the outcome is then
  not decided: a *missing case*);
- two branches with different results whose conditions can hold together: the rule is decided
  by the order of the branches alone (an *overlap*); the witness meets both;
- a yes/no outcome, an item or an ``applies_if`` whose condition is always true or never true.

**Why.** Principle 1 (simple and clear rules) and 7 (prevention of errors): a branch nobody can
reach, or a decision that depends on the order of the text, is a drafting error waiting to
happen.

**Scenario.** ``drop_case: {outcome, when}`` for an unreachable branch; none otherwise.

**Before / after.**

Before (FAIL: the second branch is shadowed by the first)::

    ordning: {cases: [{when: alder >= 60, then: a}, {when: alder >= 67, then: b}, {else: c}]}

After (PASS)::

    ordning: {cases: [{when: alder >= 67, then: b}, {when: alder >= 60, then: a}, {else: c}]}
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from ..abstract import cone, dependency_index, domains
from ..evaluate import EvalError, Evaluation
from ..expr import ExprError, parse
from ..model import Formula, Process
from .base import Context, Suggestion, law_label, where

ID = "logic"
#: most cases one condition may enumerate, and all conditions of a process together
BUDGET, PROCESS_BUDGET = 1 << 13, 100_000


class _Search:
    def __init__(self, process: Process):
        self.p = process
        self.index = dependency_index(process)
        self.spent = 0

    def witness(self, text: str, like: Formula) -> dict | bool | None:
        """A case making ``text`` true; False when none exists; None when not decidable here."""
        try:
            tree = parse(text)
        except ExprError:
            return None
        formula = Formula(text, tree, like.node)
        ids = cone(self.p, formula, None, self.index)
        if ids is None:
            return None
        space = domains(self.p, ids, (tree,))
        if space is None:
            return None
        names = sorted(space)
        size = math.prod(len(space[n]) for n in names)
        if size > BUDGET or self.spent + size > PROCESS_BUDGET:
            return None
        for combo in itertools.product(*(space[n] for n in names)):
            self.spent += 1
            case = dict(zip(names, combo))
            try:
                if Evaluation(self.p, case).formula(formula) is True:
                    return case
            except (EvalError, TypeError, ArithmeticError):
                return None
        return False


def _all(parts: list[str]) -> str:
    return " and ".join(f"({t})" for t in parts) if parts else "true"


def check(ctx: Context) -> Iterator[Suggestion]:
    for p in ctx.processes:
        s = _Search(p)
        for o in p.outcomes.values():
            guard = [o.applies_if.text] if o.applies_if is not None else []
            law = (law_label(p, o.law),) if o.law else ()
            if o.kind == "when" and o.when is not None:
                yield from _constant(p, s, o.name, "outcome", o.when, guard, o.loc, law)
            for item in o.items:
                yield from _constant(p, s, f"{o.name}.{item.name}", "item", item.when, guard, item.loc,
                                     (law_label(p, item.law),) if item.law else law)
            if o.kind == "cases":
                yield from _cases(p, s, o, guard, law)
        for fact in p.all_facts():
            if fact.applies_if is not None and fact.group is None:
                yield from _constant(p, s, fact.key, "applies_if", fact.applies_if, [], fact.loc,
                                     (law_label(p, fact.law),) if fact.law else (), never=False)


def _constant(p, s, owner, what, formula, guard, loc, law, never=True) -> Iterator[Suggestion]:
    file, line, col = where(p, loc)
    if never:
        found = s.witness(_all(guard + [formula.text]), formula)
        if found is False:
            yield Suggestion(ID, p.name, owner, f"The {what} condition of '{owner}' never holds: drop it or fix it",
                             file, line, col, (1, 7),
                             (f"{what}: {formula.text}", "never true on any case (exact enumeration of answer classes)"
                              + (f" where {guard[0]}" if guard else "")), law,
                             no_scenario="a drafting error: the intended condition is the author's to give")
            return
    found = s.witness(_all(guard + [f"not ({formula.text})"]), formula)
    if found is False:
        yield Suggestion(ID, p.name, owner, f"The {what} condition of '{owner}' always holds: it asks for nothing",
                         file, line, col, (1, 7),
                         (f"{what}: {formula.text}", "true on every case (exact enumeration of answer classes)"
                          + (f" where {guard[0]}" if guard else "")), law,
                         no_scenario="a drafting error: the intended condition is the author's to give")


def _cases(p, s, o, guard, law) -> Iterator[Suggestion]:
    earlier: list[str] = []
    overlaps: list[tuple] = []
    results: list[tuple[str, object, object]] = []
    for index, case in enumerate(o.cases, 1):
        if case.when is None:
            break
        file, line, col = where(p, case.loc)
        claw = (law_label(p, case.law),) if case.law else law
        alone = s.witness(_all(guard + [case.when.text]), case.when)
        reach = alone if alone in (False, None) else \
            s.witness(_all(guard + [case.when.text] + [f"not ({t})" for t in earlier]), case.when)
        if alone is False or reach is False:
            why = "never holds" if alone is False else "never holds once the earlier branches did not (shadowed)"
            yield Suggestion(ID, p.name, o.name, f"Branch {index} of '{o.name}' is unreachable: it {why}",
                             file, line, col, (1, 7),
                             (f"branch {index}: when {case.when.text}", f"it {why} (exact enumeration of answer classes)"),
                             claw, witnesses=(alone,) if isinstance(alone, dict) else (),
                             changes=({"drop_case": {"outcome": o.name, "when": case.when.text}},))
        elif isinstance(reach, dict):
            result = case.value.text if case.value is not None else case.then
            for j, (text, other, _) in enumerate(results, 1):
                if other == result:
                    continue
                both = s.witness(_all(guard + [text, case.when.text]), case.when)
                if isinstance(both, dict):
                    overlaps.append((j, index, text, other, case.when.text, result, both))
                    break
        earlier.append(case.when.text)
        results.append((case.when.text, case.value.text if case.value is not None else case.then, index))
    if overlaps:
        # one finding per outcome: a guard branch first overlaps every later branch
        j, index, text, other, later, result, both = overlaps[0]
        file, line, col = where(p, o.cases[index - 1].loc)
        pairs = ", ".join(f"{a} and {b}" for a, b, *_ in overlaps)
        yield Suggestion(
            ID, p.name, o.name, f"Branches of '{o.name}' overlap ({pairs}): their order alone decides",
            file, line, col, (1, 7),
            (f"branch {j}: when {text} -> {other}", f"branch {index}: when {later} -> {result}",
             f"overlapping pairs with different results: {pairs} (exact enumeration; a witness meets the first "
             "pair); first match wins, so the order of the text decides; state the exclusions "
             f"('... and not ({text})') where that is the intent"),
            law, witnesses=(both,), no_scenario="a clarification that keeps every decision")
    if o.cases and o.cases[-1].when is not None:
        missing = s.witness(_all(guard + [f"not ({t})" for t in earlier]), o.cases[-1].when)
        if isinstance(missing, dict):
            file, line, col = where(p, o.loc)
            yield Suggestion(ID, p.name, o.name, f"'{o.name}' has a missing case: no branch matches, nothing is decided",
                             file, line, col, (1, 7),
                             (f"no else branch; the witness meets none of the {len(earlier)} branches "
                              "(exact enumeration)",), law, witnesses=(missing,),
                             no_scenario="the missing rule is the author's to give")
