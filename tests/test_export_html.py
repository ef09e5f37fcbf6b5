"""The HTML flow page (analyzer/exports/html.py): structure, engine and the page in Chromium.

Three layers, from fast to slow:

1. pure Python: the embedded data, escaping, determinism, the CLI (no Node, no browser);
2. the page's engine (analyzer/exports/flow.js) in Node against the Python oracle: every
   expression against :func:`analyzer.kleene.kvalue`, and whole cases of the bundled processes
   and of random rule files against :func:`oracle_flow` (the greedy Kleene flow of
   :func:`analyzer.montecarlo.simulate`) and :class:`analyzer.evaluate.Evaluation`;
3. the page in headless Chromium (tests/browser.py, tests/js/flow.mjs): a citizen answers sample
   cases of every bundled process in both modes by clicking and typing; the questions, the
   decision and the counts must equal the oracle's, with no console error and no request.
   Screenshots are kept in tests/artifacts/.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import finite, montecarlo, policies, population
from analyzer.burden import Assumptions
from analyzer.evaluate import EvalError, Evaluation
from analyzer.exports import html
from analyzer.flow import Decision, Flow
from analyzer.kleene import UNKNOWN, PartialEnv, PartialEvaluation, kvalue
from analyzer.load import load_paths
from analyzer.model import Process
from analyzer.rows import locate
from tests import strategies
from tests.browser import action, artifact, chromium_or_skip, run_node, run_page

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ("boligstoette", "byggetilladelse", "ekstra_affald", "oekonomisk_friplads")
MODES = ("anonymous", "logged_in")


def load(name: str) -> Process:
    return load_paths([str(ROOT / "rules" / f"{name}.yaml")]).processes[0]


def jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def same(a: Any, b: Any) -> bool:
    """Equal as values: 12 and 12.0 are the same number (JS has one number type), True is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def node_or_skip() -> None:
    if shutil.which("node") is None:
        pytest.skip("engine test skipped: node is not on PATH (Node 20 runs tests/js/engine.mjs)")


# -- the oracle ---------------------------------------------------------------------------------

def key(item: tuple) -> str:
    group, index, name = item
    return f"{group}[{index}].{name}" if group else name


def oracle_flow(process: Process, case: dict, mode: str,
                objective: str = "questions") -> tuple[list[tuple[str, list[str]]], dict]:
    """The questions the greedy Kleene flow asks ``case`` (key, outcomes it can change), as
    :func:`analyzer.montecarlo.simulate` (register facts given up front when logged in; with the
    ``time`` objective each candidate weighed per second of answering time), and what the
    answers then decide."""
    order = {(v.group, v.index, v.fact.name): i for i, v in enumerate(finite.variables(process)) if v.fact.asked(mode)}
    a = Assumptions()
    seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    answers = montecarlo.prefilled_answers(process, case, mode)
    asked: list[tuple[str, list[str]]] = []
    for _ in range(len(order) + 1):
        supports = PartialEvaluation(process, answers).supports()
        candidates = {c for s in supports.values() for c in s if c in order}
        if not candidates:
            break
        weight = {c: sum(1 for s in supports.values() if c in s) for c in candidates}
        if objective == "time":
            weight = {c: w / seconds[f"{c[0]}.{c[2]}" if c[0] else c[2]] for c, w in weight.items()}
        q = min(candidates, key=lambda c: (-weight[c], order[c]))
        group, index, name = q
        if group is None:
            answers[name] = case.get(name)
        else:
            answers[group][index - 1][name] = case[group][index - 1].get(name)
        asked.append((key(q), [o for o, s in supports.items() if q in s]))
    ev = PartialEvaluation(process, answers)
    return asked, {name: ev.get(name) for name in process.outcomes}


def exact_flow(flow: Flow, case: dict) -> tuple[list[tuple[str, list[str]]], dict]:
    """The questions ``flow`` (the exact engine) asks ``case`` (key, why), with register facts
    given up front when logged in, and its decision."""
    process, mode = flow.process, flow.mode
    answers = montecarlo.prefilled_answers(process, case, mode)
    asked: list[tuple[str, list[str]]] = []
    for _ in range(len(process.all_facts()) * 8 + 1):
        step = flow.next(answers)
        if isinstance(step, Decision):
            return asked, step.outcomes
        assert step.exact, "a sample case left the finite model's classes"
        group, _, name = step.fact.rpartition(".")
        if group:
            answers[group][step.member - 1][name] = case[group][step.member - 1].get(name)
            asked.append((f"{group}[{step.member}].{name}", list(step.why)))
        else:
            answers[name] = case.get(name)
            asked.append((name, list(step.why)))
    raise AssertionError("Flow did not decide")


