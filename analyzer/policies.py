"""Question policies on the finite model, and the decision trees they build.

A **state** is what is known: the set of answered (or prefilled) variables and the rows that
agree with the answers. It is **determined** when every row left decides every outcome alike
and no row still needs the exact value of an unanswered number. A question is **relevant**
when it is needed for an amount on some row left, or when some answer to it narrows the
outcomes still possible.

Policies choose the next relevant question:

- ``form_order``: the first relevant question in the order of the rule file (what a form with
  exact skip logic asks; the docassemble / XLSForm baseline);
- ``greedy``: the question with the largest expected information gain about the outcomes (per
  second of answering time when the space's ``objective`` is ``time``: cost-weighted); when
  no single answer gains information, the inputs of the atom that give the most information per
  question together; then a needed amount input;
- ``optimal``: the question that minimises the expected number of questions, or of seconds of
  answering time with the ``time`` objective (exhaustive search
  with memoisation; only for small components, see :data:`OPTIMAL_STATE_LIMIT`);
- ``minimal``: the **minimal flow** askless reports and exports: per component, the greedy tree,
  or the form-order tree where that one asks fewer questions in expectation (greedy information
  gain is a heuristic, and on some components the plain order of the rules does better; both
  trees are built anyway, so the better one is kept: :func:`minimal_policy`).

:func:`run` builds the tree and returns, per row, the questions asked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from .finite import NA, Component, Model

#: most distinct states the optimal search may visit in one component
OPTIMAL_STATE_LIMIT = 50_000
#: the optimal search runs only on components with at most this many questions and rows
OPTIMAL_MAX_QUESTIONS = 14
OPTIMAL_MAX_ROWS = 5_000
POLICIES = ("form_order", "greedy", "optimal", "minimal")
#: what the greedy, optimal and minimal policies minimise: the number of questions, or the
#: answering time (seconds per question by type, analyzer.burden)
OBJECTIVES = ("questions", "time")


class SearchTooLarge(Exception):
    """The optimal search would visit more than OPTIMAL_STATE_LIMIT states."""


@dataclass
class Space:
    """One component in one mode, ready for the policies."""

    model: Model
    component: Component
    mode: str
    #: positions (in component.variables) known from the start (prefilled in logged_in mode)
    prefilled: frozenset[int]
    #: positions the citizen can be asked, in form order
    askable: list[int]
    #: per atom: positions of its inputs
    atom_inputs: list[frozenset[int]]
    #: per position: positions that decide whether it applies (its count, its applies_if inputs)
    na_inputs: list[frozenset[int]]
    #: per position: seconds to answer (for burden)
    seconds: list[float]
    width: int = 0
    rows: list[tuple[int, ...]] = field(default_factory=list)
    #: "questions" (each question costs 1) or "time" (each costs its seconds); see OBJECTIVES
    objective: str = "questions"

    def cost(self, q: int) -> float:
        """What asking position q costs under the space's objective."""
        return self.seconds[q] if self.objective == "time" else 1.0

    @classmethod
    def of(cls, model: Model, component: Component, mode: str, seconds: Callable[[int], float],
           objective: str = "questions") -> Space:
        position = {v: i for i, v in enumerate(component.variables)}
        prefilled = frozenset(i for i, v in enumerate(component.variables)
                              if mode == "logged_in" and model.variables[v].register)
        askable = [i for i in range(len(component.variables)) if i not in prefilled]
        atom_inputs = [frozenset(position[v] for v in model.atoms[a].inputs if v in position) for a in component.atoms]
        na_inputs = []
        for v in component.variables:
            var = model.variables[v]
            deciding: set[int] = set()
            if var.group is not None:
                count_id = model.process.groups[var.group].count
                for j, w in enumerate(component.variables):
                    if model.variables[w].id == count_id:
                        deciding.add(j)
            deciding |= {position[w] for w in var.applies_inputs if w in position}
            na_inputs.append(frozenset(deciding))
        if objective not in OBJECTIVES:
            raise ValueError(f"objective {objective!r}: expected one of {', '.join(OBJECTIVES)}")
        return cls(model, component, mode, prefilled, askable, atom_inputs, na_inputs,
                   [seconds(v) for v in component.variables], len(component.variables), component.rows, objective)

    # -- knowledge ----------------------------------------------------------------------------

    @property
    def na_positions(self) -> tuple[int, ...]:
        """Positions that do not apply on some row."""
        cached = self.__dict__.get("_na_positions")
        if cached is None:
            cached = tuple(p for p in range(self.width) if any(row[p] == NA for row in self.rows))
            self.__dict__["_na_positions"] = cached
        return cached

    def closure(self, row: tuple[int, ...], known: frozenset[int]) -> frozenset[int]:
        """``known`` and every position known not to apply on this row: it says NA and all that
        decides whether it applies is known (repeatedly: a partner's income does not apply when
        there is no partner, which does not apply when one lives alone)."""
        found = set(known)
        changed = True
        while changed:
            changed = False
            for p in self.na_positions:
                if p not in found and row[p] == NA and self.na_inputs[p] <= found:
                    found.add(p)
                    changed = True
        return frozenset(found)

    def _known(self, row: tuple[int, ...], p: int, known: frozenset[int]) -> bool:
        return p in known or (row[p] == NA and p in self.closure(row, known))

    def _visible(self, row: tuple[int, ...], known: frozenset[int]) -> tuple:
        """The values of the atoms whose inputs are all known on this row (None for the rest)."""
        full = self.closure(row, known) if self.na_positions else known
        return tuple(row[self.width + a] if inputs <= full else None
                     for a, inputs in enumerate(self.atom_inputs))

    def signature(self, r: int, known: frozenset[int]) -> tuple:
        """What an observer knows about row r once ``known`` are answered: their classes and
        the value of every atom whose inputs are all known."""
        row = self.rows[r]
        return tuple(row[p] for p in sorted(known)), self._visible(row, known)

    def roots(self) -> list[list[int]]:
        """The rows split by what is known before any question (the prefilled facts)."""
        groups: dict[tuple, list[int]] = {}
        for r in range(len(self.rows)):
            groups.setdefault(self.signature(r, self.prefilled), []).append(r)
        return [groups[k] for k in sorted(groups, key=repr)]

    def split(self, rows: list[int], known: frozenset[int], q: int) -> list[list[int]]:
        """The rows of a state split by what asking q reveals: q's class and the atoms it
        completes (the rows already agree on everything known before)."""
        after = known | {q}
        groups: dict[tuple, list[int]] = {}
        if not self.atom_inputs:
            for r in rows:
                groups.setdefault((self.rows[r][q],), []).append(r)
        else:
            for r in rows:
                row = self.rows[r]
                groups.setdefault((row[q], self._visible(row, after)), []).append(r)
        return [groups[k] for k in sorted(groups, key=repr)]

    def determined(self, rows: list[int], known: frozenset[int]) -> bool:
        keys = self.component.keys
        first = keys[rows[0]]
        if any(keys[r] != first for r in rows):
            return False
        return self.component.needs[rows[0]] <= known

    def needed(self, rows: list[int], known: frozenset[int]) -> set[int]:
        found: set[int] = set()
        for r in rows:
            found |= self.component.needs[r] - known
        return found

    def relevant(self, rows: list[int], known: frozenset[int]) -> list[int]:
        """Relevant questions that can be shown now, in form order (empty when determined).

        Like a form's skip logic, a question is shown only when it applies on every row left; a
        relevant question that may not apply makes the questions that decide whether it applies
        relevant instead.
        """
        if self.determined(rows, known):
            return []
        keys = self.component.keys
        parent = {keys[r] for r in rows}
        needed = self.needed(rows, known)
        useful = [q for q in self.askable if q not in known and self._useful(rows, known, q, parent, needed)]
        shown: set[int] = set()
        todo = list(useful)
        seen: set[int] = set()
        while todo:
            q = todo.pop()
            if q in seen or q in known:
                continue
            seen.add(q)
            if self.applies(rows, q):
                shown.add(q)
            else:
                todo.extend(p for p in self.na_inputs[q] if p in self.askable)
        return [q for q in self.askable if q in shown]

    def applies(self, rows: list[int], q: int) -> bool:
        """Whether question q applies on every row of the state (so a form may show it)."""
        return all(self.rows[r][q] != NA for r in rows)

    def is_relevant(self, rows: list[int], known: frozenset[int], q: int) -> bool:
        """Whether q is relevant, shown or not (for dead-question detection)."""
        if q in known or self.determined(rows, known):
            return False
        return self._useful(rows, known, q, {self.component.keys[r] for r in rows}, self.needed(rows, known))

    def _useful(self, rows: list[int], known: frozenset[int], q: int, parent: set[int], needed: set[int]) -> bool:
        if q in needed:
            return True
        if len(parent) < 2:
            return False
        keys = self.component.keys
        if any({keys[r] for r in child} != parent for child in self.split(rows, known, q)):
            return True
        # q may narrow nothing alone yet be an input of an atom the outcomes still hinge on (an
        # atom is seen only when all its inputs are known)
        if any(q in inputs and not all(self._known(self.rows[r], p, known) for p in inputs)
               for inputs in self.atom_inputs for r in rows[:1]):
            return True
        # no answer to q narrows the outcomes still possible, yet q may decide them together with
        # other questions ('a xor b', or 'b0 or (c and d)': neither c nor d alone rules an outcome
        # out): the exact test
        return self._changes_outcome(rows, q)

    def _changes_outcome(self, rows: list[int], q: int) -> bool:
        """Exact relevance: two cases left that differ only in q's answer decide differently.

        A row stands for every case that agrees with it, with any answer where it says NA (does
        not apply), so two rows hold such a pair when they differ in q, agree on the atoms and
        agree (or one says NA) on every other question.
        """
        keys = self.component.keys
        wild = [p for p in range(self.width) if p != q and any(self.rows[r][p] == NA for r in rows)]
        exact = [p for p in range(len(self.rows[rows[0]])) if p != q and p not in wild] if rows else []
        groups: dict[tuple, list[int]] = {}
        for r in rows:
            row = self.rows[r]
            groups.setdefault(tuple(row[p] for p in exact), []).append(r)
        for group in groups.values():
            if len({keys[r] for r in group}) < 2:
                continue
            for i, r in enumerate(group):
                a = self.rows[r]
                for s in group[i + 1:]:
                    b = self.rows[s]
                    if keys[r] != keys[s] and a[q] != b[q] and \
                            all(a[p] == b[p] or a[p] == NA or b[p] == NA for p in wild):
                        return True
        return False

    def entropy(self, rows: list[int]) -> float:
        p, keys = self.component.p, self.component.keys
        mass: dict[int, float] = {}
        for r in rows:
            mass[keys[r]] = mass.get(keys[r], 0.0) + p[r]
        total = sum(mass.values())
        return -sum(m / total * math.log2(m / total) for m in mass.values() if m > 0) if total > 0 else 0.0

    def mass(self, rows: list[int]) -> float:
        p = self.component.p
        return sum(p[r] for r in rows)


