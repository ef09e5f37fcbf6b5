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
