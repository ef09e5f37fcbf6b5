"""The SurveyJS export, run in the real SurveyJS library (survey-core, in Node) on sample cases.

The reference is the three-valued flow of analyzer.kleene: at each step the first question in
form order that is in the support of an undecided outcome (the question analyzer.flow's fallback
asks, in the form's order), until none is left; the outcomes must then be those of the exact
interpreter (analyzer.evaluate) on the full case. The same check runs on the compiler's own
reference interpreter (flowcompile.run), which needs no Node, on random rule sets.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings

from analyzer import flowcompile, population
from analyzer.evaluate import Evaluation
from analyzer.exports import surveyjs
from analyzer.kleene import UNKNOWN, PartialEvaluation
from analyzer.load import load_paths
from analyzer.model import Process
from tests.conftest import RULES
from tests.strategies import FiniteRuleSet, finite_rule_sets
from tests.test_metrics import load

JS = Path(__file__).parent / "js"
PROCESSES = ("ekstra_affald", "oekonomisk_friplads", "byggetilladelse", "boligstoette")
MODES = ("anonymous", "logged_in")


def process_of(name: str) -> Process:
    return load_paths([str(RULES / f"{name}.yaml")]).processes[0]


# -- the reference: kleene's support, in form order ------------------------------------------

def form_position(process: Process):
    """Sort key of a support item (group, member, fact) in the form's order: process-level facts
    in file order, then each group's panels, member by member."""
    top = [f.name for f in process.facts.values()]
    groups = list(process.groups)
    def key(item: tuple) -> tuple:
        group, member, name = item
        if group is None:
            return (0, top.index(name), 0, 0)
        return (1, groups.index(group), member, list(process.groups[group].facts).index(name))
    return key


def prefill(process: Process, case: dict, mode: str) -> dict:
    """The register facts of ``case`` in logged_in mode (what the host page sets), else {}."""
    if mode != "logged_in":
        return {}
    given = {f.name: case[f.name] for f in process.facts.values()
             if f.is_input and not f.asked(mode) and case.get(f.name) is not None}
    for group in process.groups.values():
        names = [f.name for f in group.facts.values() if f.is_input and not f.asked(mode)]
        if names and case.get(group.name):
            given[group.name] = [{n: row[n] for n in names if row.get(n) is not None} for row in case[group.name]]
    return given


def _put(process: Process, answers: dict, case: dict, item: tuple) -> str:
    group, member, name = item
    if group is None:
        answers[name] = case[name]
        return name
    rows = answers.setdefault(group, [])
    while len(rows) < member:
        rows.append({})
    rows[member - 1][name] = case[group][member - 1][name]
    return f"{group}.{member}.{name}"


def reference_flow(process: Process, case: dict, mode: str) -> list[str]:
    """The questions the three-valued flow asks ``case``, in the form's order."""
    answers = copy.deepcopy(prefill(process, case, mode))
    key = form_position(process)
    asked: list[str] = []
    while True:
        supports = PartialEvaluation(process, copy.deepcopy(answers)).supports()
        items = sorted({item for s in supports.values() for item in s}, key=key)
        items = [(g, m, n) for g, m, n in items
                 if (process.groups[g].facts[n] if g else process.facts[n]).asked(mode)]
        if not items:
            return asked
        asked.append(_put(process, answers, case, items[0]))


def ir_flow(program: flowcompile.Program, case: dict) -> tuple[list[str], dict]:
    """Fill the form as the Node script does, with the compiler's reference interpreter."""
    process = program.process
    answers = copy.deepcopy(prefill(process, case, program.mode))
    asked: list[str] = []
    while True:
        visible, outcomes = flowcompile.run(program, answers)
        todo = [v for v in visible if not _answered(answers, v)]
        if not todo:
            return asked, outcomes
        parts = todo[0].split(".")
        item = (parts[0], int(parts[1]), parts[2]) if len(parts) == 3 else (None, None, parts[0])
        asked.append(_put(process, answers, case, item))


def _answered(answers: dict, key: str) -> bool:
    parts = key.split(".")
    if len(parts) == 1:
        return answers.get(key) is not None
    rows = answers.get(parts[0]) or []
    return int(parts[1]) <= len(rows) and rows[int(parts[1]) - 1].get(parts[2]) is not None