# -- choosing -------------------------------------------------------------------------------------

def choose_form_order(space: Space, rows: list[int], known: frozenset[int], candidates: list[int]) -> int:
    return candidates[0]


def choose_greedy(space: Space, rows: list[int], known: frozenset[int], candidates: list[int]) -> int:
    before = space.entropy(rows)
    total = space.mass(rows)
    best, best_score = None, 0.0
    for q in candidates:
        after = sum(space.mass(child) / total * space.entropy(child) for child in space.split(rows, known, q))
        score = (before - after) / space.cost(q)
        if score > best_score + 1e-12:
            best, best_score = q, score
    if best is not None:
        return best
    # no single answer narrows the outcomes; an atom (a comparison over amounts) may, once all its
    # inputs are known: score each atom by the information all its missing inputs give together
    best_inputs, best_score = None, 0.0
    for inputs in space.atom_inputs:
        missing = [q for q in candidates if q in inputs]
        if not missing or any(p not in known and p not in space.askable for p in inputs):
            continue
        parts, asked = [rows], known
        for q in missing:
            parts = [child for part in parts for child in space.split(part, asked, q)]
            asked = asked | {q}
        after = sum(space.mass(part) / total * space.entropy(part) for part in parts)
        score = (before - after) / sum(space.cost(q) for q in missing)
        if score > best_score + 1e-12:
            best_inputs, best_score = missing, score
    if best_inputs:
        return best_inputs[0]
    # no question narrows the outcomes: ask the amount input needed on the most probable rows
    needed = space.needed(rows, known)
    weight = {q: sum(space.component.p[r] for r in rows if q in space.component.needs[r]) for q in candidates
              if q in needed}
    if weight:
        return max(sorted(weight), key=lambda q: weight[q])
    return candidates[0]


