"""The next-question engine (analyzer.flow) against the brute-force oracle, and its answer checks.

For every case of small random rule sets and both modes, answering the engine's questions from
the case must reach exactly the outcomes full evaluation gives, asking only questions that are
exactly relevant (or that decide whether a relevant question applies), and asking exactly what
the minimal flow's tree counts for that case in ``askless analyze``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given

from analyzer.expr import names
from analyzer.flow import AnswerError, Decision, Flow, Question
from analyzer.load import load_paths, load_process_document
from analyzer.metrics import MODES
from analyzer.yamlread import read
from tests.conftest import RULES
from tests.oracle import DOES_NOT_APPLY, Oracle, _freeze
from tests.strategies import FiniteRuleSet, finite_rule_sets
from tests.test_metrics import SETTINGS, asked_per_case, engine, load


def run(flow: Flow, case: dict, prefilled: dict) -> tuple[list[str], Decision]:
    answers = dict(prefilled)
    asked: list[str] = []
    for _ in range(len(case) + 2):
        step = flow.next(answers)
        if isinstance(step, Decision):
            return asked, step
        assert step.fact not in answers, step
        asked.append(step.fact)
        answers[step.fact] = case[step.fact]
    raise AssertionError(f"no decision after {asked}")


@SETTINGS
@given(finite_rule_sets())
def test_the_flow_decides_every_case_correctly(rules: FiniteRuleSet) -> None:
    process = load(rules)
    for mode in MODES:
        oracle = Oracle(process, rules, mode)
        flow = Flow(process, mode)
        counted = asked_per_case(oracle, engine(process, mode), "minimal")
        for c, case in enumerate(oracle.cases):
            prefilled = {oracle.facts[i]: case[oracle.facts[i]] for i in oracle.prefilled
                         if oracle.shows[i][c] is not DOES_NOT_APPLY}
            answers = dict(prefilled)
            for _ in range(len(case) + 2):
                step = flow.next(answers)
                if isinstance(step, Decision):
                    break
                assert isinstance(step, Question) and step.exact
                relevant = oracle.relevant(answers)
                gates = {n.name for r in relevant if process.facts[r].applies_if is not None
                         for n in names(process.facts[r].applies_if.tree)}
                assert step.fact in relevant | gates, (rules.text(), answers, step.fact, relevant)
                answers[step.fact] = case[step.fact]
            assert isinstance(step, Decision), rules.text()
            assert tuple(_freeze(step.outcomes[o]) for o in process.outcomes) == oracle.outcomes[c], rules.text()
            assert len(answers) - len(prefilled) == len(counted[c]), (rules.text(), mode, case)


def test_bundled_process_flow_matches_full_evaluation_on_a_population():
    from analyzer import population
    from analyzer.evaluate import Evaluation

    process = load_paths([str(RULES / "ekstra_affald.yaml")]).processes[0]
    for mode in MODES:
        flow = Flow(process, mode)
        for case in population.generate(process, 60, seed=4):
            prefilled = {f.name: case[f.name] for f in process.facts.values()
                         if mode == "logged_in" and f.kind == "register" and case[f.name] is not None}
            asked, decision = run(flow, case, prefilled)
            assert decision.outcomes == Evaluation(process, case).outcomes()
            assert decision.answered == len(asked)
            assert len(set(asked)) == len(asked)


CHECKS = """\
process: svar
title: Svar
law: {id: L}
facts:
  lejer: {type: bool, ask: "Lejer?"}
  alder: {type: int, ask: "Alder?", min: 15, max: 120}
  indkomst: {type: money, ask: "Indkomst?", min: 0}
  valg: {type: choice, choices: [saek, beholder], ask: "Valg?"}
  foedt: {type: date, ask: "Født?", min: 1900-01-01}
outcomes:
  ok: {when: "lejer and alder >= 18 and indkomst < 100 and valg == 'saek' and foedt < date('2000-01-01')", law: "§ 1"}
"""


@pytest.mark.parametrize("key, value, message", [
    ("lejer", "ja", "lejer: 'ja' is not yes or no (true/false)"),
    ("alder", 17.5, "alder: 17.5 is not a whole number"),
    ("alder", 12, "alder: 12 is below the smallest allowed answer, 15"),
    ("alder", True, "alder: True is not a number"),
    ("indkomst", -1, "indkomst: -1 is below the smallest allowed answer, 0"),
    ("valg", "saekk", "valg: 'saekk' is not one of saek, beholder; did you mean 'saek'?"),
    ("foedt", "1. maj 1980", "foedt: '1. maj 1980' is not a date; write it as YYYY-MM-DD"),
    ("foedt", "1899-12-31", "foedt: '1899-12-31' is below the smallest allowed answer, 1900-01-01"),
    ("aldre", 30, "unknown question 'aldre'; did you mean 'alder'?"),
])
def test_bad_answers_say_what_is_wrong(key, value, message):
    process, _ = load_process_document(read("svar.yaml", text=CHECKS))
    with pytest.raises(AnswerError) as info:
        Flow(process).check(key, value)
    assert str(info.value) == message


def test_good_answers_are_normalised():
    process, _ = load_process_document(read("svar.yaml", text=CHECKS))
    flow = Flow(process)
    assert flow.check("alder", 30.0) == 30
    assert flow.check("foedt", "1980-05-01") == dt.date(1980, 5, 1)
    assert flow.check("valg", "saek") == "saek"


def test_a_question_says_why_and_under_which_law():
    process = load_paths([str(RULES / "ekstra_affald.yaml")]).processes[0]
    step = Flow(process, "logged_in").next({"adresse_i_kommunen": True, "ejer": True, "boligtype": "enfamiliehus"})
    assert isinstance(step, Question) and step.exact
    assert step.fact == "valg"
    assert "handling" in step.why
    assert step.law and all(isinstance(ref, str) for ref in step.law)
    assert step.choices and step.text is not None
