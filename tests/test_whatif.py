"""`askless whatif` (analyzer/whatif.py): metrics before/after and the decisions that change.

Decision changes are checked against a brute-force comparison that does not go through
:func:`analyzer.scenario.apply`: the same edit made to the rule file's text, loaded afresh, and
every full case of a generated rule set decided under both.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import scenario, whatif
from analyzer.evaluate import Evaluation
from analyzer.load import load_file, load_process_document
from analyzer.metrics import analyze
from analyzer.model import Process, Text
from analyzer.scenario import DropCondition, Scenario, SetConstant, apply
from analyzer.yamlread import read
from cli import main
from tests.oracle import Oracle
from tests.strategies import FiniteRuleSet, finite_rule_sets

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO = HERE / "broken_scenarios" / "demo.rules.yaml"
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def demo() -> Process:
    process, diagnostics = load_file(str(DEMO))
    assert process is not None and not diagnostics
    return process


# -- decision changes against brute force ------------------------------------------------------

CONSTANT = "constants:\n  k: {value: %d, valid_from: 2026-01-01, source: test}\n"


def text_with(rules: FiniteRuleSet, k: int) -> str:
    """The rule text with a constant k that an extra outcome compares the first fact with."""
    first = rules.facts[0]
    cond = {"bool": first.name, "int": f"{first.name} >= k"}.get(first.type, f"{first.name} == '{first.values[0]}'")
    if first.type != "int":
        cond += " and k >= 2"
    return CONSTANT % k + rules.text().replace("outcomes:\n", f'outcomes:\n  over_k: {{when: "{cond}"}}\n')


def load_text(text: str) -> Process:
    process, diagnostics = load_process_document(read("t.yaml", text=text))
    assert process is not None and not [d for d in diagnostics if d.severity == "error"], diagnostics
    return process


@SETTINGS
@given(finite_rule_sets(), st.integers(0, 4), st.integers(0, 4))
def test_decision_changes_match_a_brute_force_comparison(rules, old, new):
    before = load_text(text_with(rules, old))
    edited = load_text(text_with(rules, new))  # the oracle's "after": the file edited, not apply()
    cases = Oracle(before, rules, "anonymous").cases
    changes = whatif.decision_changes(before, apply(before, [SetConstant("k", new)]), cases)
    changed, per, directions = 0, {}, {}
    for case in cases:
        a = Evaluation(before, dict(case)).outcomes()
        b = Evaluation(edited, dict(case)).outcomes()
        differ = [o for o in a if a[o] != b[o]]
        changed += bool(differ)
        for o in differ:
            per[o] = per.get(o, 0) + 1
            if isinstance(a[o], bool) and isinstance(b[o], bool):
                key = (o, "yes->no" if a[o] else "no->yes")
                directions[key] = directions.get(key, 0) + 1
    assert (changes.cases, changes.changed) == (len(cases), changed)
    assert {s.outcome: s.changed for s in changes.by_outcome} == per
    got = {(s.outcome, d): n for s in changes.by_outcome for d, n in s.directions if d in ("yes->no", "no->yes")}
    assert got == directions
    assert len(changes.samples) == min(whatif.SAMPLES, changed)
    if old == new:
        assert changes.changed == 0 and changes.by_outcome == ()


def test_amounts_move_with_mean_and_extremes():
    p = demo()
    q = apply(p, [SetConstant("graense", 120)])
    base = {"lejer": True, "pensionist": False, "alder": 30, "partner": False}
    cases = [dict(base, indkomst=i) for i in (10, 50, 110, 500)]
    c = whatif.decision_changes(p, q, cases)
    assert (c.cases, c.changed) == (4, 3)
    shift = {s.outcome: s for s in c.by_outcome}
    assert shift["beloeb"].directions == (("not decided->decided", 1), ("up", 2))
    assert (shift["beloeb"].mean_change, shift["beloeb"].largest_rise, shift["beloeb"].largest_fall) == (20, 20, None)
    assert shift["berettiget"].directions == (("no->yes", 1),)
    assert [s.row for s in c.samples] == [1, 2, 3]


def test_a_question_that_newly_applies_is_missing_not_a_change():
    p = demo()
    q = apply(p, [DropCondition("partner", fact="partner_indkomst")])
    base = {"lejer": True, "pensionist": False, "alder": 30, "indkomst": 10}
    cases = [dict(base, partner=False, partner_indkomst=None), dict(base, partner=True, partner_indkomst=5)]
    c = whatif.decision_changes(p, q, cases)
    assert c.missing_after == (("partner_indkomst", 1),) and c.cases == 1 and c.changed == 0


def test_a_case_the_old_rules_cannot_decide_is_counted_apart():
    p = demo()
    cases = [{"lejer": True, "pensionist": False, "alder": 30, "partner": False, "indkomst": None}]
    c = whatif.decision_changes(p, p, cases)
    assert (c.undecidable_before, c.cases, c.share) == (1, 0, None)


def test_sets_move_item_by_item():
    assert whatif._directions(["a", "b"], ["b", "c"]) == ["-a", "+c"]
    assert whatif._directions(True, False) == ["yes->no"]
    assert whatif._directions(None, 3) == ["not decided->decided"]
    assert whatif._directions("x", "y") == ["x->y"]


# -- metrics -----------------------------------------------------------------------------------

def test_metrics_keep_kinds_and_flag_a_change_of_method():
    p = demo()
    before = analyze(p)
    rows = whatif.compare_metrics(before, before)
    assert {r.mode for r in rows} == {"anonymous", "logged_in"}
    assert all(r.delta in (0, None) and r.same_method for r in rows)
    flow = next(r for r in rows if r.figure == "flow.expected" and r.mode == "anonymous")
    assert flow.kind_before == before["modes"]["anonymous"]["flow"]["expected"]["kind"]

    after = copy.deepcopy(before)
    after["modes"]["anonymous"]["flow"]["expected"]["kind"] = "bound"  # differs from either
    changed = whatif.compare_metrics(before, after)
    assert [r.figure for r in changed if not r.same_method] == ["flow.expected"]
    ci = copy.deepcopy(before)
    ci["modes"]["anonymous"]["flow"]["expected"]["method"] += "; 95 % confidence interval ±0.21"
    after_ci = copy.deepcopy(before)
    after_ci["modes"]["anonymous"]["flow"]["expected"]["method"] += "; 95 % confidence interval ±0.23"
    assert all(r.same_method for r in whatif.compare_metrics(ci, after_ci))


def test_run_reports_removed_and_prefilled_questions_and_new_warnings():
    s = Scenario("s", Text("S"), "demo", (scenario.Prefill("pensionist", "UDK"),
                                         scenario.DropCase("ordning", "pensionist")), None)
    w = whatif.run(demo(), s, rows=200, seed=3)
    assert w.prefilled_questions == ("pensionist",) and w.removed_questions == ()
    assert any("'pensionist' is not used" in text for text in w.warnings)
    assert w.population.source == "sample" and w.population.rows == 200
    assert whatif.render(w, "json") == whatif.render(whatif.run(demo(), s, rows=200, seed=3), "json")


# -- the command -------------------------------------------------------------------------------

SCENARIO = """\
scenario: hoejere-graense
title: {da: Højere grænse, en: A higher limit}
process: demo
changes:
  - set_constant: {constant: graense, value: 120}
