"""prefill: a question that a register could answer, or that another process already derives.

**What it flags.** A fact the citizen is asked (``kind: question``) when

1. another process given in the same run reads a fact *of the same name* from a register
   (strongest evidence: the rule writers already agree that the register holds it), or
2. its name and Danish question text name a concept that a register in the catalogue holds
   (``rules/registers.yaml``: the field must be listed in the register's ``holds``), matched by
   the concept table :data:`CONCEPTS` below, within the fact types that concept can have; or
3. another process *derives* a fact of the same name from facts this process also has.

A question about the future or an intention ("bliver", "forventer", "vil du", "skal") is never
matched: registers hold what is, not what will be.

**Why.** Reuse of data that already exists (the once-only principle) is principle 3 and 4 of
digital-ready legislation; a prefilled fact costs a logged-in citizen nothing.

**Scenario.** ``prefill: {fact, register, field}`` (case 1 and 2) or ``replace: {fact, derive}``
(case 3); its effect shows in the ``logged_in`` mode.

**Before / after.**

Before (FAIL)::

    alder: {type: int, ask: "Hvor gammel er du?"}

After (PASS)::

    alder: {type: int, register: CPR, register_field: birth date and age, ask: "Hvor gammel er du?"}

The match is a heuristic on words: every suggestion says which words matched which register
field, so a reader can reject a false match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..expr import names
from .base import Context, Suggestion, law_label, where

ID = "prefill"


@dataclass(frozen=True)
class Concept:
    #: what the concept is, in words
    name: str
    register: str
    #: the register's ``holds`` entry
    field: str
    #: a regular expression over "fact name + question text" (lower case)
    pattern: str
    #: the fact types it can have
    types: tuple[str, ...]


#: Concepts that Danish registers hold, and how a question about them reads (see the domain
#: notes: CPR, BBR, DAR, Matriklen, eIndkomst, UDK, Tinglysning).
CONCEPTS = (
    Concept("age or birth date", "CPR", "birth date and age",
            r"\balder\b|hvor gammel|fødselsdato|født\b|\bunder \d+ år|\bover \d+ år", ("int", "bool", "date")),
    Concept("number of children", "CPR", "children", r"hvor mange børn|antal_boern|antal børn", ("int",)),
    Concept("civil status", "CPR", "civil status", r"er du gift|samlevende\?|civilstand", ("bool", "choice")),
    Concept("people in the household", "CPR", "household at the address",
            r"hvor mange (voksne|personer) bor|antal_voksne|antal_personer", ("int",)),
    Concept("official address", "DAR", "official addresses",
            r"\badresse\b|ligger boligen i", ("bool", "text", "choice")),
    Concept("dwelling area", "BBR", "dwelling unit area in m2", r"hvor mange m²|boligens areal|bolig.*\bm2\b",
            ("int", "number")),
    Concept("own kitchen", "BBR", "own kitchen", r"køkken|koekken", ("bool",)),
    Concept("year-round dwelling", "BBR", "year-round dwelling", r"helårs|helaars", ("bool",)),
    Concept("building use", "BBR", "building use", r"slags bolig|boligtype|type bolig", ("choice",)),
    Concept("owner or tenant", "Tinglysning", "ownership of real property",
            r"ejer du|til leje\b|\blejer\b|tinglyst ejer", ("bool",)),
    Concept("income", "eIndkomst", "monthly income reported by payers",
            r"indkomst|hvad tjener|løn\b", ("money", "number")),
    Concept("old-age pension", "UDK", "old-age pension", r"folkepension", ("bool",)),
    Concept("disability pension", "UDK", "disability pension and its grant date", r"førtidspension", ("bool", "choice")),
    Concept("parcel area", "Matriklen", "parcel area", r"grunden i m²|grundareal|grundens areal", ("int", "number")),
)

#: a question about the future or an intention, which no register holds
FUTURE = re.compile(r"\b(bliver|forventer|vil du|skal du|kommer (til|den|det)|planlægger)\b")


def check(ctx: Context) -> Iterator[Suggestion]:
    registered: dict[str, list[tuple[str, object]]] = {}
    derived: dict[str, list[tuple[str, object]]] = {}
    for p in ctx.processes:
        for f in p.all_facts():
            if f.kind == "register" and f.register:
                registered.setdefault(f.name, []).append((p.name, f))
            if f.derive is not None:
                derived.setdefault(f.name, []).append((p.name, f))
    holds = {}
    if ctx.catalogue is not None:
        holds = {name: set(r.holds) for name, r in ctx.catalogue.registers.items()}
    for p in ctx.processes:
        for f in p.all_facts():
            if f.kind != "question":
                continue
            found = _match(p, f, registered, derived, holds)
            if found is not None:
                yield found


def _match(p, f, registered, derived, holds) -> Suggestion | None:
    file, line, col = where(p, f.loc)
    law = (law_label(p, f.law),) if f.law else ()
    asked = f.ask.da if f.ask else ""
    others = [(name, g) for name, g in registered.get(f.name, []) if name != p.name and g.type == f.type]
    if others:
        other, g = others[0]
        field = g.register_field or ""
        return Suggestion(
            ID, p.name, f.key, f"Prefill '{f.key}' from {g.register}" + (f" ({field})" if field else ""),
            file, line, col, (3, 4),
            (f"'{f.key}' ({f.type}) is asked: \"{asked}\"",
             f"process '{other}' reads the fact of the same name and type from {g.register}"
             + (f", field '{field}'" if field else ""),
             "match: same fact name and type in another process (strong)"),
            law, changes=({"prefill": _prefill(f.key, g.register, field)},))
    text = f"{f.name.replace('_', ' ')} {f.name} {asked}".lower()
    if not FUTURE.search(text):
        for c in CONCEPTS:
            if f.type not in c.types or c.field not in holds.get(c.register, set()):
                continue
            hit = re.search(c.pattern, text)
            if hit:
                return Suggestion(
                    ID, p.name, f.key, f"Prefill '{f.key}' from {c.register} ({c.field})",
                    file, line, col, (3, 4),
                    (f"'{f.key}' ({f.type}) is asked: \"{asked}\"",
                     f"the words '{hit.group(0).strip()}' name the concept '{c.name}', which {c.register} holds "
                     f"as '{c.field}' (register catalogue)",
                     "match: concept table of analyzer/suggest/prefill.py (a heuristic on words: check it)"),
                    law, changes=({"prefill": _prefill(f.key, c.register, c.field)},))
    for other, g in derived.get(f.name, []):
        if other == p.name or g.derive is None or g.derive.tree is None:
            continue
        needed = {n.name for n in names(g.derive.tree)}
        known = set(p.facts) | set(p.constants) | set(p.groups)
        if needed <= known:
            return Suggestion(
                ID, p.name, f.key, f"Derive '{f.key}' as process '{other}' does: {g.derive.text}",
                file, line, col, (3, 4),
                (f"'{f.key}' is asked: \"{asked}\"",
                 f"process '{other}' derives it: {g.derive.text}",
                 f"every name it reads ({', '.join(sorted(needed))}) is defined here too"),
                law, changes=({"replace": {"fact": f.key, "derive": g.derive.text}},))
    return None


def _prefill(fact: str, register: str, field: str) -> dict:
    change = {"fact": fact, "register": register}
    if field:
        change["field"] = field
    return change
