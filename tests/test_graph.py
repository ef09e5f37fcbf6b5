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
        ("law:demo:br18 § 5", "outcome:demo:ret", "decides"),
        ("law:demo:§ 3", "fact:demo:lejer", "decides"),
        ("outcome:demo:ret", "fact:demo:lejer", "uses"),
        ("outcome:demo:ret", "fact:demo:voksen", "uses"),
        ("outcome:demo:ret", "fact:demo:alder", "uses"),
        ("outcome:demo:ret", "constant:demo:graense", "uses"),
        ("fact:demo:voksen", "fact:demo:alder", "uses"),
        ("fact:demo:voksen", "fact:demo:partner", "uses"),
        ("fact:demo:partner", "fact:demo:alder", "condition"),
        ("fact:demo:alder", "register:CPR", "held_by"),
    }
    kinds = {n: d["kind"] for n, d in small_graph.nodes(data=True)}
    assert kinds["fact:demo:alder"] == "register_fact"
    assert kinds["fact:demo:voksen"] == "derived"
    assert kinds["fact:demo:lejer"] == "question"
    assert small_graph.nodes["fact:demo:lejer"]["text"] == "Lejer?"
    assert small_graph.nodes["fact:demo:lejer"]["line"] == 9


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
    assert back.nodes["fact:demo:lejer"]["kind"] == "question"


def test_dot_has_every_node_and_edge(small_graph):
    dot = graph.to_dot(small_graph)
    assert dot.startswith("digraph askless {") and dot.rstrip().endswith("}")
    assert len(re.findall(r" -> ", dot)) == small_graph.number_of_edges()
    assert '"fact:demo:alder" -> "register:CPR" [label="held_by", style=dashed];' in dot


def test_mermaid_ids_are_safe_and_labels_quoted(small_graph):
    text = graph.to_mermaid(small_graph)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    node_lines = [line for line in lines[1:] if re.match(r"  n\d+\W", line) and "|" not in line and "class " not in line]
    assert len(node_lines) == small_graph.number_of_nodes()
    edge_lines = [line for line in lines if re.match(r"  n\d+ (-->|-\.->)\|\w+\| n\d+$", line)]
    assert len(edge_lines) == small_graph.number_of_edges()
    assert '"law: br18 § 5"' in text


def test_processes_with_shared_names_stay_apart(tmp_path):
    (tmp_path / "a.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(SMALL.replace("process: demo", "process: other"), encoding="utf-8")
    project = load_paths([str(tmp_path)])
    assert project.diagnostics == []
    g = graph.build_all(project.processes, project.catalogue)
    assert {"outcome:demo:ret", "outcome:other:ret"} <= set(g.nodes)
    assert g.nodes["outcome:other:ret"]["process"] == "other"
    assert not g.has_edge("outcome:demo:ret", "fact:other:lejer")
    assert g.has_edge("fact:demo:alder", "register:CPR") and g.has_edge("fact:other:alder", "register:CPR")


def test_inferred_types_on_outcomes_and_derived_facts(small_graph):
    assert small_graph.nodes["outcome:demo:ret"]["type"] == "bool"
    assert small_graph.nodes["fact:demo:voksen"]["type"] == "bool"
    assert small_graph.nodes["fact:demo:alder"]["type"] == "int"