@dataclass
class Tree:
    """The result of running a policy on a space: per row, the positions asked, in order."""

    asked: dict[int, list[int]]
    #: distinct states visited (the size of the decision tree)
    nodes: int
    #: rows whose leaf is not determined: no question was left to ask (a defect of the model;
    #: reported with the figures rather than hidden)
    undetermined: int = 0


def expected_questions(space: Space, tree: Tree) -> float:
    """Expected questions of ``tree`` under the component's row probabilities."""
    p = space.component.p
    return sum(p[r] * len(path) for r, path in tree.asked.items()) / (sum(p) or 1)


def expected_cost(space: Space, tree: Tree) -> float:
    """Expected cost of ``tree`` under the space's objective (questions, or seconds)."""
    p = space.component.p
    return sum(p[r] * sum(space.cost(q) for q in path) for r, path in tree.asked.items()) / (sum(p) or 1)


def minimal_policy(space: Space) -> str:
    """``greedy``, or ``form_order`` when its tree costs less in expectation on this component
    (fewer questions, or fewer seconds with the ``time`` objective; ties keep greedy). Computed
    once per space."""
    chosen = space.__dict__.get("_minimal")
    if chosen is None:
        greedy, order = run(space, "greedy"), run(space, "form_order")
        chosen = "form_order" if expected_cost(space, order) < expected_cost(space, greedy) - 1e-12 \
            else "greedy"
        space.__dict__["_minimal"] = chosen
    return chosen


