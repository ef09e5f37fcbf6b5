"""readability: a question or help text with LIX 45 or more (hard or very hard Danish).

**What it flags.** Every ``ask`` and ``help`` text whose LIX (words / sentences + 100 × long
words / words; a long word has more than six letters) is at least :data:`THRESHOLD`, with the
long words that push it up. Danish bands: 45-54 hard, 55 and more very hard (legal text).

**Why.** A citizen who must read a question twice answers slower and more often wrong
(principle 1: simple and clear rules; principle 7: prevention of errors).

**Scenario.** None: the text needs a rewrite by a person; question counts do not change.

**Before / after.**

Before (FAIL, LIX 65)::

    ask: "Er boligen godkendt til helårsbeboelse?"

After (PASS, LIX 25)::

    ask: "Må du bo i boligen hele året?"
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import readability as lix
from .base import Context, Suggestion, law_label, where

ID = "readability"
#: the lowest LIX flagged (the Danish "hard" band starts here)
THRESHOLD = 45


def check(ctx: Context) -> Iterator[Suggestion]:
    for p in ctx.processes:
        for fact in p.all_facts():
            for part, text in (("ask", fact.ask), ("help", fact.help)):
                if text is None:
                    continue
                score = lix.lix(text.da)
                if score < THRESHOLD:
                    continue
                words = lix.long_words(text.da)
                loc = fact.key_locs.get(part, fact.loc)
                file, line, col = where(p, loc)
                yield Suggestion(
                    ID, p.name, fact.key, f"Rewrite the {part} text of '{fact.key}' (LIX {score:g}, "
                    f"{lix.band(score)})", file, line, col, (1, 7),
                    (f"{part}: \"{text.da}\"",
                     f"LIX {score:g} ({lix.band(score)}; exact: words / sentences + 100 x long words / words)",
                     "long words: " + ", ".join(words)),
                    (law_label(p, fact.law),) if fact.law else (),
                    no_scenario="a rewrite of the text; question counts do not change")
