"""The bundled rules load cleanly and every command runs on them."""

from __future__ import annotations

import json

import networkx as nx

from cli import main
from tests.conftest import RULES


def test_check_bundled_rules_is_clean(runner):
    result = runner.invoke(main, ["check", "--strict", str(RULES)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 errors, 0 warnings" in result.stderr


def test_graph_json_round_trips(runner):
    result = runner.invoke(main, ["graph", str(RULES / "boligstoette.yaml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    g = nx.node_link_graph(json.loads(result.output))
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"law", "outcome", "derived", "question", "register_fact", "register"} <= kinds


def test_every_policy_decides_every_case_of_the_bundled_models():
    """No leaf of any policy's tree is left undecided (a regression: an amount input that does
    not apply was once counted as needed, so the cases without a partner never closed)."""
    from analyzer import finite, policies
    from analyzer.load import load_paths

    project = load_paths([str(RULES)])
    built = 0
    for process in project.processes:
        try:
            model = finite.build(process)
        except finite.TooLarge:
            continue
        built += 1
        for mode in ("anonymous", "logged_in"):
            for component in model.components:
                space = policies.Space.of(model, component, mode, lambda v: 1.0)
                for policy in ("form_order", "greedy"):
                    assert policies.run(space, policy).undetermined == 0, (process.name, mode, policy)
    assert built >= 2
