"""The dependency graph of a process: law -> outcome -> derived fact -> question / register fact.

Nodes have an ``id`` of the form ``KIND:PROCESS:NAME`` (``register:NAME`` for registers, which
processes share; ``process:NAME`` for the process) and these attributes (docs/graph.md):

- ``kind``: ``process``, ``law``, ``outcome``, ``derived``, ``question``, ``register_fact``,
  ``constant``, ``group``, ``register``;
- ``label``: the name, or the law reference as written;
- ``process``: the process name;
- ``type``: the value type of a fact or outcome (``bool``, ``int``, ``money``, ...), else "";
- ``text``: the Danish question text of an input fact, the title of an outcome, else "";
- ``law``: the law reference of the node, else "";
- ``register``: the register holding a register fact, else "";
- ``group``: the group of a member fact, else "";
- ``line``: the line in the rule file where the node is defined (0 for laws and registers).

Edges point from what decides to what it needs, with ``relation``: ``decides`` (law -> outcome,
fact or constant), ``uses`` (outcome or derived fact -> what its expression names),
``condition`` (a fact or outcome -> what its ``applies_if`` names), ``member`` (member fact ->
group), ``counts`` (group -> the fact that counts its members), ``held_by`` (register fact ->
register), ``has`` (process -> law).

Exports are deterministic: nodes and edges are written in sorted order.
"""

from __future__ import annotations

import io
import json
from typing import Any

import networkx as nx

from .deps import references
from .model import Catalogue, LawRef, Process

FORMATS = ("dot", "mermaid", "graphml", "json")


def _law_id(process: Process, ref: LawRef) -> str:
    return f"law:{process.name}:{ref.label()}"


def build(process: Process, catalogue: Catalogue | None = None) -> nx.DiGraph:
    """The dependency graph of one process."""
    g = nx.DiGraph(process=process.name)

    def node(node_id: str, kind: str, label: str, **attrs: Any) -> str:
        base = {"kind": kind, "label": label, "process": process.name, "type": "", "text": "", "law": "",
                "register": "", "group": "", "line": 0}
        base.update({k: ("" if v is None else v) for k, v in attrs.items()})
        g.add_node(node_id, **base)
        return node_id

    def law(owner: str, ref: LawRef | None) -> None:
        if ref is None:
            return
        law_id = _law_id(process, ref)
        if law_id not in g:
            node(law_id, "law", ref.label())
            g.add_edge(proc, law_id, relation="has")
        g.add_edge(law_id, owner, relation="decides")

    from .validate import infer_types
    types = infer_types(process)

    def type_of(key: str, declared: str | None = None) -> str:
        if declared:
            return declared
        t = types.get(key)
        return t.kind if t is not None and t.kind != "any" else ""

    title = process.law.id if process.law else ""
    proc = node(f"process:{process.name}", "process", process.name, text=process.title.da, law=title)
    ids: dict[str, str] = {}
    for c in process.constants.values():
        ids[c.name] = node(f"constant:{process.name}:{c.name}", "constant", c.name, text=str(c.value),
                           law=c.law.label() if c.law else "", line=c.loc.line)
        law(ids[c.name], c.law)
    for fact in process.all_facts():
        key = fact.key
        kind = {"question": "question", "register": "register_fact", "derived": "derived"}[fact.kind]
        ids[key] = node(f"fact:{process.name}:{key}", kind, key, type=type_of(key, fact.type), text=fact.ask.da if fact.ask else "",
                        law=fact.law.label() if fact.law else "", register=fact.register, group=fact.group,
                        line=fact.loc.line)
        law(ids[key], fact.law)
        if fact.kind == "register" and fact.register:
            reg_id = f"register:{fact.register}"
            if reg_id not in g:
                known = catalogue.registers.get(fact.register) if catalogue else None
                node(reg_id, "register", fact.register, text=known.title if known else "")
            g.add_edge(ids[key], reg_id, relation="held_by")
    for group in process.groups.values():
        ids[group.name] = node(f"group:{process.name}:{group.name}", "group", group.name, line=group.loc.line)
        for fname in group.facts:
            g.add_edge(ids[f"{group.name}.{fname}"], ids[group.name], relation="member")
        if group.count in ids:
            g.add_edge(ids[group.name], ids[group.count], relation="counts")
    for outcome in process.outcomes.values():
        ids[outcome.name] = node(f"outcome:{process.name}:{outcome.name}", "outcome", outcome.name,
                                 type=type_of(outcome.name),
                                 text=outcome.title.da if outcome.title else "",
                                 law=outcome.law.label() if outcome.law else "", line=outcome.loc.line)
        law(ids[outcome.name], outcome.law)
        for case in outcome.cases:
            law(ids[outcome.name], case.law)
        for item in outcome.items:
            law(ids[outcome.name], item.law)
    for ref in references(process):
        if ref.target is None or ref.target not in ids or ref.source not in ids:
            continue
        relation = "condition" if ref.role == "applies_if" else "uses"
        source, target = ids[ref.source], ids[ref.target]
        if not g.has_edge(source, target) or relation == "uses":
            g.add_edge(source, target, relation=relation)
    return g


