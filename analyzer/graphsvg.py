"""The dependency graph of a process as an inline SVG picture, with a layered layout computed here.

Columns, left to right: **law** paragraphs that decide an outcome, **outcomes**, **derived facts**
(one column per level: a derived fact sits one column right of the rightmost derived fact or
outcome that reads it), **questions and register facts**, and the **registers** that hold them.
Edges point from what decides to what it needs, as in :mod:`analyzer.graph` (dashed: an
``applies_if`` condition, or a register holding a fact). Within a column, nodes are ordered by
the barycentre of their neighbours (a few sweeps, ties by line in the rule file and name), the
classic heuristic that keeps crossings low; the layout is deterministic.

Constants, the process node and groups are left out of the picture (they would double its size
and say little); law paragraphs that decide only facts or constants are left out too. The
:func:`dependency_text` fallback lists every node and what it reads, for screen readers and print.

>>> import networkx as nx
>>> g = nx.DiGraph()
>>> g.add_node("o", kind="outcome", label="ret", text="", line=1)
>>> g.add_node("q", kind="question", label="lejer", text="Bor du til leje?", line=2)
>>> g.add_edge("o", "q", relation="uses")
>>> layout(g)
{'o': (0, 0), 'q': (1, 0)}
"""

from __future__ import annotations

from html import escape

import networkx as nx

KINDS = ("law", "outcome", "derived", "question", "register_fact", "register")
#: fill and stroke by kind (the Mermaid export's colours)
STYLE = {"law": ("#fef9c3", "#a16207"), "outcome": ("#fde2c8", "#a4471a"), "derived": ("#f3f4f6", "#4b5563"),
         "question": ("#dbeafe", "#1d4ed8"), "register_fact": ("#dcfce7", "#15803d"),
         "register": ("#bbf7d0", "#166534")}
NAMES = {"law": "law paragraph", "outcome": "outcome", "derived": "derived fact", "question": "question",
         "register_fact": "register fact", "register": "register"}
NODE_W, NODE_H, COL_GAP, ROW_GAP = 150, 22, 60, 8
SWEEPS = 4


def picture_graph(g: nx.DiGraph) -> nx.DiGraph:
    """The part of ``g`` the picture shows (see the module docstring)."""
    keep = {n for n, d in g.nodes(data=True) if d["kind"] in KINDS and d["kind"] != "law"}
    keep |= {a for a, b, d in g.edges(data=True)
             if g.nodes[a]["kind"] == "law" and g.nodes[b]["kind"] == "outcome"}
    sub = nx.DiGraph()
    sub.add_nodes_from((n, g.nodes[n]) for n in sorted(keep))
    sub.add_edges_from((a, b, d) for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1]))
                       if a in keep and b in keep and not (g.nodes[a]["kind"] == "law" and g.nodes[b]["kind"] != "outcome"))
    return sub


def _columns(g: nx.DiGraph) -> dict[str, int]:
    level: dict[str, int] = {}
    derived = [n for n, d in g.nodes(data=True) if d["kind"] == "derived"]
    sub = g.subgraph(derived)
    order = list(nx.topological_sort(sub)) if nx.is_directed_acyclic_graph(sub) else sorted(derived)
    for n in order:
        level[n] = max((level[p] + 1 for p in sub.predecessors(n) if p in level), default=0)
    depth = max(level.values(), default=-1) + 1
    column = {}
    for n, d in g.nodes(data=True):
        kind = d["kind"]
        column[n] = {"law": 0, "outcome": 1}.get(kind, 0)
        if kind == "derived":
            column[n] = 2 + level[n]
        elif kind in ("question", "register_fact"):
            column[n] = 2 + depth
        elif kind == "register":
            column[n] = 3 + depth
    if not any(d["kind"] == "law" for _, d in g.nodes(data=True)):
        column = {n: c - 1 for n, c in column.items()}
    return column


def layout(g: nx.DiGraph) -> dict[str, tuple[int, int]]:
    """node -> (column, row): columns by kind and level, rows by barycentre sweeps."""
    column = _columns(g)
    cols: dict[int, list[str]] = {}
    for n in sorted(g.nodes, key=lambda n: (g.nodes[n].get("line", 0), g.nodes[n]["label"], n)):
        cols.setdefault(column[n], []).append(n)
    undirected = g.to_undirected(as_view=True)
    for sweep in range(SWEEPS):
        position = {n: i / max(1, len(members) - 1) for members in cols.values() for i, n in enumerate(members)}
        keys = sorted(cols) if sweep % 2 == 0 else sorted(cols, reverse=True)
        for c in keys:
            step = -1 if sweep % 2 == 0 else 1

            bary = {n: _barycentre(n, undirected, column, position, c + step) for n in cols[c]}
            cols[c] = sorted(cols[c], key=lambda n: (round(bary[n], 9), g.nodes[n].get("line", 0), g.nodes[n]["label"]))
            position.update({n: i / max(1, len(cols[c]) - 1) for i, n in enumerate(cols[c])})
    return {n: (c, i) for c, members in cols.items() for i, n in enumerate(members)}


