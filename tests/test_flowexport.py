"""The exported flow (analyzer.flowexport, askless flow) against the brute-force oracle and the
minimal flow's tree: following the DAG with a case's answers reaches that case's outcomes, after exactly
the questions the minimal flow asks it, and every node's expected / best / worst questions are
those of the cases that pass through it. Plus the CLI: schema, overwrite protection, --compare,
a process too large for the exact flow.
"""

from __future__ import annotations

import json
import textwrap
from importlib import resources

import jsonschema
import pytest
from hypothesis import given

from analyzer import finite, flowexport, policies
from analyzer.load import load_paths, load_process_document
from analyzer.metrics import MODES, analyze
from analyzer.rows import class_of
from analyzer.yamlread import read
from cli import main
from tests.conftest import RULES
from tests.oracle import DOES_NOT_APPLY, Oracle
from tests.strategies import FiniteRuleSet, finite_rule_sets
from tests.test_metrics import SETTINGS, asked_per_case, engine, load

TOLERANCE = 1e-5


def schema() -> dict:
    return json.loads(resources.files("analyzer.schema").joinpath("flow.schema.json").read_text(encoding="utf-8"))


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator(schema()).validate(data)


def walk(component: dict, label_of) -> tuple[list[dict], dict]:
    """The nodes from the root to a decision, choosing each edge by ``label_of(variable)`` (and,
    at the prefilled node, every register fact's label); returns the path and the leaf."""
    nodes = {n["id"]: n for n in component["nodes"]}
    node = nodes[component["root"]]
    path = []
    while node["kind"] != "decision":
        path.append(node)
        if node["kind"] == "prefilled":
            edges = [e for e in node["edges"] if all(label_of(v) == label for v, label in e["given"].items())]
        else:
            edges = [e for e in node["edges"] if e["label"] == label_of(node["variable"])]
        assert len(edges) == 1, (node, [label_of(v) for v in node.get("facts", [node.get("variable")])])
        node = nodes[edges[0]["to"]]
    return path, node


@SETTINGS
@given(finite_rule_sets())
def test_following_the_dag_decides_each_case_as_the_minimal_flow_does(rules: FiniteRuleSet) -> None:
    process = load(rules)
    model = finite.build(process)
    var_of = {v.id: v for v in model.variables}
    for mode in MODES:
        oracle = Oracle(process, rules, mode)
        figures = engine(process, mode)
        counted = asked_per_case(oracle, figures, "minimal")
        data = json.loads(json.dumps(flowexport.export(process, mode), sort_keys=True))
        validate(data)
        index = {name: i for i, name in enumerate(oracle.facts)}
        # per component and node: (probability, questions still to come) of each case through it
        through: dict[tuple[int, int], list[tuple[float, int]]] = {}
        for c, case in enumerate(oracle.cases):

            def label_of(variable: str) -> str:  # called within this iteration only
                shown = oracle.shows[index[variable]][c]  # noqa: B023
                if shown is DOES_NOT_APPLY:
                    return "does not apply"
                var = var_of[variable]
                return var.classes[class_of(var, shown)].label

            questions = 0
            outcomes: dict = {}
            for component in data["components"]:
                path, leaf = walk(component, label_of)
                asked = [n for n in path if n["kind"] == "question"]
                for i, node in enumerate(path):
                    left = len([n for n in path[i:] if n["kind"] == "question"])
                    through.setdefault((component["id"], node["id"]), []).append((oracle.p[c], left))
                through.setdefault((component["id"], leaf["id"]), []).append((oracle.p[c], 0))
                questions += len(asked)
                assert not {n["variable"] for n in asked} & {oracle.facts[i] for i in oracle.prefilled}
                assert leaf["decided"], (rules.text(), mode, case)
                outcomes.update(leaf["outcomes"])
            expected = tuple(json.loads(json.dumps(list(v) if isinstance(v, tuple) else v)) for v in oracle.outcomes[c])
            assert tuple(outcomes[o] for o in process.outcomes) == expected, (rules.text(), mode, case)
            assert questions == len(counted[c]), (rules.text(), mode, case)
        # annotations: every node's figures are those of the cases through it
        for component in data["components"]:
            for node in component["nodes"]:
                cases = through.get((component["id"], node["id"]))
                assert cases, ("a node no case reaches", node)
                mass = sum(p for p, _ in cases)
                assert node["probability"] == pytest.approx(mass, abs=TOLERANCE)
                assert node["expected"] == pytest.approx(sum(p * n for p, n in cases) / mass, abs=TOLERANCE)
                assert node["worst"] == max(n for _, n in cases)
                assert node["best"] == min(n for _, n in cases)
        # the root's expectation is the minimal flow's tree's, per component and in total
        for component, space, tree in zip(data["components"], figures["spaces"], figures["trees"]["minimal"]):
            minimal = sum(space.component.p[r] * len(path) for r, path in tree.asked.items())
            assert component["expected"] == pytest.approx(minimal, abs=TOLERANCE)
            assert component["worst"] == max(len(path) for path in tree.asked.values())
            assert component["policy"] == policies.minimal_policy(space)
        assert data["expected"] == pytest.approx(figures["minimal"], abs=TOLERANCE)


