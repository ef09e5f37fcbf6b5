"""The dependency graph: its shape on the bundled rules and on small files, and its exports."""

from __future__ import annotations

import io
import json
import re
import textwrap

import networkx as nx
import pytest

from analyzer import graph
from analyzer.load import load_paths
from tests.conftest import RULES

SMALL = textwrap.dedent("""\
    process: demo
    title: Demo
    law: {id: "LBK 1"}
    laws: {br18: {id: BR18}}
    constants:
      graense: {value: 100, unit: DKK, valid_from: 2026-01-01, source: test}
    facts:
      alder: {type: int, register: CPR, ask: "Alder?"}
      lejer: {type: bool, ask: "Lejer?", law: "§ 3"}
      partner: {type: bool, ask: "Partner?", applies_if: "alder >= 18", default: false}
      voksen: {derive: "alder >= 18 and partner"}
    outcomes:
      ret:
        when: lejer and voksen and alder < graense
        law: {law: br18, ref: "§ 5"}
    """)


@pytest.fixture
def small_graph(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(SMALL, encoding="utf-8")
    project = load_paths([str(path)])
    assert project.diagnostics == []
    return graph.build(project.processes[0], project.catalogue)


def relations(g: nx.DiGraph) -> set[tuple[str, str, str]]:
    return {(a, b, d["relation"]) for a, b, d in g.edges(data=True)}


def test_small_graph_edges(small_graph):
    assert relations(small_graph) == {
        ("process:demo", "law:demo:br18 § 5", "has"),
        ("process:demo", "law:demo:§ 3", "has"),
        ("law:demo:br18 § 5", "outcome:ret", "decides"),
        ("law:demo:§ 3", "fact:lejer", "decides"),
        ("outcome:ret", "fact:lejer", "uses"),
        ("outcome:ret", "fact:voksen", "uses"),
        ("outcome:ret", "fact:alder", "uses"),
        ("outcome:ret", "constant:graense", "uses"),
        ("fact:voksen", "fact:alder", "uses"),
        ("fact:voksen", "fact:partner", "uses"),
        ("fact:partner", "fact:alder", "condition"),
        ("fact:alder", "register:CPR", "held_by"),
    }
    kinds = {n: d["kind"] for n, d in small_graph.nodes(data=True)}
    assert kinds["fact:alder"] == "register_fact"
    assert kinds["fact:voksen"] == "derived"
    assert kinds["fact:lejer"] == "question"
    assert small_graph.nodes["fact:lejer"]["text"] == "Lejer?"
    assert small_graph.nodes["fact:lejer"]["line"] == 9


def test_bundled_graph_reaches_every_question_from_a_law(tmp_path):
    project = load_paths([str(RULES)])
    g = graph.build_all(project.processes, project.catalogue)
    laws = [n for n, d in g.nodes(data=True) if d["kind"] == "law"]
    reachable = set().union(*(nx.descendants(g, law) for law in laws))
    questions = [n for n, d in g.nodes(data=True) if d["kind"] in ("question", "register_fact")]
    assert questions
    assert [q for q in questions if q not in reachable] == []


def test_json_round_trips_through_node_link_graph(small_graph):
    back = nx.node_link_graph(json.loads(graph.to_json(small_graph)))
    assert nx.utils.graphs_equal(back, small_graph)


def test_graphml_reads_back(small_graph):
    back = nx.read_graphml(io.BytesIO(graph.to_graphml(small_graph).encode("utf-8")))
    assert set(back.nodes) == set(small_graph.nodes)
    assert set(back.edges) == set(small_graph.edges)
    assert back.nodes["fact:lejer"]["kind"] == "question"


def test_dot_has_every_node_and_edge(small_graph):
    dot = graph.to_dot(small_graph)
    assert dot.startswith("digraph askless {") and dot.rstrip().endswith("}")
    assert len(re.findall(r" -> ", dot)) == small_graph.number_of_edges()
    assert '"fact:alder" -> "register:CPR" [label="held_by", style=dashed];' in dot


def test_mermaid_ids_are_safe_and_labels_quoted(small_graph):
    text = graph.to_mermaid(small_graph)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    node_lines = [line for line in lines[1:] if re.match(r"  n\d+\W", line) and "|" not in line and "class " not in line]
    assert len(node_lines) == small_graph.number_of_nodes()
    edge_lines = [line for line in lines if re.match(r"  n\d+ (-->|-\.->)\|\w+\| n\d+$", line)]
    assert len(edge_lines) == small_graph.number_of_edges()
    assert '"law: br18 § 5"' in text
