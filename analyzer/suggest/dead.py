"""dead: a question that is never relevant, so no adaptive form should ask it.

**What it flags.** An input fact that no answer can make matter (analyzer.metrics
``dead_questions``, exact on the finite model, an estimate on a model with atoms):

- *no outcome depends on it*: no outcome's expressions read it, directly or through derived
  facts (exact for every process, from the dependency cones);
- *it never applies under the declared priors*: its ``applies_if`` never holds;
- *no answer to it ever changes an outcome*: two cases that differ only in its answer always
  decide alike (checked on every row of the finite model).

**Why.** A dead question costs every citizen who sees it time for nothing, and a rule that reads
a fact without effect is unclear (principle 1: simple and clear rules).

**Scenario.** ``drop_fact: {fact}``; when other rules still read the fact, the scenario cannot
be applied as it stands, and the output says so.

**Before / after.**

Before (FAIL)::

    facts:
      lejer: {type: bool, ask: "Bor du til leje?"}
      kaeledyr: {type: bool, ask: "Har du kæledyr?"}   # no outcome reads it
    outcomes:
      berettiget: {when: lejer}

After (PASS): ``kaeledyr`` is gone.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..abstract import cone, dependency_index
from ..model import outcome_formulas
from .base import Context, Suggestion, law_label, where

ID = "dead"


def unused(process) -> list[str]:
    """Input facts (qualified ids) that no outcome reads, directly or through derived facts."""
    index = dependency_index(process)
    read: set[str] = set()
    for outcome in process.outcomes.values():
        for formula in outcome_formulas(outcome):
            found = cone(process, formula, None, index)
            read |= found or set()
    # a group read (or one of its members) reads its count fact, which no expression names
    for group in process.groups.values():
        if group.name in read or any(k.startswith(group.name + ".") for k in read):
            read.add(group.count)
    return [f.key for f in process.all_facts() if f.is_input and f.key not in read]


def check(ctx: Context) -> Iterator[Suggestion]:
    for p in ctx.processes:
        found: dict[str, tuple[str, str, str]] = {}
        for key in unused(p):
            found[key] = ("no outcome depends on it", "exact", "dependency cones of every outcome")
        analysis = ctx.analysis(p)
        # where the finite model is too large, askless analyze decides deadness with the exact
        # reasoning backends (analyzer/logic/dead.py) instead of the model's rows
        how = "the exact reasoning backends (SMT or BDD)" if analysis["model"].get("estimated") else \
            "every row of the finite model"
        for mode in ("anonymous", "logged_in"):
            for d in analysis["modes"][mode]["dead_questions"]:
                fact_key = _fact_key(d["question"])
                found.setdefault(fact_key, (d["reason"], d["kind"], f"{how} ({mode})"))
        for key in sorted(found):
            fact = _fact(p, key)
            if fact is None:
                continue
            reason, kind, how = found[key]
            file, line, col = where(p, fact.loc)
            asked = fact.ask.da if fact.ask else ""
            yield Suggestion(
                ID, p.name, key, f"Drop the dead question '{key}': {reason}", file, line, col, (1,),
                (f"'{key}' ({fact.kind}) \"{asked}\"", f"dead: {reason} ({kind}; {how})")
                + ((f"applies_if: {fact.applies_if.text}",) if fact.applies_if is not None else ()),
                (law_label(p, fact.law),) if fact.law else (),
                changes=({"drop_fact": {"fact": key}},))


def _fact_key(variable_id: str) -> str:
    """'voksne[2].indkomst' -> 'voksne.indkomst'."""
    if "[" in variable_id:
        group, rest = variable_id.split("[", 1)
        return f"{group}.{rest.split('].', 1)[1]}"
    return variable_id


def _fact(process, key: str):
    if "." in key:
        group, name = key.split(".", 1)
        return process.groups[group].facts.get(name) if group in process.groups else None
    return process.facts.get(key)
