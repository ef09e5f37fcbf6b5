"""harmonise: the same concept defined differently, or thresholds that differ slightly, across processes.

**What it flags** (comparing every pair of processes given):

- a fact of the same name defined differently: two derived facts with different expressions
  (``husstandsindkomst`` in boligstøtte and økonomisk friplads), or two input facts with another
  type, other choices or another register;
- two constants with the same unit whose values differ by less than :data:`CLOSE` (relative),
  but are not equal: thresholds that look like one rule drifting apart.

**Why.** Principle 4 (uniform concepts and reuse of data across authorities): one concept, one
definition, lets a register answer it once and a citizen understand it once.

**Scenario.** For close thresholds: ``set_constant`` of the later process's constant to the
earlier one's value (processes in name order), with the decisions it changes. A concept defined
differently needs a common definition: no scenario.

**Before / after.**

Before (FAIL)::

    # boligstoette.yaml
    indkomstgraense_by: {value: 201400, unit: DKK/år}
    # oekonomisk_friplads.yaml
    nedre_graense: {value: 200301, unit: DKK/år}

After (PASS): one threshold, or two that differ for a stated reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from .base import Context, Suggestion, law_label, where

ID = "harmonise"
#: largest relative difference of two constants called "slightly different"
CLOSE = 0.05


def _number(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def check(ctx: Context) -> Iterator[Suggestion]:
    processes = sorted(ctx.processes, key=lambda p: p.name)
    for a, b in itertools.combinations(processes, 2):
        yield from _concepts(a, b)
        yield from _thresholds(a, b)


def _describe(fact) -> str:
    if fact.derive is not None:
        return f"derive: {fact.derive.text}"
    parts = [fact.kind, fact.type]
    if fact.register:
        parts.append(f"register {fact.register}")
    if fact.choices:
        parts.append("choices " + ", ".join(c.value for c in fact.choices))
    return "; ".join(parts)


def _concepts(a, b) -> Iterator[Suggestion]:
    for fa in a.all_facts():
        fb = next((f for f in b.all_facts() if f.key == fa.key), None)
        if fb is None:
            continue
        da, db = _describe(fa), _describe(fb)
        if da == db:
            continue
        file, line, col = where(b, fb.loc)
        law = tuple(x for x in (law_label(a, fa.law), law_label(b, fb.law)) if x)
        yield Suggestion(
            ID, f"{a.name} + {b.name}", fa.key, f"One definition of '{fa.key}' for {a.name} and {b.name}",
            file, line, col, (3, 4),
            (f"{a.name} ({a.path}:{fa.loc.line}): {da}", f"{b.name} ({b.path}:{fb.loc.line}): {db}",
             "the same name is defined differently (exact comparison of the rule texts)"),
            law, no_scenario="a common definition is a legislative choice")


def _thresholds(a, b) -> Iterator[Suggestion]:
    for ca in a.constants.values():
        va = _number(ca.value)
        if va is None or not va:
            continue
        for cb in b.constants.values():
            vb = _number(cb.value)
            if vb is None or vb == va or (ca.unit or "") != (cb.unit or ""):
                continue
            diff = abs(va - vb) / max(abs(va), abs(vb))
            if diff >= CLOSE:
                continue
            file, line, col = where(b, cb.loc)
            law = tuple(x for x in (law_label(a, ca.law), law_label(b, cb.law)) if x)
            yield Suggestion(
                ID, b.name, cb.name,
                f"Align '{cb.name}' ({b.name}, {cb.value:g}) with '{ca.name}' ({a.name}, {ca.value:g})",
                file, line, col, (3, 4),
                (f"{a.name}: {ca.name} = {ca.value:g} {ca.unit or ''} (source: {ca.source or 'none given'})",
                 f"{b.name}: {cb.name} = {cb.value:g} {cb.unit or ''} (source: {cb.source or 'none given'})",
                 f"same unit, values {diff:.1%} apart (exact)"),
                law, changes=({"set_constant": {"constant": cb.name, "value": ca.value}},))
