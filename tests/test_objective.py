"""The ``time`` objective: flows that minimise answering time instead of the number of questions.

The optimum under the time objective must equal a brute force that charges each question its
seconds (tests/oracle.py with ``cost``); it can only beat the question-count flows on time; and
when every question takes the same time (one second) every tree is the question-count tree.
The simulated flow (analyzer.montecarlo) weighs its greedy choice per second in the same way.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given

from analyzer import burden, finite, montecarlo, policies
from analyzer.load import load_process_document
from analyzer.metrics import MODES, analyze
from analyzer.yamlread import read
from cli import main
from tests.oracle import Oracle
from tests.strategies import FiniteRuleSet, finite_rule_sets
from tests.test_metrics import SETTINGS, TOLERANCE, load


def spaces(process, mode: str, objective: str, assumptions: burden.Assumptions) -> list[policies.Space]:
    model = finite.build(process)
    assert model.exact
    return [policies.Space.of(model, c, mode, lambda v: assumptions.seconds_for(model.variables[v].fact.type),
                              objective) for c in model.components]


def seconds_of(space: policies.Space, tree: policies.Tree) -> float:
    p = space.component.p
    return sum(p[r] * sum(space.seconds[q] for q in path) for r, path in tree.asked.items())


@SETTINGS
@given(finite_rule_sets())
def test_the_time_optimum_equals_the_brute_force(rules: FiniteRuleSet) -> None:
    process = load(rules)
    a = burden.Assumptions()
    cost = {f.name: a.seconds_for(f.type) for f in rules.facts}
    for mode in MODES:
        found = spaces(process, mode, "time", a)
        engine = sum(seconds_of(s, policies.run(s, "optimal")) for s in found)
        assert engine == pytest.approx(Oracle(process, rules, mode, cost).optimum(), abs=TOLERANCE), (mode, rules.text())


@SETTINGS
@given(finite_rule_sets())
def test_the_time_flows_cost_no_more_time_than_the_question_flows(rules: FiniteRuleSet) -> None:
    process = load(rules)
    a = burden.Assumptions()
    for mode in MODES:
        timed = spaces(process, mode, "time", a)
        counted = spaces(process, mode, "questions", a)
        optimal = sum(seconds_of(s, policies.run(s, "optimal")) for s in timed)
        minimal = sum(seconds_of(s, policies.run(s, "minimal")) for s in timed)
        for policy in ("form_order", "greedy", "minimal", "optimal"):
            assert optimal <= sum(seconds_of(s, policies.run(s, policy)) for s in counted) + TOLERANCE, policy
        assert optimal <= minimal + TOLERANCE
        # the minimal flow is the better of greedy and form order, on time
        for policy in ("form_order", "greedy"):
            assert minimal <= sum(seconds_of(s, policies.run(s, policy)) for s in timed) + TOLERANCE


@SETTINGS
@given(finite_rule_sets())
def test_one_second_per_question_gives_the_question_trees(rules: FiniteRuleSet) -> None:
    process = load(rules)
    a = burden.Assumptions(seconds={t: 1.0 for t in burden.DEFAULT_SECONDS})
    for mode in MODES:
        for timed, counted in zip(spaces(process, mode, "time", a), spaces(process, mode, "questions", a)):
            for policy in policies.POLICIES:
                assert policies.run(timed, policy).asked == policies.run(counted, policy).asked, (mode, policy)


CHEAP_LAST = """\
process: t
title: {da: t}
facts:
  husleje: {type: money, ask: "Husleje?", min: 0, max: 20000, prior: [{upto: 5000, p: 0.5}, {p: 0.5}]}
  lejer: {type: bool, ask: "Lejer?", p_true: 0.5}
outcomes:
  stoette: {when: husleje > 5000 and lejer}
"""


def test_the_simulated_greedy_asks_the_quicker_question_first_under_the_time_objective() -> None:
    process, diagnostics = load_process_document(read("t.yaml", text=CHEAP_LAST))
    assert process is not None and not diagnostics, diagnostics
    variables = finite.variables(process)
    order = {(v.group, v.index, v.fact.name): i for i, v in enumerate(variables)}
    a = burden.Assumptions()
    seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    case = {"husleje": 6000, "lejer": True}
    first = {objective: montecarlo.simulate(process, case, "anonymous", "greedy", order, seconds,
                                            objective=objective).asked[0][2] for objective in ("questions", "time")}
    # both are read by the one undecided outcome: by count the file's order decides, by time the
    # yes/no question (10 s) goes before the amount (45 s)
    assert first == {"questions": "husleje", "time": "lejer"}


def test_analyze_reports_the_objective_and_the_expected_seconds() -> None:
    result = CliRunner().invoke(main, ["analyze", "rules/ekstra_affald.yaml", "--objective", "time",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["processes"][0]
    assert data["objective"] == "time"
    for mode in MODES:
        block = data["modes"][mode]["flow"]
        assert block["expected_seconds"]["value"] == pytest.approx(
            data["modes"][mode]["burden"]["flow"]["seconds_per_application"], abs=0.051)
        assert "answering time" in block["expected"]["method"]
    plain = CliRunner().invoke(main, ["analyze", "rules/ekstra_affald.yaml", "--format", "json"])
    assert "objective" not in json.loads(plain.output)["processes"][0]


def test_an_unknown_objective_is_refused() -> None:
    with pytest.raises(ValueError, match="objective"):
        analyze(load_process_document(read("t.yaml", text=CHEAP_LAST))[0], objective="speed")
