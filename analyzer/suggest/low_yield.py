"""low_yield: a condition or exception that costs questions and changes few decisions.

**What it flags.** A branch of a ``cases`` outcome (an exception) or one condition of an
``and`` / ``or`` chain in an outcome or a derived fact, such that removing it

1. frees at least one input fact: no outcome reads it any more (it is dropped too), and
2. changes the decision of at most :data:`MAX_SHARE` of the population (the given file, or a
   seeded sample drawn from the answer priors), counted case by case with the interpreter; a
   case the new rules cannot decide without an answer the population leaves empty counts as
   changed.

At most :data:`MAX_CANDIDATES` conditions per process are tried (in file order; a note says when
more exist), and at most :data:`PER_PROCESS` candidates per process are kept (most questions freed, then fewest
decisions changed), since each is measured with a full analysis.

**Why.** Principle 1 (simple and clear rules): a rule whose exception needs extra questions from
everyone to change the result for a few is a candidate for simplification; the measured effect
(questions, hours, decisions and which households) is the evidence for a policy discussion.

**Scenario.** ``drop_case`` or ``drop_condition``, then ``drop_fact`` for each freed fact.

**Before / after.**

Before (FAIL: ``har_hund`` is asked of everyone and decides 1 % of cases)::

    tilskud: {cases: [{when: har_hund and hund_over_40_kg, then: ekstra}, {else: normal}]}

After (PASS)::

    tilskud: {cases: [{else: normal}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..scenario import chains
from . import dead
from .base import Context, Suggestion, law_label, where
from .effect import applied, cases_for, decision_changes

ID = "low_yield"
#: largest share of the population whose decision may change
MAX_SHARE = 0.10
#: most candidates measured per process
PER_PROCESS = 3
#: most candidates tried per process (each is applied and its decisions counted)
MAX_CANDIDATES = 300


def _candidates(p):
    """(description, change, owner, loc, law) for every exception and every chain operand."""
    for o in p.outcomes.values():
        for index, case in enumerate(o.cases, 1):
            if case.when is not None:
                yield (f"branch {index} of '{o.name}' (when {case.when.text})",
                       {"drop_case": {"outcome": o.name, "when": case.when.text}}, o.name, case.loc, case.law or o.law)
        for formula in (o.when, o.applies_if):
            yield from _operands(formula, "outcome", o.name, o.loc, o.law)
    for f in p.facts.values():
        if f.derive is not None:
            yield from _operands(f.derive, "fact", f.name, f.loc, f.law)


def _operands(formula, key, owner, loc, law):
    if formula is None or formula.tree is None:
        return
    for chain, operands in chains(formula.tree):
        for e in operands:
            text = formula.text[e.start:e.end]
            yield (f"the condition '{text}' ({chain.op}) in '{owner}'",
                   {"drop_condition": {key: owner, "condition": text}}, owner, loc, law)


def check(ctx: Context) -> Iterator[Suggestion]:
    for p in ctx.processes:
        before_unused = set(dead.unused(p))
        cases = cases_for(ctx, p)
        kept = []
        seen = set()
        candidates = list(_candidates(p))
        if len(candidates) > MAX_CANDIDATES:
            ctx.notes.append(f"{ID}: {p.name}: only the first {MAX_CANDIDATES} of {len(candidates)} conditions "
                             "and exceptions were tried")
        for what, change, owner, loc, law in candidates[:MAX_CANDIDATES]:
            first = applied(ctx, p, (change,))
            if isinstance(first, str):
                continue
            freed = sorted(set(dead.unused(first)) - before_unused)
            asked = [k for k in freed if _asked(p, k)]
            if not asked:
                continue
            items = (change,) + tuple({"drop_fact": {"fact": k}} for k in freed)
            after = applied(ctx, p, items)
            if isinstance(after, str) or repr(items) in seen:
                continue
            seen.add(repr(items))
            d = decision_changes(p, after, cases, households=False)
            # a case the new rules cannot decide without a new answer counts as changed here
            share = (d["changed"] + d["unknown"]) / ((d["cases"] + d["unknown"]) or 1)
            if share > MAX_SHARE:
                continue
            kept.append((-len(asked), share, what, items, owner, loc, law, asked, d))
        kept.sort(key=lambda t: (t[0], t[1], t[2]))
        for _, share, what, items, owner, loc, law, asked, d in kept[:PER_PROCESS]:
            file, line, col = where(p, loc)
            yield Suggestion(
                ID, p.name, owner, f"Drop {what}: frees {', '.join(asked)}", file, line, col, (1,),
                (f"dropping {what} leaves no outcome reading {', '.join(asked)}",
                 f"{d['changed']} of {d['cases']} decisions change"
                 + (f", and {d['unknown']} more cases need an answer the population does not hold" if d["unknown"]
                    else "")
                 + f" (at most {share:.1%}; exact count on {ctx.population.get(p.name, 'the population')})"),
                (law_label(p, law),) if law else (),
                changes=items)


def _asked(p, key: str) -> bool:
    from .dead import _fact
    fact = _fact(p, key)
    return fact is not None and fact.is_input