@SETTINGS
@given(finite_rule_sets())
def test_equal_residual_situations_are_one_node(rules: FiniteRuleSet) -> None:
    """Node ids run 0..n-1 breadth first, edges point forward (acyclic), and the DAG has no more
    nodes than the minimal flow's tree."""
    process = load(rules)
    for mode in MODES:
        figures = engine(process, mode)
        data = flowexport.export(process, mode)
        assert len(data["components"]) == len(figures["spaces"])
        if len(data["components"]) > 1:
            assert "interleaving" in data["interleaving"]
        for component, tree in zip(data["components"], figures["trees"]["minimal"]):
            ids = [n["id"] for n in component["nodes"]]
            assert ids == list(range(len(ids)))
            for node in component["nodes"]:
                for edge in node.get("edges", []):
                    assert edge["to"] > node["id"]
            extra = 1 if component["nodes"][0]["kind"] == "prefilled" else 0
            assert len(ids) <= tree.nodes + extra


def test_bundled_flow_matches_analyze_and_the_schema():
    process = load_paths([str(RULES / "ekstra_affald.yaml")]).processes[0]
    figures = analyze(process)
    for mode in MODES:
        data = flowexport.export(process, mode)
        validate(json.loads(json.dumps(data)))
        flow = figures["modes"][mode]["flow"]
        assert round(data["expected"], 3) == flow["expected"]["value"]
        assert data["worst"] == flow["worst"]["value"] and data["best"] == flow["best"]["value"]
    root = flowexport.export(process, "anonymous")["components"][0]["nodes"][0]
    assert root["kind"] == "question" and root["text"]["da"] and root["why"] and root["law"]


def _seconds_still_to_come(component: dict, node_id: int, seconds: dict[str, float]) -> float:
    """An oracle for a node's expected seconds: over its edges, by their probabilities."""
    nodes = {n["id"]: n for n in component["nodes"]}
    node = nodes[node_id]
    if node["kind"] == "decision":
        return 0.0
    spent = seconds[node["fact"] if node.get("member") is None else node["variable"]] \
        if node["kind"] == "question" else 0.0
    return spent + sum(e["p"] * _seconds_still_to_come(component, e["to"], seconds) for e in node["edges"])


@pytest.mark.parametrize("path", sorted(p.name for p in RULES.glob("*.yaml") if p.name != "registers.yaml"))
def test_the_time_objective_flow_matches_analyze_and_its_seconds_add_up(path: str):
    from analyzer.burden import Assumptions
    process = load_paths([str(RULES / path)]).processes[0]
    try:
        flowexport.export(process, "anonymous")
    except flowexport.TooLarge:
        pytest.skip("no exact flow for this process")
    figures = analyze(process, objective="time")
    a = Assumptions()
    for mode in MODES:
        data = flowexport.export(process, mode, "time")
        validate(json.loads(json.dumps(data)))
        flow = figures["modes"][mode]["flow"]
        assert data["objective"] == "time" and "seconds" in data["policy"]
        assert round(data["expected"], 3) == flow["expected"]["value"]
        assert round(data["expected_seconds"], 3) == flow["expected_seconds"]["value"]
        assert data["expected_seconds"] == pytest.approx(sum(c["expected_seconds"] for c in data["components"]),
                                                         abs=1e-3)
        for component in data["components"]:
            questions = {n["fact"]: n for n in component["nodes"] if n["kind"] == "question"}
            seconds = {fact: a.seconds_for(n["type"]) for fact, n in questions.items()}
            seconds.update({n["variable"]: a.seconds_for(n["type"]) for n in component["nodes"]
                            if n["kind"] == "question"})
            for node in component["nodes"]:
                assert node["expected_seconds"] == pytest.approx(
                    _seconds_still_to_come(component, node["id"], seconds), abs=1e-3 * (1 + node["expected_seconds"]))
    plain = json.dumps(flowexport.export(process, "anonymous"))
    assert "expected_seconds" not in plain and '"objective"' not in plain