def same_value(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def cases_of(process: Process, rows: int = 25, seed: int = 7) -> list[dict]:
    return population.generate(process, rows, seed)


# -- the compiler's interpreter (no Node) -----------------------------------------------------

@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_program_reproduces_the_kleene_flow_on_bundled_processes(name: str, mode: str) -> None:
    process = process_of(name)
    program = flowcompile.compile_process(process, mode)
    for case in cases_of(process, 12 if name == "boligstoette" else 25):
        asked, outcomes = ir_flow(program, case)
        assert asked == reference_flow(process, case, mode), case
        expected = Evaluation(process, case).outcomes()
        assert all(same_value(outcomes[o], expected[o]) for o in expected), (case, outcomes, expected)


@pytest.mark.parametrize("name", ["boligstoette", "byggetilladelse"])
@pytest.mark.parametrize("mode", MODES)
def test_program_asks_what_the_flow_engine_asks_where_the_exact_model_is_too_large(name: str, mode: str) -> None:
    """analyzer.flow falls back to three-valued evaluation on these processes: same questions."""
    from analyzer.flow import Decision, Flow

    process = process_of(name)
    flow = Flow(process, mode)
    assert flow.model is None
    program = flowcompile.compile_process(process, mode)
    for case in cases_of(process, 8, seed=21):
        answers = copy.deepcopy(prefill(process, case, mode))
        asked = []
        while not isinstance(step := flow.next(copy.deepcopy(answers)), Decision):
            group, _, fact = step.fact.rpartition(".")
            asked.append(_put(process, answers, case, (group or None, step.member, fact)))
        assert asked == ir_flow(program, case)[0], case
        assert step.outcomes == Evaluation(process, case).outcomes()


@settings(max_examples=60, deadline=None)
@given(finite_rule_sets())
def test_program_reproduces_the_kleene_flow_on_random_rule_sets(rules: FiniteRuleSet) -> None:
    process = load(rules)
    for mode in MODES:
        program = flowcompile.compile_process(process, mode)
        for case in population.generate(process, 12, seed=3):
            asked, outcomes = ir_flow(program, case)
            assert asked == reference_flow(process, case, mode), rules.text()
            assert outcomes == Evaluation(process, case).outcomes(), rules.text()


def test_partial_answers_give_kleene_decisions_and_support() -> None:
    """Mid-flow, the program's known outcomes and visible unanswered questions are kleene's."""
    process = process_of("boligstoette")
    program = flowcompile.compile_process(process)
    case = cases_of(process, 1, seed=11)[0]
    answers: dict = {}
    for key in reference_flow(process, case, "anonymous"):
        visible, outcomes = flowcompile.run(program, answers)
        partial = PartialEvaluation(process, copy.deepcopy(answers))
        for name in process.outcomes:
            assert (outcomes[name] == flowcompile.UNKNOWN) == (partial.get(name) is UNKNOWN)
        assert key in visible
        parts = key.split(".")
        item = (parts[0], int(parts[1]), parts[2]) if len(parts) == 3 else (None, None, parts[0])
        _put(process, answers, case, item)


def test_a_construct_the_exports_cannot_express_is_named(tmp_path: Path) -> None:
    text = ("process: datoer\ntitle: {da: Datoer}\nfacts:\n  foedt: {type: date, ask: {da: Hvornår er du født?}}\n"
            "outcomes:\n  voksen: {when: \"years_between(foedt, date('2026-01-01')) >= 18\"}\n")
    path = tmp_path / "datoer.yaml"
    path.write_text(text, encoding="utf-8")
    process = load_paths([str(path)]).processes[0]
    with pytest.raises(flowcompile.Unsupported, match=r"function years_between\(\) \(outcome 'voksen'\)"):
        flowcompile.compile_process(process)


# -- the real SurveyJS library ------------------------------------------------------------------

def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the SurveyJS export cannot be run in survey-core")
    if not (JS / "node_modules" / "survey-core").is_dir():
        pytest.skip("tests/js/node_modules/survey-core is missing (npm ci in tests/js)")
    return node


def run_in_surveyjs(program: flowcompile.Program, cases: list[dict]) -> list[dict]:
    """Run the export of ``program`` in survey-core on ``cases`` (see tests/js/surveyjs_run.mjs)."""
    node = _node()
    payload = {
        "survey": surveyjs.render(program),
        "outcomes": surveyjs.outcome_expressions(program),
        "runs": [{"prefill": prefill(program.process, c, program.mode), "case": c} for c in cases],
    }
    done = subprocess.run([node, str(JS / "surveyjs_run.mjs")], input=json.dumps(payload, default=str),
                          capture_output=True, text=True, cwd=JS, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def surveyjs_outcome(process: Process, name: str, got: dict):
    if not got["known"]:
        return flowcompile.UNKNOWN
    if got["nul"]:
        return None
    value = got["value"]
    if process.outcomes[name].kind == "items":
        return [x for x in (value or "").split("|") if x]
    return value


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_surveyjs_shows_the_flows_questions_and_computes_the_outcomes(name: str, mode: str) -> None:
    process = process_of(name)
    program = flowcompile.compile_process(process, mode)
    # SurveyJS needs about 0.1 s of CPU an answer on the large processes: a few cases each here,
    # many more through the compiler's interpreter above
    cases = cases_of(process, 3 if name in ("boligstoette", "byggetilladelse") else 6, seed=13)
    results = run_in_surveyjs(program, cases)
    for case, result in zip(cases, results):
        assert result["error"] is None, (case, result)
        assert result["asked"] == reference_flow(process, case, mode), case
        expected = Evaluation(process, case).outcomes()
        got = {o: surveyjs_outcome(process, o, result["outcomes"][o]) for o in expected}
        assert all(same_value(got[o], expected[o]) for o in expected), (case, got, expected)
        assert result["decided"] is True
        for o in expected:  # the decision element of each outcome: its value in survey.data
            if process.outcomes[o].kind != "items":
                shown = result["data"].get(o)
                assert (shown in (None, "")) if expected[o] is None else same_value(shown, expected[o]), (o, case)


@settings(max_examples=10, deadline=None)
@given(finite_rule_sets())
def test_surveyjs_runs_random_rule_sets_like_the_kleene_flow(rules: FiniteRuleSet) -> None:
    process = load(rules)
    program = flowcompile.compile_process(process, "anonymous")
    cases = population.generate(process, 8, seed=5)
    for case, result in zip(cases, run_in_surveyjs(program, cases)):
        assert result["asked"] == reference_flow(process, case, "anonymous"), rules.text()
        expected = Evaluation(process, case).outcomes()
        got = {o: surveyjs_outcome(process, o, result["outcomes"][o]) for o in expected}
        assert got == expected, (rules.text(), case, got)


def test_surveyjs_export_is_deterministic() -> None:
    process = process_of("boligstoette")
    first = json.dumps(surveyjs.render(flowcompile.compile_process(process)), sort_keys=True)
    second = json.dumps(surveyjs.render(flowcompile.compile_process(process_of("boligstoette"))), sort_keys=True)
    assert first == second


# -- the command ----------------------------------------------------------------------------------

def test_cli_writes_the_surveyjs_form_and_names_what_it_cannot_express(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    runner = CliRunner()
    out = tmp_path / "flow.json"
    done = runner.invoke(main, ["flow", str(RULES / "boligstoette.yaml"), "--format", "surveyjs", "-o", str(out)])
    assert done.exit_code == 0, done.output
    form = json.loads(out.read_text(encoding="utf-8"))
    assert form["clearInvisibleValues"] == "none" and form["pages"][0]["elements"][0]["name"] == "lejer"
    again = runner.invoke(main, ["flow", str(RULES / "boligstoette.yaml"), "--format", "surveyjs", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    dates = tmp_path / "datoer.yaml"
    dates.write_text("process: datoer\ntitle: {da: Datoer}\nfacts:\n  foedt: {type: date, ask: {da: Født?}}\n"
                     "outcomes:\n  voksen: {when: \"years_between(foedt, date('2026-01-01')) >= 18\"}\n",
                     encoding="utf-8")
    failed = runner.invoke(main, ["flow", str(dates), "--format", "surveyjs"])
    assert failed.exit_code == 2
    assert f"{dates}:6:3: [error] the surveyjs export cannot express the rules: function years_between()" \
        in failed.output
    assert "Traceback" not in failed.output


def test_a_program_beyond_its_budget_is_refused_not_truncated(monkeypatch) -> None:
    monkeypatch.setattr(flowcompile, "MAX_DEFS", 50)
    with pytest.raises(flowcompile.Unsupported, match="exceeds its budget"):
        flowcompile.compile_process(process_of("boligstoette"))


def test_group_members_have_one_visibility_each_and_the_count_bounds_them() -> None:
    program = flowcompile.compile_process(process_of("boligstoette"))
    member = next(q for q in program.questions if q.group == "voksne")
    assert len(member.visible) == 3  # antal_voksne has max 3
    case = {"lejer": True, "helaarsbolig": True, "eget_koekken": True, "antal_voksne": 2}
    visible, _ = flowcompile.run(program, case)
    assert not any(v.startswith("voksne.3.") for v in visible)
