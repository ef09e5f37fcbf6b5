"""Dead questions by the exact backends: questions no answers ever make relevant.

For processes whose finite model is too large for the policies (``askless analyze`` then
estimates by simulation), :func:`dead_questions` asks the selected engine ``dead(q)`` for every
question of the mode, in file order. A question is listed only on an exact verdict; an unknown
one (the SMT work limit, or rules no engine encodes) is left out, which is the sound side: never
call a live question dead.
Work can be bounded by ``max_questions`` (questions beyond it are not checked, and the result
says how many), never by time, so the output stays the same on every machine (z3's queries are
bounded by its deterministic work count, analyzer.logic.smt.RLIMIT). The engine is asked about
every question in turn and keeps what earlier answers proved: a witness pair of one question
(two cases apart in it alone, with different outcomes) is a case where its rules are reached,
and the other questions of those rules that change an outcome there are relevant too
(``SMT._propagate``); and where random cases miss a question deep in a rule, three-valued
evaluation leads the search to a case that reaches it (``SMT._guided``, through the question's
``applies_if`` too). On 3,000 synthetic questions z3 is then asked 150 times, not 1,982 (101 of
them for the dead questions, which only z3 can prove). Measured cost on the synthetic rule sets
(benchmarks/generate.py, seed 1): 0.3 s for 300 questions, 1.6 s for 1,000, 4.8 s for 3,000;
0.1 s for boligstoette, whose begge_under_30 took z3 3 to 6 s (docs/architecture.md,
"Reasoning backends").

>>> from analyzer.load import load_process_document
>>> from analyzer.yamlread import read
>>> text = "process: t\\ntitle: T\\nfacts:\\n  a: {type: int, ask: a?, min: 0, max: 100}\\n"
>>> text += "  b: {type: int, ask: b?, min: 0, max: 100}\\n  c: {type: bool, ask: c?}\\n"
>>> text += "outcomes:\\n  o: {when: a + b > 250 and c}\\n"
>>> p, _ = load_process_document(read("t.yaml", text=text))
>>> found = dead_questions(p, "anonymous")
>>> [(d["question"], d["reason"], d["kind"]) for d in found.dead]
[('a', 'no answer to it ever changes an outcome', 'exact'), ('b', 'no answer to it ever changes an outcome', 'exact'), ('c', 'no answer to it ever changes an outcome', 'exact')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Process
from . import Chain, select
from .base import TooLarge, Unsupported


@dataclass(frozen=True)
class DeadQuestions:
    #: {"question", "reason", "kind"} per dead question, in file order (and "engine" where an
    #: engine's verdict, not the dependency cones, found it)
    dead: list[dict] = field(default_factory=list)
    #: questions checked, and those the work limit left undecided (counted as live)
    checked: int = 0
    unknown: int = 0
    #: questions not checked (beyond max_questions)
    skipped: int = 0
    #: the undecided questions, in file order
    undecided: list[str] = field(default_factory=list)


def dead_questions(process: Process, mode: str, max_questions: int | None = None) -> DeadQuestions:
    """The questions of ``mode`` that no answers make relevant (see the module docstring)."""
    return _dead(_chain(process, mode), max_questions)


def _chain(process: Process, mode: str) -> Chain:
    """The engines for the dead-question check."""
    # SMT first: with no answers its check (after the interpreter's search for a witness pair) is
    # the fastest; the BDD comes after it for what z3 cannot encode. Measured on 3,000 synthetic
    # questions (before witnesses were shared between questions): 12.8 s BDD first (which built
    # its diagrams up to the node cap and gave up), 11.3 s SMT first; with a cap large enough,
    # the BDD took 24 ms a question, z3 about 5.
    return select(process, mode, first="smt")


def _dead(chain: Chain, max_questions: int | None) -> DeadQuestions:
    questions = chain.questions()
    max_questions = len(questions) if max_questions is None else max_questions
    cones = chain.domain.outcome_cones()
    read = set().union(*cones.values()) if cones else set()
    dead, unknown, undecided = [], 0, []
    for q in questions[:max_questions]:
        if chain.domain.index[q] not in read:
            dead.append({"question": q, "reason": "no outcome depends on it", "kind": "exact"})
            continue
        try:
            verdict = chain.dead(q)
        except (TooLarge, Unsupported):  # no engine can decide it: counted as live (sound)
            unknown += 1
            undecided.append(q)
            continue
        if verdict.status != "exact":
            unknown += 1
            undecided.append(q)
        elif verdict.value:
            dead.append({"question": q, "reason": "no answer to it ever changes an outcome", "kind": "exact",
                         "engine": verdict.engine})
    checked = min(len(questions), max_questions)
    return DeadQuestions(dead, checked, unknown, undecided=undecided, skipped=len(questions) - checked)


def by_mode(process: Process, modes: tuple[str, ...]) -> dict[str, tuple[list[dict], list[str]]]:
    """Per mode, the dead questions as ``askless analyze`` lists them ({"question", "reason",
    "kind"}) and the questions no engine could decide (counted as live): deadness does not
    depend on the mode, so every input is checked once (anonymous) and each mode keeps the
    questions it asks."""
    chain = _chain(process, "anonymous")
    found = _dead(chain, None)
    variables = {v.id: v for v in chain.domain.variables}
    return {mode: ([{k: d[k] for k in ("question", "reason", "kind")} for d in found.dead
                    if variables[d["question"]].fact.asked(mode)],
                   [q for q in found.undecided if variables[q].fact.asked(mode)]) for mode in modes}