"""
POPULATION = "lejer,pensionist,alder,indkomst,partner,partner_indkomst\n" + "".join(
    f"true,false,30,{i},false,\n" for i in (10, 50, 110, 500))


@pytest.fixture
def files(tmp_path):
    s = tmp_path / "s.yaml"
    s.write_text(SCENARIO, encoding="utf-8")
    pop = tmp_path / "pop.csv"
    pop.write_text(POPULATION, encoding="utf-8")
    return s, pop


def test_cli_table_on_a_population_file(runner, files):
    s, pop = files
    result = runner.invoke(main, ["whatif", str(DEMO), "--scenario", str(s), "--population", str(pop)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "hoejere-graense: A higher limit" in out
    assert f"Population: the 4 cases of {pop}." in out
    assert "3 of 4 cases (75.0 %) get at least one different decision" in out
    assert "beloeb" in out and "mean 20" in out


def test_cli_json_is_deterministic_and_complete(runner, files):
    s, _ = files
    args = ["whatif", str(DEMO), "--scenario", str(s), "--format", "json", "--rows", "300"]
    first, second = runner.invoke(main, args), runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["population"] == {"source": "sample", "rows": 300, "file": None, "seed": 1,
                                  "description": data["population"]["description"]}
    assert data["decisions"]["kind"] == "exact" and data["decisions"]["cases"] == 300
    assert {m["mode"] for m in data["metrics"]} == {"anonymous", "logged_in"}
    assert all(m["kind_before"] in ("exact", "bound", "estimate") for m in data["metrics"])


def test_cli_markdown(runner, files):
    s, _ = files
    result = runner.invoke(main, ["whatif", str(DEMO), "--scenario", str(s), "--format", "markdown", "--rows", "50"])
    assert result.exit_code == 0 and result.stdout.startswith("## hoejere-graense: A higher limit")
    assert "| mode " in result.stdout


@pytest.mark.parametrize("name", ["unknown-fact.yaml", "yaml-syntax.yaml", "type-mismatch.yaml"])
def test_cli_broken_scenario_exits_2_with_located_findings(runner, name):
    path = HERE / "broken_scenarios" / name
    result = runner.invoke(main, ["whatif", str(DEMO), "--scenario", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:") and "Traceback" not in result.output
    assert "askless whatif: the scenario does not apply" in result.stderr


def test_cli_wrong_process_and_missing_file(runner, files, tmp_path):
    s, _ = files
    other = ROOT / "rules" / "ekstra_affald.yaml"
    result = runner.invoke(main, ["whatif", str(other), "--scenario", str(s)])
    assert result.exit_code == 2 and "is for process 'demo', but the rule file holds 'ekstra_affald'" in result.stderr
    result = runner.invoke(main, ["whatif", str(DEMO), "--scenario", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "(unreadable)" in result.stderr


def test_cli_output_file_is_not_overwritten_without_force(runner, files, tmp_path):
    s, _ = files
    out = tmp_path / "report.md"
    out.write_text("mine", encoding="utf-8")
    args = ["whatif", str(DEMO), "--scenario", str(s), "--rows", "20", "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and out.read_text(encoding="utf-8") == "mine"
    result = runner.invoke(main, [*args, "--force"])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("hoejere-graense")


@pytest.mark.parametrize("name", ["ekstra-affald-beholder-uden-forbehold.yaml", "friplads-uden-indsat-regel.yaml"])
def test_bundled_scenarios_run(name):
    s = scenario.load(str(ROOT / "examples" / "scenarios" / name))
    process, _ = load_file(str(ROOT / "rules" / f"{s.process}.yaml"))
    w = whatif.run(process, s, rows=300)
    assert w.removed_questions and w.decisions.cases == 300
