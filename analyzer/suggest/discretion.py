"""discretion: a rule that needs a caseworker's judgement, which blocks automatic processing.

**What it flags.** Texts and names of facts, outcomes, cases and items that contain the words of
discretion in Danish law (:data:`PHRASES`: "rimelig", "særlige forhold", "efter en konkret
vurdering", "skøn", "væsentlig", "i særlige tilfælde", "efter omstændighederne"), with the
phrase found and where.

**Why.** Principle 3 of digital-ready legislation: objective criteria instead of discretion
make automatic case processing possible; a question such as "Er der særlige forhold?" cannot be
prefilled, checked or decided by rules.

**Scenario.** None: replacing a judgement by an objective criterion is a legislative choice.

**Before / after.**

Before (FAIL)::

    saerlige_forhold: {type: bool, ask: "Er der særlige forhold, der taler for tilskud?"}

After (PASS)::

    alvorlig_sygdom: {type: bool, ask: "Har barnet en diagnose, der kræver særlig pasning?"}
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .base import Context, Suggestion, law_label, where

ID = "discretion"

#: phrases of discretion (regular expressions over lower-case text; names with _ read as spaces)
PHRASES = (
    r"\brimelig\w*", r"\bsærlige? forhold\b", r"\bsaerlige? forhold\b", r"\bkonkret(e)? vurdering\b",
    r"\bskøn\w*", r"\bskoen\b", r"\bvæsentlig\w*", r"\bvaesentlig\w*", r"\bi særlige tilfælde\b",
    r"\befter omstændighederne\b", r"\bsærlige grunde\b", r"\bhelt særlige\b",
)
_PATTERN = re.compile("|".join(PHRASES))


def _texts(p):
    """(owner, what, text, loc, law) for every name and text a rule writer wrote."""
    for fact in p.all_facts():
        yield fact.key, "name", fact.key, fact.loc, fact.law
        for part, text in (("ask", fact.ask), ("help", fact.help)):
            if text is not None:
                yield fact.key, part, text.da, fact.key_locs.get(part, fact.loc), fact.law
        for formula in (fact.derive, fact.applies_if):
            if formula is not None:
                yield fact.key, "expression", formula.text, fact.loc, fact.law
    for o in p.outcomes.values():
        yield o.name, "name", o.name, o.loc, o.law
        if o.title is not None:
            yield o.name, "title", o.title.da, o.loc, o.law
        for case in o.cases:
            if case.then is not None:
                yield o.name, "case result", str(case.then), case.loc, case.law or o.law
            if case.when is not None:
                yield o.name, "case condition", case.when.text, case.loc, case.law or o.law
        for item in o.items:
            yield o.name, "item", item.name + " " + (item.title.da if item.title else ""), item.loc, item.law or o.law


def check(ctx: Context) -> Iterator[Suggestion]:
    for p in ctx.processes:
        seen: set[tuple] = set()
        for owner, what, text, loc, law in _texts(p):
            hit = _PATTERN.search(text.replace("_", " ").lower())
            if hit is None or (owner, hit.group(0)) in seen:
                continue
            seen.add((owner, hit.group(0)))
            file, line, col = where(p, loc)
            yield Suggestion(
                ID, p.name, owner, f"Replace the judgement '{hit.group(0)}' in '{owner}' by an objective criterion",
                file, line, col, (3,),
                (f"{what}: \"{text}\"", f"'{hit.group(0)}' asks for a caseworker's judgement (discretion), "
                 "which rules cannot decide: the case needs manual processing"),
                (law_label(p, law),) if law else (),
                no_scenario="an objective criterion is a legislative choice")
