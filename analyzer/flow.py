"""The next-question engine: given the answers so far, the next question or the decision.

>>> from pathlib import Path
>>> from analyzer.load import load_paths
>>> rules = Path(__file__).resolve().parents[1] / "rules" / "ekstra_affald.yaml"
>>> flow = Flow(load_paths([str(rules)]).processes[0], mode="logged_in")
>>> step = flow.next({"adresse_i_kommunen": True, "ejer": True, "boligtype": "enfamiliehus"})
>>> step.fact, step.why[0], step.exact
('valg', 'handling', True)

Answers are a case in the format of tests and population files: ``{fact: value}`` and, for a
group, ``{group: [{fact: value}, ...]}``. In ``logged_in`` mode the caller passes the register
facts too (they come from the registers, not from the citizen); they are never asked.

With the finite model (analyzer.finite) the engine is exact: it asks only relevant questions
(never one whose answer cannot change an outcome), chooses them as the minimal flow does (so a
case is asked exactly what ``askless analyze`` counts for it), and stops as soon as every outcome
is decided. When the model is too large, or the answers fall outside the classes the priors
allow, it falls back to three-valued evaluation (analyzer.kleene): sound, but it may ask a
question an exact engine would skip; ``Question.exact`` says which engine chose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from . import finite, policies
from .diagnostics import did_you_mean
from .evaluate import EvalError, Evaluation, Step
from .evaluate import value as value_of
from .kleene import UNKNOWN, PartialEvaluation
from .model import Fact, LawRef, Process, Text
from .rows import class_of


class AnswerError(Exception):
    """An answer that does not fit its question; the message says what is wrong."""


@dataclass(frozen=True)
class Question:
    #: the fact asked: 'alder', or 'voksne.indkomst' with ``member`` set
    fact: str
    #: the member (1-based) of a group fact, else None
    member: int | None
    type: str
    text: Text | None
    help: Text | None = None
    #: (value, label) of each choice
    choices: tuple[tuple[str, Text | None], ...] = ()
    min: Any = None
    max: Any = None
    unit: str | None = None
    #: the outcomes the answer can still change
    why: tuple[str, ...] = ()
    #: the law behind the question and behind those outcomes
    law: tuple[str, ...] = ()
    #: chosen by the exact engine (True) or by three-valued evaluation (False)
    exact: bool = True


@dataclass(frozen=True)
class Decision:
    #: every outcome's value (None: not decided, its applies_if does not hold)
    outcomes: dict[str, Any]
    #: the rules that produced the values
    steps: tuple[Step, ...] = ()
    #: questions answered (register facts not counted in logged_in mode)
    answered: int = 0


@dataclass
class Flow:
    process: Process
    mode: str = "anonymous"
    #: "minimal" (the flow askless analyze counts and askless flow exports), "greedy" or "form_order"
    policy: str = "minimal"
    model: finite.Model | None = field(default=None, init=False)
    spaces: list[policies.Space] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.mode not in ("anonymous", "logged_in"):
            raise ValueError(f"mode must be anonymous or logged_in, not {self.mode!r}")
        if self.policy not in ("minimal", "greedy", "form_order"):
            raise ValueError(f"policy must be minimal, greedy or form_order, not {self.policy!r}")
        try:
            self.model = finite.build(self.process)
        except finite.TooLarge:
            self.model = None
        if self.model is not None:
            self.spaces = [policies.Space.of(self.model, c, self.mode, lambda v: 1.0) for c in self.model.components]

    # -- answers ----------------------------------------------------------------------------

    def fact(self, key: str) -> Fact:
        group, _, name = key.rpartition(".")
        facts = self.process.groups[group].facts if group in self.process.groups else self.process.facts
        if not group and key in self.process.facts:
            return self.process.facts[key]
        if name in facts:
            return facts[name]
        known = [f.key for f in self.process.all_facts() if f.is_input]
        raise AnswerError(f"unknown question '{key}'" + (f"; {did_you_mean(key, known)}" if did_you_mean(key, known)
                                                         else ""))

    def check(self, key: str, value: Any) -> Any:
        """The answer as askless stores it, or AnswerError saying precisely what is wrong."""
        fact = self.fact(key)
        kind = fact.type
        shown = repr(value)
        if kind == "bool":
            if not isinstance(value, bool):
                raise AnswerError(f"{key}: {shown} is not yes or no (true/false)")
            return value
        if kind == "choice":
            options = [c.value for c in fact.choices]
            if str(value) not in options or isinstance(value, bool):
                hint = did_you_mean(str(value), options)
                raise AnswerError(f"{key}: {shown} is not one of " + ", ".join(options) + (f"; {hint}" if hint else ""))
            return str(value)
        if kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise AnswerError(f"{key}: expected a text, got {shown}")
            return value
        if kind == "date":
            try:
                parsed = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            except ValueError:
                raise AnswerError(f"{key}: {shown} is not a date; write it as YYYY-MM-DD") from None
            value = parsed
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise AnswerError(f"{key}: {shown} is not a number")
        elif kind == "int" and not float(value).is_integer():
            raise AnswerError(f"{key}: {shown} is not a whole number")
        low, high = (fact.min, fact.max)
        if kind == "date":
            low = dt.date.fromisoformat(low) if isinstance(low, str) else low
            high = dt.date.fromisoformat(high) if isinstance(high, str) else high
        if low is not None and value < low:
            raise AnswerError(f"{key}: {shown} is below the smallest allowed answer, {fact.min}")
        if high is not None and value > high:
            raise AnswerError(f"{key}: {shown} is above the largest allowed answer, {fact.max}")
        return int(value) if kind == "int" else value

    def _given(self, answers: dict[str, Any], var: finite.Variable) -> Any:
        if var.group is None:
            return answers.get(var.fact.name)
        members = answers.get(var.group) or []
        return members[var.index - 1].get(var.fact.name) if var.index <= len(members) else None

    # -- the next step -------------------------------------------------------------------------

    def next(self, answers: dict[str, Any]) -> Question | Decision:
        """The next question to ask, or the decision when every outcome is decided."""
        if self.model is None:
            return self._kleene(answers)
        best: tuple[int, Question] | None = None
        decided: dict[str, Any] = {}
        for space in self.spaces:
            state = self._state(space, answers)
            if state is None:
                return self._kleene(answers)
            rows, known = state
            candidates = space.relevant(rows, known)
            if not candidates:
                if not space.determined(rows, known):
                    return self._kleene(answers)
                # every row left decides alike: their outcome values are the decision
                values = space.component.key_values[space.component.keys[rows[0]]][0][0]
                decided.update(zip(space.component.outcomes, values))
                continue
            chooser = policies.chooser_of(space, self.policy)
            q = chooser(space, rows, known, candidates)
            var = self.model.variables[space.component.variables[q]]
            order = space.component.variables[q]
            if best is None or order < best[0]:
                best = (order, self._question(var, self._why(space, rows, known, q), True))
        if best is not None:
            return best[1]
        return self._decision(answers, decided)

    def _state(self, space: policies.Space, answers: dict[str, Any]) -> tuple[list[int], frozenset[int]] | None:
        """The rows the answers leave, and what is known; None when the answers fall outside the
        classes the priors allow."""
        assert self.model is not None
        component = space.component
        rows = list(range(len(component.rows)))
        known = set(space.prefilled)
        for p, v in enumerate(component.variables):
            var = self.model.variables[v]
            value = self._given(answers, var)
            if value is None:
                if p in space.prefilled:
                    rows = [r for r in rows if component.rows[r][p] == finite.NA]
                continue
            k = class_of(var, value)
            if k is None:
                return None
            rows = [r for r in rows if component.rows[r][p] == k]
            known.add(p)
        frozen = frozenset(known)
        if rows and component.atoms:
            ev = Evaluation(self.process, answers)
            for i, inputs in enumerate(space.atom_inputs):
                if not all(p in frozen or all(component.rows[r][p] == finite.NA for r in rows) for p in inputs):
                    continue
                atom = self.model.atoms[component.atoms[i]]
                try:
                    env: Any = ev
                    if atom.copy is not None:
                        env = ev.members(atom.group)[atom.copy - 1]
                    seen = 1 if value_of(atom.node, env) is True else 0
                except (EvalError, TypeError, ArithmeticError, ValueError, IndexError):
                    continue
                rows = [r for r in rows if component.rows[r][space.width + i] == seen]
        return (rows, frozen) if rows else None

    def _why(self, space: policies.Space, rows: list[int], known: frozenset[int], q: int) -> tuple[str, ...]:
        """The outcomes whose possible values differ between the answers to q (or that need q's
        exact value)."""
        component = space.component
        values = [component.key_values[component.keys[r]][0] for r in rows]
        found = []
        children = space.split(rows, known, q)
        for i, outcome in enumerate(component.outcomes):
            if len({repr(v[0][i]) for v in values}) < 2 and not any(q in component.needs[r] for r in rows):
                continue
            per_child = {frozenset(repr(component.key_values[component.keys[r]][0][0][i]) for r in child)
                         for child in children}
            if len(per_child) > 1 or any(q in component.needs[r] for r in rows):
                found.append(outcome)
        return tuple(found) or tuple(o for o in component.outcomes)

    def _question(self, var: finite.Variable, why: tuple[str, ...], exact: bool) -> Question:
        fact = var.fact
        laws: list[str] = []
        for ref in [fact.law] + [self.process.outcomes[o].law for o in why]:
            if isinstance(ref, LawRef) and ref.label() not in laws:
                laws.append(ref.label())
        return Question(fact.key, var.index, fact.type, fact.ask, fact.help,
                        tuple((c.value, c.label) for c in fact.choices), fact.min, fact.max, fact.unit,
                        why, tuple(laws), exact)

    def _decision(self, answers: dict[str, Any], decided: dict[str, Any] | None = None) -> Decision:
        """Every outcome's value: from the exact interpreter when the answers hold all it reads,
        else from three-valued evaluation, else from the finite model's rows (``decided``)."""
        steps: tuple[Step, ...] = ()
        try:
            full = Evaluation(self.process, answers)
            outcomes = full.outcomes()
            steps = tuple(full.trace)
        except (EvalError, TypeError, ArithmeticError):
            partial = PartialEvaluation(self.process, answers)
            outcomes = {}
            for name in self.process.outcomes:
                value = partial.get(name)
                if value is UNKNOWN:
                    value = (decided or {}).get(name)
                    value = list(value) if isinstance(value, tuple) else value
                outcomes[name] = value
        answered = sum(1 for f in self.process.all_facts() if f.asked(self.mode) and _answered(answers, f))
        return Decision(outcomes, steps, answered)

    def _kleene(self, answers: dict[str, Any]) -> Question | Decision:
        supports = PartialEvaluation(self.process, answers).supports()
        if not supports:
            return self._decision(answers)
        order = {}
        for i, fact in enumerate(self.process.all_facts()):
            order[(fact.group, fact.name)] = i
        candidates = sorted({(g, i, n) for s in supports.values() for (g, i, n) in s},
                            key=lambda t: (order.get((t[0], t[2]), 0), t[1] or 0))
        for group, index, name in candidates:
            fact = self.process.groups[group].facts[name] if group else self.process.facts[name]
            if not fact.asked(self.mode):
                continue
            why = tuple(o for o, s in supports.items() if (group, index, name) in s)
            var = finite.Variable(f"{group}[{index}].{name}" if group else name, fact, (), False, group, index)
            return self._question(var, why, False)
        return self._decision(answers)


def _answered(answers: dict[str, Any], fact: Fact) -> bool:
    if fact.group is None:
        return answers.get(fact.name) is not None
    return any(m.get(fact.name) is not None for m in answers.get(fact.group) or [])
