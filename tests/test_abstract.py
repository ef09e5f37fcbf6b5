"""Satisfiability on answer classes against a brute force over many more values."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import event, given, settings

from analyzer.abstract import satisfiable
from analyzer.evaluate import Evaluation
from analyzer.load import load_process_document
from analyzer.model import Process
from analyzer.yamlread import read
from tests.strategies import RuleSet, rule_sets


def load(text: str) -> Process:
    process, diagnostics = load_process_document(read("test.yaml", text=text))
    assert process is not None and not diagnostics, diagnostics
    return process


def brute_force(process: Process, grid: dict) -> bool:
    """Whether some case on the grid makes outcome ``o`` true."""
    names = sorted(grid)
    formula = process.outcomes["o"].when
    return any(Evaluation(process, dict(zip(names, combo))).formula(formula) is True
               for combo in itertools.product(*(grid[n] for n in names)))


@settings(max_examples=150)
@given(rule_sets())
def test_satisfiable_agrees_with_brute_force(rules: RuleSet):
    process = load(rules.text)
    got = satisfiable(process, process.outcomes["o"].when)
    assert got is not None, rules.text  # comparisons with constants are always decidable
    event(f"satisfiable: {got}")
    assert got == brute_force(process, rules.grid), rules.text


def one_outcome(facts: str, when: str, constants: str = "") -> Process:
    return load(f"process: t\ntitle: T\n{constants}facts:\n{facts}outcomes:\n  o: {{when: \"{when}\"}}\n")


@pytest.mark.parametrize(("facts", "when", "expected"), [
    ("  x: {type: int}\n", "x > 2 and x < 3", False),
    ("  x: {type: int}\n", "x > 2.5 and x < 3.5", True),
    ("  x: {type: int}\n", "x < -3 and x > -5", True),
    ("  x: {type: int}\n", "x > -3 and x < -4", False),
    ("  x: {type: int, min: 0}\n", "x < 0", False),
    ("  x: {type: int, min: 0, max: 10}\n", "x > 3 and x < 5", True),
    ("  x: {type: int, min: 3, max: 7}\n", "x > 0 and x < 10 and x != 3 and x != 7", True),
    ("  r: {type: number}\n", "r > 1000000.5 and r < 1000001", True),
    ("  r: {type: number}\n", "r > 2 and r < 2.000001", True),
    ("  r: {type: number, min: 4.6}\n", "r < 5", True),
    ("  r: {type: number, min: 4.6, max: 5.4}\n", "r > 5", True),
    ("  r: {type: number, min: 4.6, max: 5.4}\n", "r > 5.4 or r < 4.6", False),
    ("  p: {type: bool}\n  x: {type: int}\n", "p and not p", False),
    ("  x: {type: int}\n", "x in [1, 2] and x not in [1, 2]", False),
], ids=lambda x: x if isinstance(x, str) and "type" not in x else None)
def test_satisfiable_by_hand(facts, when, expected):
    process = one_outcome(facts, when)
    assert satisfiable(process, process.outcomes["o"].when) is expected


def test_named_negative_constants_are_decidable():
    process = one_outcome("  x: {type: int}\n", "x < k and x > -8", "constants:\n  k: {value: -7}\n")
    assert satisfiable(process, process.outcomes["o"].when) is False
