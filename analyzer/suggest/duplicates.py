"""duplicates: questions that ask the same thing in other words, in one process or across processes.

**What it flags.** Two questions (``ask`` texts of input facts) whose content words overlap by
at least :data:`SIMILAR` (Jaccard index of the words after lower-casing, without the short
function words of :data:`STOP`), or that share a fact name while their texts differ. Two texts
about different persons (one names a partner or a child, :data:`WHO`, the other not) are not
the same question. When both facts come from the same register field, the evidence says so: the
citizen answers twice only when not logged in.

**Why.** Principle 4 (uniform concepts, reuse of data): one question, one wording; a citizen who
applies for both benefits should answer it once, and within one process twice is a defect.

**Scenario.** Within one process: ``merge: {keep, drop}`` (the later fact reads the earlier);
across processes none (one process's rules cannot answer another's form).

**Before / after.**

Before (FAIL)::

    samlevende: {type: bool, ask: "Er du gift eller samlevende?"}
    har_partner: {type: bool, ask: "Er du gift eller bor du sammen med en samlever?"}

After (PASS)::

    har_partner: {derive: samlevende}
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from .base import Context, Suggestion, law_label, where

ID = "duplicates"
#: smallest word overlap (Jaccard) called "the same question"
SIMILAR = 0.6
#: Danish function words left out of the comparison
STOP = frozenset("du i en et er har hvad hvor hvilken hvilke og eller til af på om med den det de din dit "
                 "dine fx for at som der fra år kr".split())
#: word stems that name whom a question is about
WHO = ("ægtefæl", "samlev", "partner", "barn", "børn")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def words(text: str) -> frozenset[str]:
    """The content words of a question text."""
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 1)


def check(ctx: Context) -> Iterator[Suggestion]:
    asked = []
    for p in sorted(ctx.processes, key=lambda p: p.name):
        for f in p.all_facts():
            if f.is_input and f.ask is not None:
                asked.append((p, f, words(f.ask.da)))
    for (pa, fa, wa), (pb, fb, wb) in itertools.combinations(asked, 2):
        if _who(fa.ask.da) != _who(fb.ask.da):
            continue
        same_field = fa.kind == fb.kind == "register" and (fa.register, fa.register_field) == \
            (fb.register, fb.register_field)
        union = wa | wb
        score = len(wa & wb) / len(union) if union else 0.0
        same_name = fa.key == fb.key and fa.ask.da != fb.ask.da
        if score < SIMILAR and not same_name:
            continue
        if pa is pb:
            process, changes, why = pa.name, ({"merge": {"keep": fa.key, "drop": fb.key}},), ""
        else:
            process, changes = f"{pa.name} + {pb.name}", ()
            why = "across processes: one process's rules cannot answer another's form; reuse the answer in the portal"
        file, line, col = where(pb, fb.loc)
        law = tuple(x for x in (law_label(pa, fa.law), law_label(pb, fb.law)) if x)
        yield Suggestion(
            ID, process, fb.key, f"Ask '{fa.key}' ({pa.name}) and '{fb.key}' ({pb.name}) once",
            file, line, col, (4,),
            (f"{pa.name}.{fa.key}: \"{fa.ask.da}\"", f"{pb.name}.{fb.key}: \"{fb.ask.da}\"",
             f"word overlap {score:.2f} (Jaccard of content words; threshold {SIMILAR})"
             + ("; same fact name" if same_name else ""))
            + ((f"both read from {fa.register} ({fa.register_field}) when logged in: answered twice only "
                "anonymously",) if same_field else ()),
            law, changes=changes, no_scenario=why)


def _who(text: str) -> frozenset[str]:
    low = text.lower()
    return frozenset(w for w in WHO if w in low)