def build_all(processes: list[Process], catalogue: Catalogue | None = None) -> nx.DiGraph:
    """The union of the graphs of several processes (registers are shared nodes)."""
    g = nx.DiGraph()
    for process in processes:
        g = nx.compose(g, build(process, catalogue))
    return g


def _sorted_nodes(g: nx.DiGraph) -> list[tuple[str, dict]]:
    return sorted(g.nodes(data=True), key=lambda item: item[0])


def _sorted_edges(g: nx.DiGraph) -> list[tuple[str, str, dict]]:
    return sorted(g.edges(data=True), key=lambda item: (item[0], item[1]))


def to_json(g: nx.DiGraph) -> str:
    """node-link JSON (networkx 3.6 layout), read back with ``networkx.node_link_graph(data)``."""
    data = nx.node_link_data(g, edges="edges")
    data["nodes"] = sorted(data["nodes"], key=lambda n: n["id"])
    data["edges"] = sorted(data["edges"], key=lambda e: (e["source"], e["target"]))
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def to_graphml(g: nx.DiGraph) -> str:
    ordered = nx.DiGraph()
    ordered.graph.update(g.graph)
    ordered.add_nodes_from(_sorted_nodes(g))
    ordered.add_edges_from(_sorted_edges(g))
    buffer = io.BytesIO()
    nx.write_graphml(ordered, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


_DOT_SHAPES = {"process": "folder", "law": "note", "outcome": "doubleoctagon", "derived": "ellipse",
               "question": "box", "register_fact": "box3d", "constant": "plaintext", "group": "tab",
               "register": "cylinder"}


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(g: nx.DiGraph) -> str:
    lines = ["digraph askless {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node_id, data in _sorted_nodes(g):
        label = data["label"] if data["kind"] != "register" else f"{data['label']} (register)"
        lines.append(f"  {_dot_quote(node_id)} [label={_dot_quote(label)}, shape={_DOT_SHAPES[data['kind']]}];")
    for a, b, data in _sorted_edges(g):
        style = ', style=dashed' if data["relation"] in ("condition", "held_by") else ""
        lines.append(f"  {_dot_quote(a)} -> {_dot_quote(b)} [label={_dot_quote(data['relation'])}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_SHAPES = {"process": ("[/", "/]"), "law": (">", "]"), "outcome": ("{{", "}}"), "derived": ("(", ")"),
                   "question": ("[", "]"), "register_fact": ("[(", ")]"), "constant": ("[", "]"),
                   "group": ("[[", "]]"), "register": ("[(", ")]")}


def _mermaid_text(text: str) -> str:
    # Mermaid labels in quotes; '#quot;' is Mermaid's escape for a double quote
    return '"' + text.replace('"', "#quot;").replace("\n", " ") + '"'


def to_mermaid(g: nx.DiGraph) -> str:
    ids = {node_id: f"n{i}" for i, (node_id, _) in enumerate(_sorted_nodes(g))}
    lines = ["flowchart LR"]
    for node_id, data in _sorted_nodes(g):
        left, right = _MERMAID_SHAPES[data["kind"]]
        label = data["label"] if data["kind"] not in ("register", "law") else f"{data['kind']}: {data['label']}"
        lines.append(f"  {ids[node_id]}{left}{_mermaid_text(label)}{right}")
    for a, b, data in _sorted_edges(g):
        arrow = "-.->" if data["relation"] in ("condition", "held_by") else "-->"
        lines.append(f"  {ids[a]} {arrow}|{data['relation']}| {ids[b]}")
    for kind in sorted({d["kind"] for _, d in g.nodes(data=True)}):
        members = [ids[n] for n, d in _sorted_nodes(g) if d["kind"] == kind]
        lines.append(f"  class {','.join(members)} {kind}")
    lines += ["  classDef outcome fill:#fde2c8,stroke:#a4471a",
              "  classDef question fill:#dbeafe,stroke:#1d4ed8",
              "  classDef register_fact fill:#dcfce7,stroke:#15803d",
              "  classDef register fill:#bbf7d0,stroke:#166534",
              "  classDef derived fill:#f3f4f6,stroke:#4b5563",
              "  classDef law fill:#fef9c3,stroke:#a16207"]
    return "\n".join(lines) + "\n"


def render(g: nx.DiGraph, fmt: str) -> str:
    return {"dot": to_dot, "mermaid": to_mermaid, "graphml": to_graphml, "json": to_json}[fmt](g)
