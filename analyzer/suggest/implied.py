"""implied: a question whose answer is settled by another answer, yet the form asks it.

**What it flags.** A question *q* that some answers make pointless: once another fact *w* has
an answer in a set *C*, every answer to *q* gives the same outcomes (two cases that agree with
``w in C`` and differ only in *q* always decide alike), yet *q* applies there, so a form that
follows the rule file's ``applies_if`` asks it. Checked exactly by enumerating the rows of the
finite model (only for processes whose model is exact; others are skipped with a note). *w*
is a fact that applies on every case (so it is known before *q* can be asked). For
each *q* the *w* that spares the most citizens is chosen; a dead *q* is left to ``dead``.

**Why.** Principle 1 (simple and clear rules): the condition under which a question matters
belongs in the rule (``applies_if``), so that forms built from it skip the question.

**Effect.** On the *form as written* (questions asked where their ``applies_if`` holds) the
expected saving is P(w in C and q applies) questions, exact under the answer priors. Adaptive
flows already skip the question, so their counts do not change.

**Before / after.**

Before (FAIL)::

    lejer: {type: bool, ask: "Bor du til leje?"}
    husleje_hoej: {type: bool, ask: "Er huslejen over 5.000 kr.?"}
    outcomes:
      berettiget: {when: lejer and husleje_hoej}

After (PASS)::

    husleje_hoej: {type: bool, ask: "Er huslejen over 5.000 kr.?", applies_if: lejer}
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import metrics, policies
from ..finite import NA
from .base import Context, Effect, Suggestion, law_label, where

ID = "implied"
#: most (questions x facts x rows) one component's check may take; larger ones are skipped
MAX_WORK = 20_000_000


def findings(model, skipped: list[str] | None = None) -> list[dict]:
    """Per question: {question, fact, given, classes, labels, mass, witness} for the best w, in
    the anonymous mode (every input askable). Exact when ``model.exact``. A component whose
    check would exceed :data:`MAX_WORK` is left out and named in ``skipped``."""
    found = []
    for component in model.components:
        space = policies.Space.of(model, component, "anonymous", lambda v: 0.0)
        total = sum(component.p) or 1.0
        if len(space.askable) * space.width * len(space.rows) > MAX_WORK:
            if skipped is not None:
                skipped.append(", ".join(model.variables[v].id for v in component.variables[:3]) + ", ...")
            continue
        by_class: dict[int, dict[int, list[int]]] = {}
        for r, row in enumerate(space.rows):
            for w in range(space.width):
                by_class.setdefault(w, {}).setdefault(row[w], []).append(r)
        dead = {d["question"] for d in metrics.dead_questions(model, [space], "anonymous")}
        for q in space.askable:
            if model.variables[component.variables[q]].id in dead:
                continue  # never relevant: reported by 'dead'
            best = None
            for w in range(space.width):
                # w must be known on every case before q: a fact that may not apply is left out
                if w == q or w in space.na_positions:
                    continue
                classes = []
                mass = 0.0
                witness = None
                for c in sorted(k for k in by_class.get(w, {}) if k != NA):
                    rows = by_class[w][c]
                    applies = [r for r in rows if space.rows[r][q] != NA]
                    if not applies or _relevant(space, rows, w, q):
                        continue
                    classes.append(c)
                    mass += sum(component.p[r] for r in applies) / total
                    witness = witness if witness is not None else applies[0]
                if not classes or mass <= 0:
                    continue
                if best is None or mass > best[1] + 1e-12:
                    best = (w, mass, classes, witness)
            if best is None:
                continue
            w, mass, classes, witness = best
            wv = model.variables[component.variables[w]]
            qv = model.variables[component.variables[q]]
            row = space.rows[witness]
            case = {model.variables[v].id: (model.variables[v].classes[row[i]].rep if row[i] != NA else None)
                    for i, v in enumerate(component.variables)}
            found.append({"question": qv.id, "fact": qv.fact, "given": wv.id, "given_fact": wv.fact,
                          "classes": classes, "labels": [wv.classes[c].label for c in classes],
                          "values": [wv.classes[c].rep for c in classes], "mass": mass, "witness": case})
    return sorted(found, key=lambda d: d["question"])


def _relevant(space: policies.Space, rows: list[int], w: int, q: int) -> bool:
    """Exact relevance of q once w is known (DESIGN: two cases that differ only in q decide
    differently), or q's exact value is needed for an amount on some row. Space.is_relevant
    also counts "q does not apply here" as news, which is not an answer to q."""
    return q in space.needed(rows, frozenset({w})) or space._changes_outcome(rows, q)


def check(ctx: Context) -> Iterator[Suggestion]:
    for p in ctx.processes:
        model = ctx.model(p)
        if model is None or not model.exact:
            ctx.notes.append(f"{ID}: {p.name} skipped: its finite model is "
                             + ("too large" if model is None else "not exact (comparisons over amounts)"))
            continue
        volume = p.volume.applications_per_year if p.volume else None
        skipped: list[str] = []
        seen: set[str] = set()
        for d in findings(model, skipped):
            fact = d["fact"]
            if fact.key in seen:  # a member fact: once, for its first copy
                continue
            seen.add(fact.key)
            file, line, col = where(p, fact.loc)
            labels = " or ".join(str(label) for label in d["labels"])
            seconds = ctx.assumptions.seconds_for(fact.type)
            hours = d["mass"] * seconds * volume / 3600 if volume else None
            mass = round(d["mass"], 4)
            saving = {"before": None, "after": None, "saved": mass, "kind": "exact",
                      "method": "P(given answer in the set and the question applies) under the answer priors; "
                                "the form as written asks a question wherever its applies_if holds"}
            asked_logged_in = fact.kind == "question"
            effect = Effect(
                questions={mode: {"form_as_written": dict(saving, saved=mass if on else 0.0)}
                           for mode, on in (("anonymous", True), ("logged_in", asked_logged_in))},
                hours={mode: None if hours is None else round(hours if on else 0.0, 1)
                       for mode, on in (("anonymous", True), ("logged_in", asked_logged_in))},
                dkk={mode: None if hours is None else round((hours if on else 0.0) * ctx.assumptions.tariff_dkk_per_hour)
                     for mode, on in (("anonymous", True), ("logged_in", asked_logged_in))},
                kind="exact",
                method=f"saved questions x {seconds:g} s ({fact.type}) x applications per year; the minimal flow "
                       "already skips it, so its counts do not change",
                note=None if volume else "the rule file declares no volume: no hours")
            yield Suggestion(
                ID, p.name, fact.key,
                f"Ask '{fact.key}' only when '{d['given']}' is not {labels} (add it to its applies_if)",
                file, line, col, (1,),
                (f"'{fact.key}' \"{fact.ask.da if fact.ask else ''}\" is asked even when '{d['given']}' is {labels}",
                 f"once '{d['given']}' is {labels}, every answer to '{fact.key}' gives the same outcomes "
                 "(exact: every row of the finite model)",
                 f"P('{d['given']}' in that set and '{fact.key}' applies) = {mass} under the answer priors"),
                (law_label(p, fact.law),) if fact.law else (),
                witnesses=(d["witness"],),
                no_scenario="a narrower applies_if; the effect is computed directly from the finite model",
                effect=effect)
        for names in skipped:
            ctx.notes.append(f"{ID}: {p.name}: a component too large for the exact check was skipped ({names})")
