"""Suggestions: ranked, evidenced ways to ask fewer or clearer questions (``askless suggest``).

One module per kind, each with an ``ID``, a module docstring that is its documentation (what it
flags, why, a before/after example) and ``check(context) -> Iterator[Suggestion]``. They are
registered in the one explicit dict :data:`KINDS` below (no directory scans, no import magic).

:func:`suggest` runs the chosen kinds over a :class:`~analyzer.suggest.base.Context`, measures
each suggestion's effect (:mod:`analyzer.suggest.effect`) and returns them ranked by citizen
hours saved a year (ties: kind, process, subject), so the order is deterministic.

>>> sorted(KINDS)[:3]
['dead', 'discretion', 'duplicates']
>>> select(["prefil"], [])
Traceback (most recent call last):
...
analyzer.suggest.UnknownKind: unknown suggestion kind 'prefil'; did you mean 'prefill'?
"""

from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import did_you_mean
from . import dead, discretion, duplicates, harmonise, implied, logic, low_yield, order, prefill, readability
from .base import PRINCIPLES, Context, Effect, Suggestion

__all__ = ["KINDS", "PRINCIPLES", "Context", "Effect", "Suggestion", "UnknownKind", "select", "suggest"]

#: every suggestion kind, ID -> module (the order is the documentation's order)
KINDS = {
    prefill.ID: prefill,
    dead.ID: dead,
    implied.ID: implied,
    low_yield.ID: low_yield,
    harmonise.ID: harmonise,
    duplicates.ID: duplicates,
    order.ID: order,
    readability.ID: readability,
    discretion.ID: discretion,
    logic.ID: logic,
}


class UnknownKind(ValueError):
    """A kind ID that :data:`KINDS` does not hold; the message names it, with a did-you-mean."""


def select(only: Iterable[str], skip: Iterable[str]) -> list[str]:
    """The kind IDs to run, in :data:`KINDS` order: ``only`` (all when empty) minus ``skip``.

    Raises :class:`UnknownKind` for an ID that is not a kind."""
    only, skip = list(only), list(skip)
    for name in only + skip:
        if name not in KINDS:
            hint = did_you_mean(name, KINDS) or f"the kinds are {', '.join(KINDS)}"
            raise UnknownKind(f"unknown suggestion kind '{name}'; {hint}")
    return [k for k in KINDS if (not only or k in only) and k not in skip]


def suggest(ctx: Context, kinds: Iterable[str] | None = None, measure: bool = True) -> list[Suggestion]:
    """Every suggestion of ``kinds`` (all when None) for the processes of ``ctx``, each with its
    effect measured (when ``measure``), ranked by hours saved; ties by kind, process, subject."""
    from . import effect

    found: list[Suggestion] = []
    for kind in kinds if kinds is not None else KINDS:
        found.extend(KINDS[kind].check(ctx))
    if measure:
        found = effect.measure_all(ctx, found)
    return sorted(found, key=Suggestion.sort_key)
