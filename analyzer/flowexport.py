"""The minimal flow as data: one decision DAG per component, and per-case question counts.

:func:`export` runs the greedy policy (the chooser :func:`analyzer.policies.run` uses for
``askless analyze``'s *minimal flow*) over the finite model (:mod:`analyzer.finite`) of one
process in one mode and returns, per independent component, a directed acyclic graph:

- a **question** node asks one variable (a fact, or a group member's fact), says which outcomes
  its answer can change (``why``) and under which law; one edge per answer class (labelled as in
  :mod:`analyzer.classes`: ``yes``, ``< 67``, a choice value) leads to the next node;
- a **decision** node (a leaf) holds every outcome of the component as decided there; an amount
  that reads a number's exact value is ``{"computed_from": [...]}`` (the finite model only knows
  such numbers by their class);
- a **prefilled** node (logged in only, at the root) splits by the register facts, which are
  known before any question.

Two paths that reach the same residual situation share one node, so the graph is a DAG rather
than a tree: the same questions known, and the same cases left as far as the unknown questions
go (their classes, atoms, outcomes, amounts still needed and probabilities given the state), so
everything that follows is the same. Every node
carries the expected (under the answer priors), best and worst number of questions still to come.
docs/flows.md documents the format; ``analyzer/schema/flow.schema.json`` is its JSON Schema.

:func:`per_case_counts` gives the questions each case of a population is asked by the static
form, form order and the minimal flow (for ``askless flow --compare``).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import deque
from typing import Any

from . import burden, deps, finite, montecarlo, policies
from .model import LawRef, Process, Text
from .rows import locate

FORMAT = "askless-flow"
VERSION = 1
#: most nodes one component's DAG may have (bounds the output; beyond it export() raises TooLarge)
MAX_NODES = 200_000
INTERLEAVING = ("The components share no question: their flows are independent, and their questions may be "
                "asked in any interleaving (one component after the other, or mixed); the counts add up.")
POLICY = ("minimal: per component, the relevant question with the largest expected information gain about "
          "the outcomes (greedy), or the first relevant one in rule-file order where that asks fewer questions in "
          "expectation (each component's policy says which); askless analyze's minimal flow")


POLICY_TIME = ("; chosen to minimise the expected answering time (seconds per question by type, askless's "
               "defaults; greedy weighs information gain per second), not the count")


class TooLarge(Exception):
    """The exact flow is not available: the finite model (or its DAG) is too large."""


def export(process: Process, mode: str = "anonymous", objective: str = "questions") -> dict:
    """The decision DAGs of ``process`` in ``mode`` as plain data (see the module docstring).
    With the ``time`` objective (policies.OBJECTIVES) the flow minimises the expected answering
    time, and the data says so (``objective``) and gives ``expected_seconds`` at the top, per
    component and on every node; the default output is unchanged.

    Raises TooLarge when the finite model cannot be enumerated (finite.TooLarge) or a DAG would
    have more than MAX_NODES nodes."""
    if mode not in ("anonymous", "logged_in"):
        raise ValueError(f"mode must be anonymous or logged_in, not {mode!r}")
    if objective not in policies.OBJECTIVES:
        raise ValueError(f"objective {objective!r}: expected one of {', '.join(policies.OBJECTIVES)}")
    try:
        model = finite.build(process)
    except finite.TooLarge as exc:
        raise TooLarge(f"the finite model is too large: {exc}") from None
    a = burden.Assumptions()
    seconds_of = lambda v: a.seconds_for(model.variables[v].fact.type)  # noqa: E731
    reads = _outcome_reads(process)
    components = []
    for number, component in enumerate(model.components):
        space = policies.Space.of(model, component, mode, seconds_of, objective)
        components.append(_Dag(process, model, space, reads).build(number))
    notes = []
    if model.atoms:
        notes.append("comparisons over amounts are yes/no atoms whose probabilities are estimated: "
                     + "; ".join(a.text for a in model.atoms))
    if model.piecewise:
        notes.append("amounts with min, max or rounding are compared between cases at probe values: "
                     + "; ".join(model.piecewise))
    timed = {} if objective == "questions" else {
        "objective": objective, "expected_seconds": _round(sum(c["expected_seconds"] for c in components))}
    return {
        "format": FORMAT,
        "version": VERSION,
        "process": process.name,
        "file": process.path,
        "mode": mode,
        "policy": POLICY + (POLICY_TIME if objective == "time" else ""),
        **timed,
        "exact": model.exact,
        "estimated": notes,
        "expected": _round(sum(c["expected"] for c in components)),
        "best": sum(c["best"] for c in components),
        "worst": sum(c["worst"] for c in components),
        "interleaving": INTERLEAVING if len(components) > 1 else None,
        "not_asked": sorted({model.variables[v].id for v in model.unused if model.variables[v].fact.asked(mode)}),
        "components": components,
    }


class _Dag:
    def __init__(self, process: Process, model: finite.Model, space: policies.Space, reads: dict[str, set[str]]):
        self.process, self.model, self.space, self.reads = process, model, space, reads
        self.c = space.component
        #: state (rows, known) -> its node (without id yet); "prefilled" for the register split
        self.nodes: dict[Any, dict] = {}

    def build(self, number: int) -> dict:
        space, c = self.space, self.c
        p = c.p
        if not c.rows:
            root_key: Any = None
            self.nodes[None] = {"kind": "decision", "decided": True, "_rows": (), "_edges": [],
                                "outcomes": {o: None for o in c.outcomes}}
        elif space.prefilled:
            root_key = "prefilled"
            roots = space.roots()
            total = sum(p[r] for rows in roots for r in rows) or 1.0
            edges = []
            for rows in roots:
                row = c.rows[rows[0]]
                edge: dict[str, Any] = {"given": {self._var(q).id: self._label(q, row[q]) for q in sorted(space.prefilled)}}
                atoms = self._atoms(row, frozenset(), space.prefilled)
                if atoms:
                    edge["atoms"] = atoms
                edge["p"] = sum(p[r] for r in rows) / total
                edges.append((edge, self._state(rows, space.prefilled)))
            self.nodes[root_key] = {"kind": "prefilled", "facts": sorted(self._var(q).id for q in space.prefilled),
                                    "_rows": tuple(r for rows in roots for r in rows), "_edges": edges}
        else:
            root_key = self._state(space.roots()[0], space.prefilled)
        order = self._order(root_key)
        ids = {key: i for i, key in enumerate(order)}
        self._annotate(order)
        # the probability of reaching each node: forward, in topological order
        reach = {key: 0.0 for key in order}
        reach[root_key] = 1.0
        for key in order:
            for edge, child in self.nodes[key]["_edges"]:
                reach[child] += reach[key] * edge["p"]
        out = []
        for key in order:
            node = self.nodes[key]
            node.pop("_rows")
            edges = node.pop("_edges")
            node["id"] = ids[key]
            node["probability"] = _round(reach[key])
            if node["kind"] != "decision":
                node["edges"] = [dict(edge, to=ids[child], p=_round(edge["p"])) for edge, child in edges]
            for k in ("_expected", "_seconds", "_best", "_worst", "_q"):
                node.pop(k, None)
            out.append(node)
        root = out[0]
        return {
            "id": number,
            "outcomes": list(c.outcomes),
            "questions": [self._var(q).id for q in space.askable],
            "prefilled": sorted(self._var(q).id for q in space.prefilled),
            "policy": policies.minimal_policy(space) if c.rows else "greedy",
            "root": 0,
            "expected": root["expected"],
            **({"expected_seconds": root["expected_seconds"]} if self.space.objective == "time" else {}),
            "best": root["best"],
            "worst": root["worst"],
            "nodes": out,
        }

    def _order(self, root: Any) -> list[Any]:
        """The nodes in topological order (every edge points to a later node), ties broken by
        breadth-first discovery from the root with children in edge order."""
        seen = {root: 0}
        queue = deque([root])
        indegree: dict[Any, int] = {root: 0}
        while queue:
            key = queue.popleft()
            for _, child in self.nodes[key]["_edges"]:
                indegree[child] = indegree.get(child, 0) + 1
                if child not in seen:
                    seen[child] = len(seen)
                    queue.append(child)
        ready = [(0, root)]
        order = []
        while ready:
            _, key = heapq.heappop(ready)
            order.append(key)
            for _, child in self.nodes[key]["_edges"]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, (seen[child], child))
        return order

    # -- states --------------------------------------------------------------------------------

    def _residual(self, rows: list[int], known: frozenset[int]) -> tuple:
        """What is left to find out in a state: the known questions, and per row left its classes
        of the unknown questions and its atoms, its outcomes, the amounts it still needs and its
        probability given the state. States with equal residuals continue alike (the greedy
        choice, the answers, the decisions), so they are one node."""
        c = self.c
        unknown = [q for q in range(self.space.width) if q not in known]
        total = sum(c.p[r] for r in rows) or 1.0
        table = sorted((tuple(c.rows[r][q] for q in unknown) + tuple(c.rows[r][self.space.width:]), c.keys[r],
                        tuple(sorted(c.needs[r] - known)), round(c.p[r] / total, 9)) for r in rows)
        return known, tuple(table)

    def _state(self, rows: list[int], known: frozenset[int]) -> tuple:
        """The node of a residual situation, built (with its subgraph) on first sight."""
        key = self._residual(rows, known)
        if key in self.nodes:
            return key
        if len(self.nodes) >= MAX_NODES:
            raise TooLarge(f"the flow of a component would have more than {MAX_NODES} nodes")
        space, p = self.space, self.c.p
        candidates = space.relevant(rows, known)
        if not candidates:
            self.nodes[key] = self._leaf(rows, known)
            return key
        q = policies.chooser_of(space, "minimal")(space, rows, known, candidates)
        node: dict[str, Any] = {"kind": "question", "_rows": tuple(rows), "_edges": [], "_q": q}
        node.update(self._question(rows, known, q))
        self.nodes[key] = node
        total = sum(p[r] for r in rows)
        children = space.split(rows, known, q)
        for child in children:
            row = self.c.rows[child[0]]
            edge = self._answer(q, row[q])
            atoms = self._atoms(row, known, known | {q})
            if atoms:
                edge["atoms"] = atoms
            edge["p"] = sum(p[r] for r in child) / total if total > 0 else 1 / len(children)
            node["_edges"].append((edge, self._state(child, known | {q})))
        return key

    def _annotate(self, order: list[Any]) -> None:
        """Expected (under the priors), best and worst questions still to come at every node."""
        for key in reversed(order):
            node = self.nodes[key]
            if node["kind"] == "decision":
                node["_expected"], node["_seconds"], node["_best"], node["_worst"] = 0.0, 0.0, 0, 0
            else:
                step = 1 if node["kind"] == "question" else 0
                spent = self.space.seconds[node["_q"]] if node["kind"] == "question" else 0.0
                children = [(edge["p"], self.nodes[child]) for edge, child in node["_edges"]]
                node["_expected"] = step + sum(share * child["_expected"] for share, child in children)
                node["_seconds"] = spent + sum(share * child["_seconds"] for share, child in children)
                node["_best"] = step + min(child["_best"] for _, child in children)
                node["_worst"] = step + max(child["_worst"] for _, child in children)
            node["expected"] = _round(node["_expected"])
            if self.space.objective == "time":
                node["expected_seconds"] = _round(node["_seconds"])
            node["best"] = node["_best"]
            node["worst"] = node["_worst"]

    # -- what a node says ----------------------------------------------------------------------

    def _var(self, q: int) -> finite.Variable:
        return self.model.variables[self.c.variables[q]]

    def _question(self, rows: list[int], known: frozenset[int], q: int) -> dict:
        var = self._var(q)
        fact = var.fact
        why = _why(self.space, rows, known, q, self.reads, fact.key)
        laws: list[str] = []
        for ref in [fact.law] + [self.process.outcomes[o].law for o in why]:
            if isinstance(ref, LawRef) and ref.label() not in laws:
                laws.append(ref.label())
        return {
            "variable": var.id,
            "fact": fact.key,
            "member": var.index,
            "type": fact.type,
            "text": _text(fact.ask),
            "help": _text(fact.help),
            "choices": [{"value": ch.value, "label": _text(ch.label)} for ch in fact.choices],
            "unit": fact.unit,
            "register": fact.register if fact.kind == "register" else None,
            "why": list(why),
            "law": laws,
        }

    def _answer(self, q: int, k: int) -> dict:
        edge: dict[str, Any] = {"label": self._label(q, k)}
        if k == finite.NA:
            edge["value"] = None
            return edge
        cls = self._var(q).classes[k]
        if cls.point:
            edge["value"] = _json(cls.rep)
        elif self._var(q).fact.type == "text":
            edge["value"] = None if cls.rep == "\x00other" else cls.rep
        else:
            edge["range"] = {"from": _json(cls.lo), "below": _json(cls.hi)}
        return edge

    def _label(self, q: int, k: int) -> str:
        return "does not apply" if k == finite.NA else self._var(q).classes[k].label

    def _atoms(self, row: tuple, before: frozenset[int], after: frozenset[int]) -> dict[str, bool]:
        """The atoms whose value becomes visible between ``before`` and ``after`` on this row."""
        if not self.space.atom_inputs:
            return {}
        was = self.space._visible(row, before) if before else (None,) * len(self.space.atom_inputs)
        now = self.space._visible(row, after)
        found = {}
        for i, (old, new) in enumerate(zip(was, now)):
            if old is None and new is not None:
                found[self.model.atoms[self.c.atoms[i]].text] = bool(new)
        return found

    def _leaf(self, rows: list[int], known: frozenset[int]) -> dict:
        c = self.c
        node: dict[str, Any] = {"kind": "decision", "_rows": tuple(rows), "_edges": []}
        if not self.space.determined(rows, known):
            node["decided"] = False
            possible = []
            for key in sorted({c.keys[r] for r in rows}):
                one = self._outcomes(rows, key)
                if one not in possible:
                    possible.append(one)
            node["outcomes"] = None
            node["possible"] = possible
            return node
        node["decided"] = True
        node["outcomes"] = self._outcomes(rows, c.keys[rows[0]])
        return node

    def _outcomes(self, rows: list[int], key: int) -> dict:
        c = self.c
        probes, needs = c.key_values[key]
        needed = sorted({self._var(p) for r in rows for p in c.needs[r]}, key=lambda v: v.id)
        out = {}
        for i, name in enumerate(c.outcomes):
            values = [probe[i] for probe in probes]
            if len({repr(v) for v in values}) > 1:
                mine = [v.id for v in needed if v.fact.key in self.reads.get(name, set())]
                out[name] = {"computed_from": mine or [v.id for v in needed]}
            else:
                out[name] = _json(values[0])
        return out


def _why(space: policies.Space, rows: list[int], known: frozenset[int], q: int,
         reads: dict[str, set[str]], fact: str) -> tuple[str, ...]:
    """The outcomes whose possible values differ between the answers to q, and the amounts that
    read q's exact value (as analyzer.flow.Flow says for its questions, narrowed to the amounts
    that read q)."""
    component = space.component
    probes = [component.key_values[component.keys[r]][0] for r in rows]
    needs_q = any(q in component.needs[r] for r in rows)
    children = space.split(rows, known, q)
    found = []
    for i, outcome in enumerate(component.outcomes):
        per_child = {frozenset(repr(component.key_values[component.keys[r]][0][0][i]) for r in child)
                     for child in children}
        amount = needs_q and fact in reads.get(outcome, ()) and any(
            len({repr(probe[i]) for probe in values}) > 1 for values in probes)
        if len(per_child) > 1 or amount:
            found.append(outcome)
    return tuple(found) or tuple(component.outcomes)


def _outcome_reads(process: Process) -> dict[str, set[str]]:
    """Per outcome: every input fact (qualified key) it reads, through derived facts and outcomes."""
    edges: dict[str, set[str]] = {}
    for ref in deps.references(process):
        if ref.target is not None:
            edges.setdefault(ref.source, set()).add(ref.target)
    out = {}
    for name in process.outcomes:
        seen: set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            for t in edges.get(n, ()):
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        out[name] = seen
    return out


def _text(text: Text | None) -> dict | None:
    return None if text is None else {"da": text.da, "en": text.en}


def _json(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_json(x) for x in v]
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, str) and v.startswith("error: "):
        return {"error": v[7:]}
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return str(v)
        return int(v) if v.is_integer() else round(v, 9)
    return v


def _round(x: float) -> float:
    x = round(x, 6)
    return 0.0 if x == 0 else x


# -- per-case counts (askless flow --compare) ----------------------------------------------------------

COMPARED = (("static", "static form"), ("form_order", "form order"), ("flow", "minimal flow"))


def per_case_counts(process: Process, mode: str, cases: list[dict]) -> dict[str, list[int]]:
    """Per policy (static, form_order, flow), the questions each case is asked: run down the
    policy's decision tree on the finite model, or, for a case outside its classes (or when the
    model is too large), simulated with three-valued evaluation as ``askless analyze`` does."""
    a = burden.Assumptions()
    out: dict[str, list[int]] = {"static": [_static_count(process, mode, case) for case in cases]}
    try:
        model: finite.Model | None = finite.build(process)
    except finite.TooLarge:
        model = None
    variables = model.variables if model is not None else finite.variables(process)
    order = montecarlo.file_order(variables, mode)
    fact_seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    spaces = []
    located: list[list[int | None]] = []
    if model is not None:
        seconds_of = lambda v: a.seconds_for(model.variables[v].fact.type)  # noqa: E731
        spaces = [policies.Space.of(model, c, mode, seconds_of) for c in model.components]
        located = [[locate(model, c, case) for c in model.components] for case in cases]
    for policy, key in (("form_order", "form_order"), ("minimal", "flow")):
        trees = [policies.run(space, policy) for space in spaces]
        counts = []
        for i, case in enumerate(cases):
            if model is None or any(r is None for r in located[i]):
                simulated = "form_order" if policy == "form_order" else "greedy"
                counts.append(len(montecarlo.simulate(process, case, mode, simulated, order, fact_seconds).asked))
            else:
                counts.append(sum(len(tree.asked[r]) for tree, r in zip(trees, located[i])))
        out[key] = counts
    return out


def _static_count(process: Process, mode: str, case: dict) -> int:
    """Every question on the form for the case, member questions once per member (as metrics)."""
    n = sum(1 for f in process.facts.values() if f.asked(mode))
    for group in process.groups.values():
        n += len(case.get(group.name) or []) * sum(1 for f in group.facts.values() if f.asked(mode))
    return n


def distribution(counts: dict[str, list[int]]) -> list[dict]:
    """Per number of questions from 0 to the largest asked: how many cases each policy asks that
    many questions."""
    top = max((max(v) for v in counts.values() if v), default=0)
    rows = []
    for n in range(top + 1):
        rows.append({"questions": n, **{key: sum(1 for c in counts[key] if c == n) for key, _ in COMPARED}})
    return rows


def compare(process: Process, modes: tuple[str, ...], cases: list[dict] | None = None) -> dict:
    """Per mode: expected, best and worst questions of the static form, form order and the
    minimal flow (askless analyze's figures, each ``{value, kind, method}``), and with ``cases``
    the distribution of the questions asked over those cases."""
    from . import metrics

    result = metrics.analyze(process, cases=cases)
    out: dict[str, Any] = {"process": process.name, "file": process.path, "model": result["model"], "modes": {}}
    for mode in modes:
        m = result["modes"][mode]
        block: dict[str, Any] = {key: m[key] for key, _ in COMPARED}
        if cases:
            block["distribution"] = distribution(per_case_counts(process, mode, cases))
        out["modes"][mode] = block
    return out


def compare_text(result: dict, population: str | None = None) -> str:
    """The comparison as plain-text tables (tabulate): one per mode, and with a population one
    table of how many cases are asked each number of questions."""
    from tabulate import tabulate

    from .report import _fmt

    out = [f"{result['process']} ({result['file']}): questions per application", ""]
    kinds = set()
    for mode, block in result["modes"].items():
        out.append(mode.replace("_", " "))
        rows = []
        for key, name in COMPARED:
            fig = block[key]
            kinds |= {fig[k]["kind"] for k in ("expected", "best", "worst")}
            rows.append([name, _fmt(fig["expected"]), _fmt(fig["best"], 0), _fmt(fig["worst"], 0)])
        out.append(tabulate(rows, headers=["", "expected", "best", "worst"], tablefmt="simple",
                            disable_numparse=True))
        out.append("")
        if "distribution" in block:
            out.append(f"cases asked N questions ({mode.replace('_', ' ')})")
            rows = [[str(d["questions"])] + [str(d[key]) for key, _ in COMPARED] for d in block["distribution"]]
            out.append(tabulate(rows, headers=["N"] + [name for _, name in COMPARED], tablefmt="simple",
                                disable_numparse=True))
            out.append("")
    model = result["model"]
    if population:
        basis = f"averages over the cases of {population}"
    else:
        basis = "expectations under the declared answer priors"
    if model.get("estimated"):
        out.append(f"Expected, best and worst: {basis}; ~ marks estimates: the exact model is too large "
                   f"({model['estimated']}), so the flows are simulated.")
    elif "estimate" in kinds:
        why = []
        if model.get("atoms"):
            why.append("comparisons over amounts (" + "; ".join(model["atoms"]) + ") are yes/no facts with "
                       "estimated probabilities")
        if model.get("piecewise"):
            why.append("amounts taking min, max or a rounding are compared between cases at probe values")
        out.append(f"Expected, best and worst: {basis}; ~ marks estimates" + (": " + "; ".join(why) if why else "")
                   + ".")
    else:
        out.append(f"Expected, best and worst: {basis}; exact on the finite model.")
    out.append("Static form: every question on the form; form order: the questions in rule-file order, skipping "
               "every irrelevant one; minimal flow: the most informative question first (askless flow --format "
               "json exports it).")
    return "\n".join(out) + "\n"