def test_cli_objective_time_is_for_the_json_flow(runner):
    good = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--objective", "time"])
    assert good.exit_code == 0, good.output
    assert json.loads(good.output)["objective"] == "time"
    for extra in (["--format", "surveyjs"], ["--format", "xlsform", "-o", "x.xlsx"], ["--compare"]):
        bad = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--objective", "time", *extra])
        assert bad.exit_code == 2 and "--objective time applies to --format json and html" in bad.output, extra


AMOUNT = textwrap.dedent("""\
    process: demo
    title: Demo
    law: {id: "LBK 1"}
    constants:
      graense: {value: 100, unit: DKK, valid_from: 2026-01-01, source: test}
    facts:
      indkomst: {type: money, ask: "Indkomst?", min: 0}
      husleje: {type: money, ask: "Husleje?", min: 0}
      lejer: {type: bool, ask: "Lejer?"}
    outcomes:
      ret:
        when: lejer
        law: "§ 1"
      beloeb:
        applies_if: ret
        value: husleje * 0.5
        law: "§ 2"
    """)


def test_an_amount_is_computed_from_the_answers():
    process, diagnostics = load_process_document(read("demo.yaml", text=AMOUNT))
    assert process is not None, diagnostics
    data = flowexport.export(process, "anonymous")
    validate(json.loads(json.dumps(data)))
    leaves = [n for c in data["components"] for n in c["nodes"] if n["kind"] == "decision"]
    values = [leaf["outcomes"]["beloeb"] for leaf in leaves]
    assert {"computed_from": ["husleje"]} in values and None in values
    assert data["not_asked"] == ["indkomst"]


# -- the CLI ------------------------------------------------------------------------------------

def test_cli_json_validates_and_is_deterministic(runner, tmp_path):
    for mode in MODES:
        first = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--format", "json", "--mode", mode])
        assert first.exit_code == 0, first.output
        data = json.loads(first.stdout)
        validate(data)
        assert data["mode"] == mode
        again = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--mode", mode])
        assert again.stdout == first.stdout
    friplads = runner.invoke(main, ["flow", str(RULES / "oekonomisk_friplads.yaml")])
    assert friplads.exit_code == 0
    data = json.loads(friplads.stdout)
    validate(data)
    assert data["exact"] is False and data["estimated"]


def test_cli_output_file_needs_force(runner, tmp_path):
    out = tmp_path / "flow.json"
    out.write_text("keep", encoding="utf-8")
    refused = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "-o", str(out)])
    assert refused.exit_code == 2
    assert "exists; pass --force" in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep"
    done = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "-o", str(out), "--force"])
    assert done.exit_code == 0, done.output
    assert done.stderr.strip() == f"wrote {out}"
    validate(json.loads(out.read_text(encoding="utf-8")))


def test_cli_compare_prints_a_table_per_mode(runner):
    result = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--compare"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ekstra_affald (" + str(RULES / "ekstra_affald.yaml") + "): questions per application"
    assert "anonymous" in lines and "logged in" in lines
    assert any(line.split() == ["static", "form", "8.0", "8", "8"] for line in lines)
    assert any(line.split() == ["minimal", "flow", "3.6", "2", "7"] for line in lines)
    only = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--compare", "--mode", "logged_in"])
    assert "anonymous" not in only.stdout.splitlines() and "logged in" in only.stdout.splitlines()


def test_cli_compare_over_a_population(runner, tmp_path):
    from analyzer import population

    process = load_paths([str(RULES / "ekstra_affald.yaml")]).processes[0]
    cases = population.generate(process, 200, seed=3)
    file = tmp_path / "cases.csv"
    population.write(process, cases, str(file))
    result = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--compare", "--population", str(file),
                                  "--mode", "anonymous"])
    assert result.exit_code == 0, result.output
    assert "cases asked N questions (anonymous)" in result.stdout
    # the distribution adds up to the cases and agrees with analyze's averages over them
    read = population.read(process, str(file))
    counts = flowexport.per_case_counts(process, "anonymous", read)
    figures = analyze(process, cases=read)["modes"]["anonymous"]
    for key in ("static", "form_order", "flow"):
        assert len(counts[key]) == 200
        assert round(sum(counts[key]) / 200, 3) == figures[key]["expected"]["value"]
        assert max(counts[key]) == figures[key]["worst"]["value"]
    rows = flowexport.distribution(counts)
    assert sum(r["flow"] for r in rows) == 200


def test_cli_too_large_exits_2_with_a_reason(runner):
    result = runner.invoke(main, ["flow", str(RULES / "boligstoette.yaml")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "the exact flow is not available for boligstoette" in result.stderr
    assert "too large" in result.stderr


def test_cli_population_needs_compare(runner, tmp_path):
    result = runner.invoke(main, ["flow", str(RULES / "ekstra_affald.yaml"), "--population", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "--population applies with --compare" in result.stderr
