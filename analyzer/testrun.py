"""Run the test cases of rule files and measure which rule branches they reach.

For each test case the process is decided by the exact interpreter (:class:`Evaluation`); each
expected outcome is compared with the actual value (numbers to within 1e-6 relative; a set
outcome as a sorted list). A failing outcome carries the path of rules that produced its value.

Coverage counts outcome branches: each outcome's ``applies_if`` (holds / does not hold), each
yes/no outcome (true / false), each case of a ``cases`` outcome, each item of an ``items``
outcome (in / out; only in for an item whose condition is the literal true). Fact conditions
(a fact's ``applies_if``) are counted apart: one that is never false when it is read may be
redundant, but it is no outcome left untested.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .abstract import cone
from .evaluate import EvalError, Evaluation, Step
from .expr import Literal
from .model import Loc, Process, TestCase, outcome_formulas


@dataclass(frozen=True)
class Mismatch:
    outcome: str
    expected: Any
    actual: Any
    #: the rules that produced the actual value, outcome first, then what it depends on
    path: tuple[Step, ...]


@dataclass(frozen=True)
class CaseResult:
    test: TestCase
    mismatches: tuple[Mismatch, ...] = ()
    #: an input missing or a value that cannot be computed
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


@dataclass(frozen=True)
class Branch:
    key: tuple
    loc: Loc
    description: str
    #: a branch of an outcome (its applies_if, value, case or item), not a fact's applies_if
    outcome: bool = True


@dataclass
class ProcessResult:
    process: Process
    cases: list[CaseResult] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    reached: set[tuple] = field(default_factory=set)

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]

    @property
    def uncovered(self) -> list[Branch]:
        return [b for b in self.branches if b.key not in self.reached]


def same(expected: Any, actual: Any) -> bool:
    """Whether an expected value (as written in YAML) matches an actual one."""
    if isinstance(actual, dt.date):
        actual = actual.isoformat()
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return abs(expected - actual) <= 1e-6 * max(1.0, abs(expected))
    if isinstance(expected, list) and isinstance(actual, list):
        return sorted(map(str, expected)) == sorted(map(str, actual))
    return expected == actual


def branches(process: Process) -> list[Branch]:
    """Every branch a test suite should reach, in file order."""
    found: list[Branch] = []
    for fact in process.all_facts():
        if fact.applies_if is not None:
            key = fact.key
            found += [Branch(("applies_if", key, held), fact.loc,
                             f"fact '{key}': applies_if {'holds' if held else 'does not hold'}", outcome=False)
                      for held in (True, False)]
    for o in process.outcomes.values():
        if o.applies_if is not None:
            found += [Branch(("applies_if", o.name, held), o.loc,
                             f"outcome '{o.name}': applies_if {'holds' if held else 'does not hold'}")
                      for held in (True, False)]
        if o.kind == "when":
            found += [Branch(("when", o.name, v), o.loc, f"outcome '{o.name}' is {str(v).lower()}") for v in (True, False)]
        for i, case in enumerate(o.cases, 1):
            what = f"when {case.when.text}" if case.when is not None else "else"
            found.append(Branch(("case", o.name, i), case.loc, f"outcome '{o.name}' case {i} ({what})"))
        for item in o.items:
            # an item whose condition is a literal (when: 'true') has only that branch
            constant = item.when.tree.value if isinstance(item.when.tree, Literal) else None
            found += [Branch(("item", o.name, item.name, v), item.loc,
                             f"outcome '{o.name}': item '{item.name}' {'included' if v else 'left out'}")
                      for v in (True, False) if constant is None or v is bool(constant)]
    return found


def _path(process: Process, outcome: str, trace: list[Step]) -> tuple[Step, ...]:
    o = process.outcomes[outcome]
    ids = {outcome}
    for formula in outcome_formulas(o):
        ids |= {i.split(".")[-1] for i in (cone(process, formula) or set())}
    first = [s for s in trace if s.target == outcome]
    rest = [s for s in trace if s.target in ids and s.target != outcome]
    unique = list(dict.fromkeys(first + rest))
    return tuple(unique)


def run_case(process: Process, test: TestCase) -> tuple[CaseResult, set[tuple]]:
    evaluation = Evaluation(process, dict(test.given))
    mismatches = []
    try:
        for outcome, expected in test.expect.items():
            actual = evaluation.get(outcome)
            if not same(expected, actual):
                mismatches.append(Mismatch(outcome, expected, actual, _path(process, outcome, evaluation.trace)))
        # reach every outcome, so coverage counts what the case decides, not only what it expects
        for outcome in process.outcomes:
            evaluation.get(outcome)
    except (EvalError, TypeError, ArithmeticError) as exc:
        return CaseResult(test, tuple(mismatches), f"cannot decide the case: {exc}"), evaluation.branches
    return CaseResult(test, tuple(mismatches)), evaluation.branches


def run(process: Process) -> ProcessResult:
    """Run every test of ``process`` and collect its branch coverage."""
    result = ProcessResult(process, branches=branches(process))
    for test in process.tests:
        case, reached = run_case(process, test)
        result.cases.append(case)
        result.reached |= reached
    return result


def show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _coverage(r: ProcessResult, outcome: bool, label: str) -> str:
    total = sum(1 for b in r.branches if b.outcome is outcome)
    hit = total - sum(1 for b in r.uncovered if b.outcome is outcome)
    share = f"{100 * hit / total:.0f} %" if total else "n/a"
    return f"{label} {hit}/{total} ({share})"


def render_text(results: list[ProcessResult]) -> str:
    lines: list[str] = []
    for r in results:
        path = r.process.path
        for case in r.failed:
            t = case.test
            lines.append(f"FAIL {path}:{t.loc.line}:{t.loc.col}: test '{t.name}'")
            given = ", ".join(f"{k}={show(v)}" for k, v in t.given.items())
            lines.append(f"  given: {given}")
            if case.error:
                lines.append(f"  error: {case.error}")
            for m in case.mismatches:
                lines.append(f"  {m.outcome}: expected {show(m.expected)}, got {show(m.actual)}")
                for step in m.path:
                    lines.append(f"    {path}:{step.loc.line}:{step.loc.col}: {step.target} <- {step.rule} = {show(step.result)}")
        passed = len(r.cases) - len(r.failed)
        summary = f"{path}: {passed} of {len(r.cases)} tests passed; " + _coverage(r, True, "outcome branches")
        if any(not b.outcome for b in r.branches):
            summary += "; " + _coverage(r, False, "fact conditions")
        lines.append(summary)
        for b in r.uncovered:
            lines.append(f"  not reached: {path}:{b.loc.line}:{b.loc.col}: {b.description}")
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(results: list[ProcessResult]) -> dict:
    return {"processes": [{
        "process": r.process.name, "file": r.process.path, "tests": len(r.cases), "failed": len(r.failed),
        "failures": [{"test": c.test.name, "line": c.test.loc.line, "error": c.error,
                      "mismatches": [{"outcome": m.outcome, "expected": m.expected, "actual": show(m.actual),
                                      "path": [{"target": s.target, "rule": s.rule, "line": s.loc.line,
                                                "result": show(s.result)} for s in m.path]}
                                     for m in c.mismatches]} for c in r.failed],
        "coverage": {"branches": len(r.branches), "reached": len(r.branches) - len(r.uncovered),
                     "outcome_branches": sum(1 for b in r.branches if b.outcome),
                     "outcome_branches_reached": sum(1 for b in r.branches if b.outcome)
                     - sum(1 for b in r.uncovered if b.outcome),
                     "not_reached": [{"line": b.loc.line, "col": b.loc.col, "branch": b.description,
                                      "kind": "outcome" if b.outcome else "fact condition"}
                                     for b in r.uncovered]},
    } for r in results]}