def chooser_of(space: Space, policy: str) -> Callable[[Space, list[int], frozenset[int], list[int]], int]:
    """The next-question rule of ``policy`` (greedy, form_order or minimal) on ``space``."""
    if policy == "minimal":
        policy = minimal_policy(space)
    return choose_greedy if policy == "greedy" else choose_form_order


def run(space: Space, policy: str) -> Tree:
    """The decision tree of ``policy`` on ``space`` (built once per space and policy)."""
    trees = space.__dict__.setdefault("_trees", {})
    if policy not in trees:
        trees[policy] = _optimal(space) if policy == "optimal" else _run(space, chooser_of(space, policy))
    return trees[policy]


def _run(space: Space, chooser: Callable[[Space, list[int], frozenset[int], list[int]], int]) -> Tree:
    asked: dict[int, list[int]] = {}
    nodes = undetermined = 0
    stack: list[tuple[list[int], frozenset[int], list[int]]] = [(rows, space.prefilled, []) for rows in space.roots()]
    while stack:
        rows, known, path = stack.pop()
        nodes += 1
        candidates = space.relevant(rows, known)
        if not candidates:
            for r in rows:
                asked[r] = path
            if not space.determined(rows, known):
                undetermined += len(rows)
            continue
        q = chooser(space, rows, known, candidates)
        for child in space.split(rows, known, q):
            stack.append((child, known | {q}, path + [q]))
    return Tree(asked, nodes, undetermined)


def _optimal(space: Space) -> Tree:
    """Minimise the expected cost (questions, or seconds with the ``time`` objective) by
    exhaustive search with memoisation."""
    if len(space.askable) > OPTIMAL_MAX_QUESTIONS or len(space.rows) > OPTIMAL_MAX_ROWS:
        raise SearchTooLarge(f"{len(space.askable)} questions and {len(space.rows)} rows; the optimal search "
                             f"runs up to {OPTIMAL_MAX_QUESTIONS} questions and {OPTIMAL_MAX_ROWS} rows")
    memo: dict[tuple, tuple[float, int | None]] = {}
    p = space.component.p

    def best(rows: list[int], known: frozenset[int]) -> tuple[float, int | None]:
        key = (known, tuple(rows))
        if key in memo:
            return memo[key]
        if len(memo) > OPTIMAL_STATE_LIMIT:
            raise SearchTooLarge(f"more than {OPTIMAL_STATE_LIMIT} states")
        candidates = space.relevant(rows, known)
        if not candidates:
            memo[key] = (0.0, None)
            return memo[key]
        total = sum(p[r] for r in rows)
        result: tuple[float, int | None] = (math.inf, None)
        for q in candidates:
            cost = space.cost(q)
            for child in space.split(rows, known, q):
                share = sum(p[r] for r in child) / total if total > 0 else 1 / len(rows)
                cost += share * best(child, known | {q})[0]
                if cost >= result[0]:
                    break
            if cost < result[0] - 1e-12:
                result = (cost, q)
        memo[key] = result
        return result

    asked: dict[int, list[int]] = {}
    stack = [(rows, space.prefilled, []) for rows in space.roots()]
    nodes = 0
    while stack:
        rows, known, path = stack.pop()
        nodes += 1
        _, q = best(rows, known)
        if q is None:
            for r in rows:
                asked[r] = path
            continue
        for child in space.split(rows, known, q):
            stack.append((child, known | {q}, path + [q]))
    return Tree(asked, nodes)