def _barycentre(n: str, g: nx.Graph, column: dict[str, int], position: dict[str, float], toward: int) -> float:
    """Mean position of n's neighbours in the column ``toward`` (else in any other column)."""
    near = [position[m] for m in g.neighbors(n) if column[m] == toward]
    near = near or [position[m] for m in g.neighbors(n) if column[m] != column[n]]
    return sum(near) / len(near) if near else position[n]


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def to_svg(g: nx.DiGraph, svg_id: str, title: str) -> str:
    """The picture of :func:`picture_graph` ``(g)`` as an ``<svg role="img">`` string."""
    g = picture_graph(g)
    place = layout(g)
    if not place:
        return ""
    heights: dict[int, int] = {}
    for c, r in place.values():
        heights[c] = max(heights.get(c, 0), r + 1)
    tallest = max(heights.values())
    legend_h = 30
    width = (max(heights) + 1) * (NODE_W + COL_GAP) - COL_GAP + 20
    height = legend_h + tallest * (NODE_H + ROW_GAP) + 10

    def xy(n: str) -> tuple[float, float]:
        c, r = place[n]
        offset = (tallest - heights[c]) * (NODE_H + ROW_GAP) / 2
        return 10 + c * (NODE_W + COL_GAP), legend_h + offset + r * (NODE_H + ROW_GAP)

    counts = {k: sum(1 for _, d in g.nodes(data=True) if d["kind"] == k) for k in KINDS}
    desc = (f"Layered dependency graph, left to right: {counts['law']} law paragraphs decide {counts['outcome']} "
            f"outcomes, which read {counts['derived']} derived facts, {counts['question']} questions and "
            f"{counts['register_fact']} register facts held by {counts['register']} registers. "
            "The same dependencies are listed as text below the picture.")
    out = [f'<svg class="graph" role="img" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" aria-labelledby="{svg_id}-title {svg_id}-desc">',
           f'<title id="{svg_id}-title">{escape(title)}</title>', f'<desc id="{svg_id}-desc">{escape(desc)}</desc>']
    x = 10
    for kind in KINDS:
        fill, stroke = STYLE[kind]
        out.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{fill}" stroke="{stroke}"/>'
                   f'<text x="{x + 18}" y="17.5" class="legend">{NAMES[kind]}</text>')
        x += 30 + 7 * len(NAMES[kind])
    for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        (xa, ya), (xb, yb) = xy(a), xy(b)
        ya, yb = ya + NODE_H / 2, yb + NODE_H / 2
        if place[b][0] > place[a][0]:
            x1, x2 = xa + NODE_W, xb
            mid = (x1 + x2) / 2
            path = f"M{x1:.1f},{ya:.1f} C{mid:.1f},{ya:.1f} {mid:.1f},{yb:.1f} {x2:.1f},{yb:.1f}"
        else:  # same column (an outcome reading an outcome): an arc on the right
            x1 = xa + NODE_W
            x2 = xb + NODE_W
            bend = max(x1, x2) + 30
            path = f"M{x1:.1f},{ya:.1f} C{bend:.1f},{ya:.1f} {bend:.1f},{yb:.1f} {x2:.1f},{yb:.1f}"
        dashed = ' stroke-dasharray="4 3"' if d.get("relation") in ("condition", "held_by") else ""
        out.append(f'<path d="{path}" class="edge"{dashed}/>')
    for n, d in sorted(g.nodes(data=True)):
        x, y = xy(n)
        fill, stroke = STYLE[d["kind"]]
        label = d["label"]
        tip = f"{NAMES[d['kind']]}: {label}" + (f" — {d['text']}" if d.get("text") else "")
        out.append(f'<g><title>{escape(tip)}</title><rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" '
                   f'height="{NODE_H}" rx="4" fill="{fill}" stroke="{stroke}"/>'
                   f'<text x="{x + 6:.1f}" y="{y + 15:.1f}" class="node">{escape(_short(label))}</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def dependency_text(g: nx.DiGraph) -> list[tuple[str, str, list[str]]]:
    """(kind, name, names it reads or is held by) for every node of the picture, in layout order."""
    g = picture_graph(g)
    place = layout(g)
    rows = []
    for n in sorted(g.nodes, key=lambda n: (place[n], n)):
        d = g.nodes[n]
        targets = sorted(g.nodes[m]["label"] for m in g.successors(n))
        rows.append((NAMES[d["kind"]], d["label"], targets))
    return rows
