"""LIX readability of question and help texts, with the Danish bands.

LIX = words / sentences + 100 × long words / words, where a long word has more than six letters
(æ, ø, å count as letters). Sentences end at . : ! ? and at line breaks.

>>> lix("Bor du til leje?")
4.0
>>> band(4.0)
'very easy'
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.:!?]+|\n+")

BANDS = ((24, "very easy"), (34, "easy"), (44, "medium"), (54, "hard"), (float("inf"), "very hard"))


def lix(text: str) -> float:
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))
    long_words = sum(1 for w in words if len(w.replace("-", "").replace("'", "")) > 6)
    return round(len(words) / sentences + 100 * long_words / len(words), 1)


def band(score: float) -> str:
    for limit, name in BANDS:
        if score <= limit:
            return name
    return BANDS[-1][1]  # pragma: no cover


def long_words(text: str) -> list[str]:
    """The words over six letters, which push LIX up."""
    return [w for w in _WORD.findall(text) if len(w.replace("-", "").replace("'", "")) > 6]