def exact_time_flow(process: Process, mode: str, case: dict) -> list[str]:
    """The questions the page's exact flow asks ``case`` with the ``time`` objective: per
    component the path of its minimal tree (policies.run over a Space minimising seconds) for
    the case's row, the components' next questions taken in rule-file order (as ``exactNext``
    picks the pending node of least order)."""
    model = finite.build(process)
    a = Assumptions()
    rank = {v.id: i for i, v in enumerate(v for v in finite.variables(process) if v.fact.is_input)}
    paths = []
    for component in model.components:
        space = policies.Space.of(model, component, mode, lambda v: a.seconds_for(model.variables[v].fact.type),
                                  "time")
        tree = policies.run(space, policies.minimal_policy(space))
        row = locate(model, component, case)
        assert row is not None, case
        paths.append([model.variables[component.variables[q]].id for q in tree.asked[row]])
    asked = []
    while any(paths):
        first = min((p for p in paths if p), key=lambda p: rank[p[0]])
        asked.append(first.pop(0))
    return asked


def check_runs(process: Process, mode: str, cases: list[dict], runs: list[dict], exact: bool | None = None,
               objective: str = "questions") -> None:
    """Each run (the engine's or the page's) asks what the oracle asks and decides what the rules
    decide for the full case. The oracle is the exact engine when the page embeds the decision
    graphs, else the greedy three-valued flow."""
    if exact is None:
        exact = html.payload(process, mode, objective)["dag"] is not None
    flow = Flow(process, mode)
    registers = {f.key for f in process.all_facts() if f.kind == "register"}
    for case, run in zip(cases, runs, strict=True):
        assert run["error"] is None, (run["error"], case)
        if exact and objective == "time":
            asked, decided = [(k, []) for k in exact_time_flow(process, mode, case)], None
        else:
            asked, decided = exact_flow(flow, case) if exact else oracle_flow(process, case, mode, objective)
        questions = [s for s in run["steps"] if s["kind"] == "question"]
        assert [s["key"] for s in questions] == [k for k, _ in asked], case
        if not exact and mode == "anonymous":
            assert [s["why"] for s in questions] == [w for _, w in asked], case
        # prefilled register facts are shown as steps of their own, never counted
        assert all(re.sub(r"\[\d+\]", "", s["key"]) in registers for s in run["steps"] if s["kind"] == "register")
        assert mode == "logged_in" or not [s for s in run["steps"] if s["kind"] == "register"]
        expected = jsonable(Evaluation(process, case).outcomes())
        assert same(run["outcomes"], expected), (run["outcomes"], expected, case)
        if not exact:
            assert same(run["outcomes"], jsonable(decided))


# -- 1. pure Python -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PROCESSES)
def test_payload_holds_every_rule(name):
    process = load(name)
    data = html.payload(process, "anonymous")
    assert list(data["facts"]) == list(process.facts)
    assert [o["name"] for o in data["outcomes"]] == list(process.outcomes)
    assert data["outcomeIndex"] == {o: i for i, o in enumerate(process.outcomes)}
    inputs = [v.id for v in finite.variables(process) if v.fact.is_input]
    assert list(data["order"]) == inputs and sorted(data["order"].values()) == list(range(len(inputs)))
    for fact in process.all_facts():
        shown = data["groups"][fact.group]["facts"][fact.name] if fact.group else data["facts"][fact.name]
        assert (shown["derive"] is None) == (fact.derive is None) and shown["kind"] == fact.kind
    json.dumps(data, allow_nan=False)  # plain JSON: the page parses it


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_static_count_is_the_static_form(name, mode):
    from analyzer.flowexport import _static_count
    process = load(name)
    static = html.payload(process, mode)["static"]
    for case in population.generate(process, 20, 3):
        counted = static["top"] + sum(len(case.get(g) or []) * k for g, k in static["groups"].items())
        assert counted == _static_count(process, mode, case)


