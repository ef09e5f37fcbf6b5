"""Read the graph that `askless graph --format json` wrote back into networkx (docs/graph.md)."""
import json

import networkx as nx

with open("build/boligstoette.json", encoding="utf-8") as handle:
    g = nx.node_link_graph(json.load(handle))

print(g)
print(g.nodes["fact:boligstoette:areal"])
# the inputs that decide eligibility, and whether a register holds them
for node in sorted(nx.descendants(g, "outcome:boligstoette:berettiget")):
    data = g.nodes[node]
    if data["kind"] in ("question", "register_fact"):
        print(node, data["kind"], data["register"] or "-")
# the laws behind the yearly amount
print(sorted(g.nodes[law]["label"] for law in g.predecessors("outcome:boligstoette:aarligt_beloeb")
             if g.nodes[law]["kind"] == "law"))