@pytest.mark.parametrize("name", PROCESSES)
def test_page_is_self_contained_and_deterministic(name):
    process = load(name)
    page = html.render(process, "anonymous")
    assert page == html.render(process, "anonymous")
    assert page.startswith("<!doctype html>\n<html lang=\"da\">")
    assert f'content="{html.CSP}"' in page and "default-src 'none'" in html.CSP
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page), "an external resource"
    assert re.findall(r'href="([^"]*)"', page) == ["#main"]
    assert "/work/" not in page and str(ROOT) not in page  # no absolute path
    embedded = re.search(r'<script type="application/json" id="askless-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(embedded) == json.loads(json.dumps(html.payload(process, "anonymous")))
    for asset in ("flow.js", "page.js", "page.css"):
        assert (ROOT / "analyzer" / "exports" / asset).read_text(encoding="utf-8") in page


def test_rule_text_cannot_break_out_of_the_page(tmp_path):
    rules = tmp_path / "evil.yaml"
    rules.write_text(
        "process: evil\n"
        "title: \"</script><script>alert(1)</script> & <!--\"\n"
        "facts:\n"
        "  lejer: {type: bool, ask: \"</script><img src=x onerror=alert(2)>\"}\n"
        "outcomes:\n"
        "  ok: {when: lejer, title: \"<b>bold</b>\"}\n", encoding="utf-8")
    project = load_paths([str(rules)])
    assert not [d for d in project.diagnostics if d.severity == "error"]
    process = project.processes[0]
    page = html.render(process)
    assert page.count("</script>") == 3  # the data and the two scripts, nothing else closes one
    assert "<script>alert" not in page and "<img" not in page and "<b>" not in page
    embedded = re.search(r'id="askless-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(embedded)["facts"]["lejer"]["ask"]["da"] == "</script><img src=x onerror=alert(2)>"


def test_ast_covers_every_node_kind():
    from analyzer.expr import parse
    tree = parse("if a in [1, 2] then -round(x / 3, 1) else max(sum(g, y), 0)")
    assert html.ast(tree) == [
        "if", ["in", ["name", "a"], ["list", ["lit", 1], ["lit", 2]]],
        ["unary", "-", ["call", "round", ["/", ["name", "x"], ["lit", 3]], ["lit", 1]]],
        ["call", "max", ["call", "sum", ["name", "g"], ["name", "y"]], ["lit", 0]]]
    with pytest.raises(TypeError):
        html.ast("a")  # type: ignore[arg-type]


def test_mode_is_checked():
    with pytest.raises(ValueError, match="anonymous or logged_in"):
        html.payload(load("ekstra_affald"), "mitid")


def test_cli_writes_the_page_and_keeps_a_file_without_force(runner, tmp_path):
    from cli import main
    out = tmp_path / "flow.html"
    rules = str(ROOT / "rules" / "boligstoette.yaml")  # its exact finite model is too large: html still works
    result = runner.invoke(main, ["flow", rules, "--format", "html", "--mode", "logged_in", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == html.render(load("boligstoette"), "logged_in")
    out.write_text("mine", encoding="utf-8")
    result = runner.invoke(main, ["flow", rules, "--format", "html", "-o", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "mine"


# -- 2. the engine in Node ------------------------------------------------------------------------

@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_engine_asks_and_decides_as_the_oracle(name, mode):
    node_or_skip()
    process = load(name)
    cases = population.generate(process, 60, 11)
    runs = run_node("engine.mjs", {"data": html.payload(process, mode), "cases": jsonable(cases)})
    check_runs(process, mode, cases, runs)


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_engine_minimises_answering_time_as_the_oracle(name, mode):
    """``--objective time``: the exact graphs minimise seconds (oracle: the minimal tree of a
    Space with the time objective), the three-valued flow weighs each candidate per second
    (oracle: montecarlo.simulate's rule); both decide as the rules do."""
    node_or_skip()
    process = load(name)
    cases = population.generate(process, 40, 13)
    data = html.payload(process, mode, "time")
    assert data["objective"] == "time" and set(data["seconds"]) == {f.key for f in process.all_facts()}
    runs = run_node("engine.mjs", {"data": data, "cases": jsonable(cases)})
    check_runs(process, mode, cases, runs, objective="time")


@settings(max_examples=15)
@given(strategies.finite_rule_sets(), st.randoms(use_true_random=False), st.sampled_from(MODES), st.booleans())
def test_engine_minimises_answering_time_on_random_rule_files(tmp_path_factory, rule_set, rng, mode, graphs):
    node_or_skip()
    path = tmp_path_factory.mktemp("rules") / "t.yaml"
    path.write_text(rule_set.text(), encoding="utf-8")
    process = load_paths([str(path)]).processes[0]
    cases = [{f.name: rng.choice(f.values) for f in rule_set.facts} for _ in range(8)]
    data = html.payload(process, mode, "time")
    if not graphs:
        data["dag"] = None
    runs = run_node("engine.mjs", {"data": data, "cases": cases})
    check_runs(process, mode, cases, runs, exact=data["dag"] is not None, objective="time")


FAST_FIRST = """\
process: t
title: T
facts:
  indkomst: {type: money, ask: Indkomst?, min: 0, max: 1000000, prior: [{upto: 300000, p: 0.5}, {p: 0.5}]}
  lejer: {type: bool, ask: Lejer?, p_true: 0.5}
  studerende: {type: bool, ask: Studerende?, p_true: 0.5}
outcomes:
  stoette: {when: "indkomst <= 300000 and lejer"}
  rabat: {when: "indkomst <= 300000 or studerende"}
"""


@pytest.mark.parametrize("graphs", [True, False])
def test_the_time_flow_asks_quick_questions_first(tmp_path, graphs):
    """Income (45 s) settles both outcomes at once, the two yes/no questions (10 s each) one each:
    by question count income comes first, by time the yes/no questions do, in both engines."""
    node_or_skip()
    rules = tmp_path / "t.yaml"
    rules.write_text(FAST_FIRST, encoding="utf-8")
    process = load_paths([str(rules)]).processes[0]
    cases = [{"indkomst": i, "lejer": le, "studerende": st} for i in (100000, 500000)
             for le in (True, False) for st in (True, False)]
    first = {}
    for objective in ("questions", "time"):
        data = html.payload(process, "anonymous", objective)
        assert data["dag"] is not None
        if not graphs:
            data["dag"] = None
        runs = run_node("engine.mjs", {"data": data, "cases": cases})
        check_runs(process, "anonymous", cases, runs, exact=graphs, objective=objective)
        first[objective] = {run["steps"][0]["key"] for run in runs}
    assert first == {"questions": {"indkomst"}, "time": {"lejer"}}


def test_the_time_page_says_what_it_minimises(runner, tmp_path):
    from cli import main
    out = tmp_path / "page.html"
    result = runner.invoke(main, ["flow", str(ROOT / "rules" / "ekstra_affald.yaml"), "--format", "html",
                                  "--objective", "time", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert html.FOOTER_TIME in page and html.FOOTER_TIME not in html.render(load("ekstra_affald"))
    with pytest.raises(ValueError):
        html.payload(load("ekstra_affald"), "anonymous", "speed")


def test_engine_decides_where_a_cached_derived_value_hides_an_input():
    """A case where a derived value first computed for one outcome is read from the cache by
    another: the support must still hold every input it read (analyzer.kleene once lost one
    here, leaving an outcome undecided with nothing to ask); the engine asks it and decides."""
    node_or_skip()
    process = load("boligstoette")
    case = {"lejer": False, "helaarsbolig": True, "eget_koekken": True, "areal": 107, "husleje": None,
            "forbrugsudgifter": None, "ejer_boligudgift": 30472.83, "anvist_bolig": None, "antal_voksne": 1,
            "antal_boern": 0, "svaert_bevaegelseshaemmet": True, "doegnhjaelp": None, "formue": 2039894.39,
            "folkepension_i_husstanden": False, "foertidspension": "nej", "begge_under_30": None,
            "voksne": [{"indkomst": 209098.28}]}
    [run] = run_node("engine.mjs", {"data": html.payload(process, "anonymous"), "cases": [case]})
    assert "folkepension_i_husstanden" in [s["key"] for s in run["steps"]]
    assert "UNKNOWN" not in json.dumps(run["outcomes"])
    check_runs(process, "anonymous", [case], [run])


EDGES_RULES = """\
process: edges
title: Edges
facts:
  a: {type: money, ask: A?, min: 0, max: 1000, prior: [{upto: 500, p: 0.5}, {p: 0.5}]}
  b: {type: money, ask: B?, min: 0, max: 1000, prior: [{upto: 500, p: 0.5}, {p: 0.5}]}
  c: {type: bool, ask: C?, p_true: 0.5, applies_if: "total > 1000", default: false}
  d: {type: bool, ask: D?, p_true: 0.5, applies_if: "total <= 1000", default: false}
  n: {type: int, ask: N?, min: 0, max: 1000, prior: [{upto: 2, p: 0.3}, {upto: 6, p: 0.3}, {p: 0.4}]}
  e: {type: bool, ask: E?, p_true: 0.5}
  total: {derive: a + b}
outcomes:
  o: {when: "c or d"}
  p: {when: "n >= 3 and n < 7 and e"}
"""


def test_engine_walks_class_boundaries_and_atoms(tmp_path):
    """The exact engine on answers at the edges of the answer classes (n = 3 and 7 open a class,
    2 and 6 close one; e is asked only for n in [3, 7)) and on a comparison over amounts (an atom: a + b > 1000 decides whether c
    or d applies, so which is asked), against analyzer.flow.Flow."""
    node_or_skip()
    rules = tmp_path / "edges.yaml"
    rules.write_text(EDGES_RULES, encoding="utf-8")
    process = load_paths([str(rules)]).processes[0]
    data = html.payload(process, "anonymous")
    assert data["dag"] is not None and sorted(data["dag"]["atoms"]) == ["total <= 1000", "total > 1000"]
    cases = [{"a": a, "b": b, "c": c if a + b > 1000 else None, "d": d if a + b <= 1000 else None, "n": n, "e": True}
             for a, b in ((400, 600), (400, 600.5), (1000, 0.25), (0, 0))
             for n in (0, 2, 3, 6, 7, 1000) for c, d in ((True, False), (False, True))]
    runs = run_node("engine.mjs", {"data": data, "cases": cases})
    check_runs(process, "anonymous", cases, runs, exact=True)
    asked = {tuple(s["key"] for s in run["steps"]) for run in runs}
    assert any("c" in keys and "d" not in keys for keys in asked) and any("d" in keys for keys in asked)


@settings(max_examples=30)
@given(strategies.finite_rule_sets(), st.randoms(use_true_random=False), st.sampled_from(MODES), st.booleans())
def test_engine_on_random_rule_files(tmp_path_factory, rule_set, rng, mode, graphs):
    """Both engines on random rule files: with the decision graphs (``graphs``, when the page can
    embed them) against :class:`analyzer.flow.Flow`, without against the greedy Kleene flow."""
    node_or_skip()
    path = tmp_path_factory.mktemp("rules") / "t.yaml"
    path.write_text(rule_set.text(), encoding="utf-8")
    project = load_paths([str(path)])
    assert not [d for d in project.diagnostics if d.severity == "error"], project.diagnostics
    process = project.processes[0]
    cases = [{f.name: rng.choice(f.values) for f in rule_set.facts} for _ in range(8)]
    data = html.payload(process, mode)
    if not graphs:
        data["dag"] = None
    runs = run_node("engine.mjs", {"data": data, "cases": cases})
    check_runs(process, mode, cases, runs, exact=data["dag"] is not None)


@settings(max_examples=20)
@given(st.lists(st.tuples(st.sampled_from(["bool", "int", "number", "choice"]).flatmap(strategies.typed_exprs),
                          strategies.envs(nulls=True), st.sets(st.sampled_from(sorted(strategies.DECLARED)))),
                min_size=10, max_size=10))
def test_engine_expressions_equal_kleene(items):
    """flow.js's kvalue equals analyzer.kleene.kvalue on typed expressions over partial answers."""
    node_or_skip()
    exprs, expected = [], []
    for tree, env, unknown in items:
        known = {n: v for n, v in env.items() if n not in unknown}
        exprs.append({"tree": html.ast(tree), "env": known})
        try:
            v = kvalue(tree, PartialEnv(known))
            expected.append({"value": "UNKNOWN" if v is UNKNOWN else v})
        except (EvalError, ArithmeticError):
            expected.append({"error": True})
    got = run_node("engine.mjs", {"exprs": exprs})
    for e, want, have in zip(exprs, expected, got):
        if "error" in want:
            assert "error" in have, (e, have)
        else:
            assert "error" not in have and same(have["value"], want["value"]), (e, want, have)


EDGE_EXPRESSIONS = [
    "round(-2.5)", "round(2.5)", "round(0.125, 2)", "round(-1234.5, -1)", "round(x)", "floor(-0.5)", "ceil(-0.5)",
    "7 / 2", "x / 0", "-x * 3 + 1", "min(3, x, 1.5)", "max(x, 2)", "abs(-x)",
    "years_between(date('2000-02-29'), date('2024-02-28'))", "months_between(date('2024-01-31'), date('2024-03-30'))",
    "days_between(date('2024-01-01'), date('2025-01-01'))", "add_months(date('2024-01-31'), 1) == date('2024-02-29')",
    "add_years(date('2024-02-29'), 1) == date('2025-02-28')", "add_days(date('2024-12-31'), 1) > date('2024-12-31')",
    "date('2024-03-01') - date('2024-02-01')", "date('2024-13-01')", "u == null", "y == null", "y != null", "y > 1",
    "x in [1, null]", "2.5 in [1, null]", "x not in [2, 3]", "u or true", "u and false", "not u", "y or u",
    "if u then 1 else 1", "if u then 1 else 2", "if y then 1 else 2", "c in ['a', 'b']", "c + 'x'",
    "count(g)", "sum(g, x)", "any(g, u)",
]


def test_engine_edge_expressions_equal_kleene():
    """Rounding half away from zero, dates, null and unknown: flow.js as analyzer.kleene."""
    node_or_skip()
    from analyzer.expr import parse
    env = {"x": 2.5, "y": None, "c": "a"}  # u is unknown, g an unknown group
    got = run_node("engine.mjs", {"exprs": [{"tree": html.ast(parse(text)), "env": env} for text in EDGE_EXPRESSIONS]})
    for text, have in zip(EDGE_EXPRESSIONS, got):
        try:
            want = kvalue(parse(text), PartialEnv(env))
        except (EvalError, ArithmeticError, ValueError):
            assert "error" in have, (text, have)
            continue
        want = "UNKNOWN" if want is UNKNOWN else jsonable(want)
        assert "error" not in have and same(have["value"], want), (text, want, have)


# -- 3. the page in Chromium ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser_runs(tmp_path_factory):
    """Every bundled process in both modes, answered in one Chromium: 2 sample cases a page, the
    first with a wrong answer and the back button tried first."""
    chromium_or_skip()
    folder = tmp_path_factory.mktemp("pages")
    pages, expected = [], {}
    for name in PROCESSES:
        process = load(name)
        cases = population.generate(process, 2, 20261128)
        for mode in MODES:
            path = folder / f"{name}-{mode}.html"
            path.write_text(html.render(process, mode), encoding="utf-8")
            pages.append({"path": str(path), "cases": jsonable(cases), "probe": True,
                          "screenshot": str(artifact(f"flow-{name}-{mode}.png"))})
            expected[(name, mode)] = (process, cases)
    runs = run_node("flow.mjs", {"pages": pages})
    return {k: (*expected[k], run) for k, run in zip(expected, runs)}


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_page_in_chromium_reaches_the_right_decision(browser_runs, name, mode):
    process, cases, run = browser_runs[(name, mode)]
    assert not (run["console_errors"] or run["page_errors"] or run["requests"]), run
    check_runs(process, mode, cases, run["cases"])
    static = html.payload(process, mode)["static"]
    for case, result in zip(cases, run["cases"]):
        assert result["asked"] == sum(1 for s in result["steps"] if s["kind"] == "question")
        assert result["static"] == static["top"] + sum(len(case.get(g) or []) * k for g, k in static["groups"].items())
    problems = {p for result in run["cases"] for step in result["steps"] for p in step["a11y"]}
    assert not problems, problems  # every input labelled, focus in the step, one h1
    probe = run["probe"]
    assert probe["stayed"] and probe["bad_answer_error"], probe  # a wrong answer is refused, saying why
    assert probe["back_key"] == probe["first_key"] and probe["back_value"] not in (None, ""), probe
    assert Path(artifact(f"flow-{name}-{mode}.png")).stat().st_size > 10_000


def test_harness_blocks_and_reports_requests(tmp_path):
    chromium_or_skip()
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html lang="da"><head><link rel="stylesheet" href="https://example.com/x.css">'
                    '</head><body><h1>x</h1><script>console.error("boom"); nope();</script>'
                    '<input id="a"><button id="b" onclick="document.title=document.getElementById(\'a\').value">'
                    'b</button><img src="http://example.org/i.png"></body></html>', encoding="utf-8")
    run = run_page(page, [action("fill", "#a", "hej"), action("click", "#b"), action("click", "#missing")],
                   texts={"h": "h1", "title": "title"}, timeout_ms=300)
    assert run.requests == ("https://example.com/x.css", "http://example.org/i.png")
    assert "boom" in run.console_errors and run.page_errors == ("nope is not defined",)
    assert run.texts["h"] == ["x"] and len(run.action_errors) == 1 and "#missing" in run.action_errors[0]
    assert not run.clean and "network requests" in run.problems()


VALIDATION_RULES = """\
process: v
title: Validering
facts:
  alder: {type: int, ask: Hvor gammel er du?, min: 0, max: 120}
  indkomst: {type: money, ask: Hvad er din indkomst?, min: 0, unit: DKK}
outcomes:
  under_graensen: {when: "alder >= 18 and indkomst < 100000", title: Under grænsen}
"""


def test_answer_check_reads_danish_numbers_and_refuses_the_rest():
    node_or_skip()
    fact = {"type": "money", "min": 0, "max": 1000000, "choices": []}
    whole = {**fact, "type": "int", "max": 120}
    table = [(fact, "171.500", {"value": 171500}), (fact, "1.234,5", {"value": 1234.5}), (fact, "2,5", {"value": 2.5}),
             (fact, " 2.5 ", {"value": 2.5}), (fact, "1 000", {"value": 1000}), (fact, "abc", {"error": "Skriv et tal."}),
             (fact, "", {"error": "Skriv et tal."}), (fact, "-1", {"error": "Svaret skal være mindst 0."}),
             (fact, "1.000.001", {"error": "Svaret må højst være 1.000.000."}),
             (whole, "17,5", {"error": "Skriv et helt tal."}), (whole, "121", {"error": "Svaret må højst være 120."}),
             (whole, "30", {"value": 30}),
             ({"type": "bool", "choices": []}, "true", {"value": True}),
             ({"type": "bool", "choices": []}, "", {"error": "Vælg ja eller nej."}),
             ({"type": "choice", "choices": [["a", None]]}, "b", {"error": "Vælg en af mulighederne."}),
             ({"type": "date", "min": "2000-01-01", "max": None, "choices": []}, "1999-12-31",
              {"error": "Svaret skal være mindst 2000-01-01."}),
             ({"type": "date", "min": None, "max": None, "choices": []}, "2024-02-30",
              {"error": "Skriv en dato som ÅÅÅÅ-MM-DD."}),
             ({"type": "text", "choices": []}, "  ", {"error": "Skriv et svar."})]
    got = run_node("engine.mjs", {"checks": [{"fact": f, "raw": raw} for f, raw, _ in table]})
    for (f, raw, want), have in zip(table, got):
        assert same(have, want), (f["type"], raw, have, want)


def test_page_validates_input_in_chromium(tmp_path):
    """A wrong answer is refused with a message and the question stays; Danish notation is read."""
    chromium_or_skip()
    rules = tmp_path / "v.yaml"
    rules.write_text(VALIDATION_RULES, encoding="utf-8")
    path = tmp_path / "v.html"
    path.write_text(html.render(load_paths([str(rules)]).processes[0]), encoding="utf-8")
    field, submit = 'form.step input[name="answer"]', 'button[data-action="next"]'
    texts = {"error": "form.step .error", "key": "form.step h2", "decision": "[data-outcome] td"}
    refused = run_page(path, [action("fill", field, "121"), action("press", field, "Enter")], texts=texts)
    assert refused.clean, refused.problems()
    assert refused.texts["error"] == ["Svaret må højst være 120."] and refused.texts["key"] == ["Spørgsmål 1"]
    decided = run_page(path, [action("fill", field, "mange"), action("click", submit),
                              action("fill", field, "30"), action("click", submit),
                              action("fill", field, "171.500"), action("click", submit), action("wait", "[data-decision]")],
                       texts=texts, screenshot="flow-validation.png")
    assert decided.clean, decided.problems()
    assert decided.texts["decision"][0] == "Nej"  # 171.500 is 171500 kroner, not 171.5
