"""Scenarios (analyzer/scenario.py): golden broken files, each change kind, and properties.

The broken files in tests/broken_scenarios/ are applied to tests/broken_scenarios/demo.rules.yaml;
each must give exactly the finding listed here (line, column, code, words of the message). The
properties check :func:`apply` against an independent path: the same edit made to the rule file's
text, loaded afresh, must decide every case alike (tests/strategies.py builds the rule files).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analyzer import exprmatch, scenario
from analyzer.evaluate import Evaluation
from analyzer.expr import Binary, Expr, parse
from analyzer.load import load_file, load_paths, load_process_document
from analyzer.metrics import analyze
from analyzer.model import Process, Text
from analyzer.scenario import (
    DropCase,
    DropCondition,
    DropFact,
    Merge,
    Prefill,
    Replace,
    Scenario,
    ScenarioError,
    SetConstant,
    apply,
    chains,
    dump,
    shape,
)
from analyzer.validate import validate
from analyzer.yamlread import read
from tests.oracle import Oracle
from tests.strategies import FiniteRuleSet, finite_rule_sets, render, typed_exprs, unparse

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "broken_scenarios"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATALOGUE = load_paths([str(HERE.parent / "rules")]).catalogue


def demo() -> Process:
    process, diagnostics = load_file(str(BROKEN / "demo.rules.yaml"))
    assert process is not None and not diagnostics
    return process


def problems(name: str) -> list[tuple[int, int, str, str]]:
    """(line, col, code, message + hint) of every finding of a broken scenario applied to demo."""
    try:
        s = scenario.load(str(BROKEN / name))
        apply(demo(), s.changes, CATALOGUE)
    except ScenarioError as exc:
        return [(d.line, d.col, d.code, d.message + " / " + d.hint) for d in exc.diagnostics]
    return []


# -- golden broken scenarios: one per kind of error ------------------------------------------------

GOLDEN = [
    ("yaml-syntax.yaml", 6, 1, "yaml-syntax", ["expected ',' or '}'"]),
    ("unknown-key.yaml", 4, 1, "unknown-key", ["'chagnes'", "did you mean 'changes'"]),
    ("unknown-change.yaml", 6, 5, "unknown-key", ["'prefil'", "did you mean 'prefill'"]),
    ("missing-key.yaml", 5, 5, "missing-key", ["'value'"]),
    ("two-changes-in-one.yaml", 5, 5, "invalid-value", ["2 changes (set_constant, prefill)", "'- '"]),
    ("unknown-fact.yaml", 5, 21, "unknown-reference", ["no fact 'pensionis'", "did you mean 'pensionist'"]),
    ("unknown-constant.yaml", 5, 30, "unknown-reference", ["no constant 'grense'", "did you mean 'graense'"]),
    ("unknown-outcome.yaml", 5, 26, "unknown-reference", ["no outcome 'ordnig'", "did you mean 'ordning'"]),
    ("unknown-register.yaml", 5, 43, "unknown-register", ["'UKD'", "did you mean 'UDK'"]),
    ("no-match.yaml", 5, 54, "unknown-reference", ["no condition 'husstand < graense'",
                                                   "did you mean 'husstand <= graense'"]),
    ("ambiguous-match.yaml", 5, 54, "unknown-reference", ["occurs 2 times", "'(gammel and lejer)'"]),
    ("expression-syntax.yaml", 5, 49, "expression-syntax", ["'&&'", "write 'and'"]),
    ("unknown-name.yaml", 7, 26, "unknown-reference", ["'partner_indkomsten'", "did you mean 'partner_indkomst'"]),
    ("type-mismatch.yaml", 6, 14, "type-mismatch", ["must be a yes/no condition", "number"]),
    ("cycle.yaml", 5, 14, "cycle", ["beloeb -> husstand -> beloeb"]),
    ("still-read.yaml", 5, 23, "invalid-value", ["still read by ordning"]),
    ("prefill-derived.yaml", 5, 21, "invalid-value", ["'gammel' is derived"]),
    ("constant-kind.yaml", 5, 46, "invalid-value", ["a number (100)", "'200 kr' is text"]),
    ("merge-derived.yaml", 5, 35, "invalid-value", ["'husstand' is derived"]),
    ("wrong-target.yaml", 5, 21, "invalid-value", ["exactly one of 'outcome' or 'fact'"]),
]


@pytest.mark.parametrize(("name", "line", "col", "code", "words"),
                         [pytest.param(*g, id=g[0].removesuffix(".yaml")) for g in GOLDEN])
def test_broken_scenario_gives_its_finding(name, line, col, code, words):
    found = problems(name)
    assert (line, col, code) in [(f[0], f[1], f[2]) for f in found], found
    text = next(f[3] for f in found if f[:3] == (line, col, code))
    for word in words:
        assert word in text, text


def test_every_broken_scenario_is_in_the_table():
    names = sorted(p.name for p in BROKEN.glob("*.yaml") if p.name != "demo.rules.yaml")
    assert names == sorted(g[0] for g in GOLDEN)


# -- each change kind on the small rule file ------------------------------------------------------

CASE = {"lejer": True, "pensionist": False, "alder": 70, "indkomst": 40, "partner": True, "partner_indkomst": 30}


def decide(process: Process, case: dict = CASE) -> dict:
    return Evaluation(process, dict(case)).outcomes()


def test_empty_scenario_keeps_the_process():
    p = demo()
    q = apply(p, [])
    assert q.facts == p.facts and q.outcomes == p.outcomes and q.constants == p.constants
    assert q.tests == ()


def test_apply_does_not_touch_its_input():
    p = demo()
    before = dataclasses.replace(p)
    apply(p, [SetConstant("graense", 50), Prefill("pensionist", "UDK")])
    assert p == before


def test_set_constant():
    q = apply(demo(), [SetConstant("graense", 60)])
    assert q.constants["graense"].value == 60
    assert decide(demo())["beloeb"] is None  # berettiget false: gammel and lejer
    case = dict(CASE, alder=30)
    assert decide(demo(), case)["beloeb"] == 30
    assert decide(q, case)["berettiget"] is False


def test_prefill_makes_a_question_a_register_fact():
    q = apply(demo(), [Prefill("pensionist", "UDK", "old-age pension")])
    f = q.facts["pensionist"]
    assert (f.kind, f.register, f.register_field) == ("register", "UDK", "old-age pension")
    assert [x.key for x in q.questions("logged_in")] == ["lejer", "indkomst", "partner", "partner_indkomst"]


def test_drop_condition_removes_one_conjunct_and_keeps_parentheses_where_needed():
    q = apply(demo(), [DropCondition("husstand<=graense", outcome="berettiget")])
    assert q.outcomes["berettiget"].when.text == "lejer and not (gammel and lejer)"
    r = apply(demo(), [DropCondition("gammel", outcome="berettiget")])
    assert r.outcomes["berettiget"].when.text == "lejer and husstand <= graense and not lejer"


def test_drop_condition_of_a_whole_applies_if_removes_it():
    q = apply(demo(), [DropCondition("partner", fact="partner_indkomst")])
    assert q.facts["partner_indkomst"].applies_if is None and q.facts["partner_indkomst"].default is None


def test_drop_case_removes_an_exception():
    q = apply(demo(), [DropCase("ordning", "gammel")])
    assert [c.when.text if c.when else None for c in q.outcomes["ordning"].cases] == ["pensionist", None]
    case = dict(CASE, alder=70, indkomst=0, partner=False)
    old, new = decide(demo(), dict(case, lejer=True)), decide(q, dict(case, lejer=True))
    assert old["berettiget"] is False and new["berettiget"] is False  # gammel tenants are out anyway


def test_replace_turns_a_question_into_a_derived_fact():
    q = apply(demo(), [Replace("derive", "alder >= 67", fact="pensionist")])
    f = q.facts["pensionist"]
    assert f.kind == "derived" and f.ask is None and f.derive.text == "alder >= 67"
    assert "pensionist" not in [x.key for x in q.questions("anonymous")]
    assert not [d for d in validate(q, None) if d.severity == "error"]


def test_replace_an_outcome_value():
    q = apply(demo(), [Replace("value", "graense - indkomst", outcome="beloeb")])
    assert decide(q, dict(CASE, alder=30))["beloeb"] == 60


def test_merge_makes_the_dropped_fact_read_the_kept_one():
    q = apply(demo(), [Merge("indkomst", "partner_indkomst")])
    f = q.facts["partner_indkomst"]
    assert f.kind == "derived" and f.derive.text == "indkomst" and f.applies_if is None
    assert decide(q, {"lejer": True, "pensionist": False, "alder": 30, "indkomst": 40, "partner": False})[
        "beloeb"] == 20


def test_drop_fact_after_its_readers_are_gone():
    q = apply(demo(), [DropCondition("partner", fact="partner_indkomst"), DropFact("partner")])
    assert "partner" not in q.facts


def test_changes_built_in_code_point_at_the_scenario():
    with pytest.raises(ScenarioError) as exc:
        apply(demo(), [Prefill("pensionis", "UDK")])
    (d,) = exc.value.diagnostics
    assert d.render().startswith("<scenario>:0:0: [error] prefill: process 'demo' has no fact 'pensionis'")


# -- dump and load ---------------------------------------------------------------------------------

CHANGES = st.one_of(
    st.builds(SetConstant, st.sampled_from(["graense", "a_b"]),
              st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.sampled_from(["2026-01-01", "tekst: æ, ø"]))),
    st.builds(Prefill, st.sampled_from(["lejer", "voksne.indkomst"]), st.sampled_from(["CPR", "BBR"]),
              st.one_of(st.none(), st.just("area: m2"))),
    st.builds(DropCondition, st.sampled_from(["a and b", "not (x == 'y')", "alder >= 67"]),
              st.just("berettiget")),
    st.builds(DropCase, st.just("ordning"), st.sampled_from(["gammel", "x in ['a', 'b']"])),
    st.builds(Replace, st.sampled_from(["derive", "applies_if"]), st.sampled_from(["1 + 2", "a or #b"]),
              fact=st.just("husstand")),
    st.builds(Merge, st.just("a"), st.just("b")),
    st.builds(DropFact, st.just("partner")),
)


@SETTINGS
@given(st.lists(CHANGES, max_size=6), st.one_of(st.none(), st.text(min_size=1, max_size=40)))
def test_dump_then_load_gives_the_same_scenario(tmp_path_factory, changes, rationale):
    s = Scenario("s-1", Text("Titel æøå", "Title"), "demo", tuple(changes), rationale)
    path = tmp_path_factory.mktemp("dump") / "s.yaml"
    text = dump(s)
    assert dump(s) == text
    path.write_text(text, encoding="utf-8")
    back = scenario.load(str(path))
    assert (back.name, back.title, back.process, back.changes, back.rationale) == \
        (s.name, s.title, s.process, s.changes, s.rationale if s.rationale else None)


def test_bundled_example_scenarios_apply_and_round_trip(tmp_path):
    project = load_paths([str(HERE.parent / "rules")])
    processes = {p.name: p for p in project.processes}
    files = sorted((HERE.parent / "examples" / "scenarios").glob("*.yaml"))
    assert {scenario.load(str(f)).process for f in files} == set(processes)  # one per process at least
    for f in files:
        s = scenario.load(str(f))
        assert s.rationale and "rules/" in s.rationale  # cites the rule file it changes
        apply(processes[s.process], s.changes, project.catalogue)
        copy = tmp_path / f.name
        copy.write_text(dump(s), encoding="utf-8")
        assert scenario.load(str(copy)).changes == s.changes


# -- matching and splicing expressions --------------------------------------------------------------

def _removed(tree: Expr, chain: Binary, drop: int) -> Expr:
    """The tree with operand ``drop`` of ``chain`` taken out, built on the tree (the oracle)."""
    operands = [o for i, o in enumerate(_flat(chain, chain.op)) if i != drop]
    folded = operands[0]
    for o in operands[1:]:
        folded = Binary(0, 0, chain.op, folded, o)

    def walk(node: Expr) -> Expr:
        if node is chain:
            return folded
        if not dataclasses.is_dataclass(node):
            return node
        changes = {}
        for f in dataclasses.fields(node):
            v = getattr(node, f.name)
            if isinstance(v, Expr):
                changes[f.name] = walk(v)
            elif isinstance(v, tuple) and v and isinstance(v[0], Expr):
                changes[f.name] = tuple(walk(x) for x in v)
        return dataclasses.replace(node, **changes)
    return walk(tree)


def _flat(e: Expr, op: str) -> list[Expr]:
    if isinstance(e, Binary) and e.op == op:
        return _flat(e.left, op) + _flat(e.right, op)
    return [e]


@settings(max_examples=60, deadline=None)
@given(typed_exprs("bool", depth=4), st.data())
def test_splicing_an_operand_out_of_the_text_equals_removing_it_from_the_tree(expr, data):
    text = unparse(expr)
    tree = parse(text)
    found = list(chains(tree))
    assume(found)
    chain, operands = data.draw(st.sampled_from(found))
    drop = data.draw(st.integers(0, len(operands) - 1))
    new_text = exprmatch.splice(text, chain, operands, drop)
    assert shape(parse(new_text)) == shape(_removed(tree, chain, drop)), (text, new_text)


# -- properties on generated rule sets, against the same edit made to the rule file -------------

def load_rules(rules: FiniteRuleSet, extra: str = "") -> Process:
    process, diagnostics = load_process_document(read("t.yaml", text=rules.text() + extra))
    assert process is not None and not [d for d in diagnostics if d.severity == "error"], diagnostics
    return process


def decisions(process: Process, cases: list[dict]) -> list[dict]:
    return [Evaluation(process, dict(c)).outcomes() for c in cases]


@SETTINGS
@given(finite_rule_sets())
def test_empty_scenario_changes_nothing(rules):
    p = load_rules(rules)
    q = apply(p, [])
    oracle = Oracle(p, rules, "anonymous")
    assert decisions(q, oracle.cases) == decisions(p, oracle.cases)
    assert analyze(q) == analyze(p)


CONSTANT = "constants:\n  k: {value: %d, valid_from: 2026-01-01, source: test}\n"


def with_constant(rules: FiniteRuleSet, value: int) -> str:
    """The rule text with a constant k read by an extra outcome over the first fact."""
    first = rules.facts[0]
    cond = {"bool": first.name, "int": f"{first.name} >= 0"}.get(first.type, f"{first.name} == '{first.values[0]}'")
    return (CONSTANT % value + rules.text().replace("outcomes:\n", f"outcomes:\n  over_k: {{when: \"{cond} and k >= 2\"}}\n"))


def load_text(text: str) -> Process:
    process, diagnostics = load_process_document(read("t.yaml", text=text))
    assert process is not None and not [d for d in diagnostics if d.severity == "error"], diagnostics
    return process


@SETTINGS
@given(finite_rule_sets(), st.integers(0, 4), st.integers(0, 4))
def test_set_constant_equals_editing_the_file(rules, old, new):
    p = load_text(with_constant(rules, old))
    q = apply(p, [SetConstant("k", old)])
    cases = Oracle(p, rules, "anonymous").cases
    assert decisions(q, cases) == decisions(p, cases)  # the same value changes nothing
    assert analyze(q)["modes"] == analyze(p)["modes"]
    edited = load_text(with_constant(rules, new))
    changed = apply(p, [SetConstant("k", new)])
    assert decisions(changed, cases) == decisions(edited, cases)


@SETTINGS
@given(finite_rule_sets(), st.data())
def test_prefill_equals_editing_the_file_and_never_raises_the_logged_in_optimum(rules, data):
    questions = [f for f in rules.facts if f.kind == "question"]
    assume(questions)
    target = data.draw(st.sampled_from(questions))
    p = load_rules(rules)
    q = apply(p, [Prefill(target.name, "CPR")])
    edited = FiniteRuleSet(tuple(dataclasses.replace(f, kind="register") if f is target else f for f in rules.facts),
                           rules.derived, rules.outcomes)
    assert analyze(q)["modes"] == analyze(load_rules(edited))["modes"]
    before, after = analyze(p)["modes"]["logged_in"], analyze(q)["modes"]["logged_in"]
    assert after["static"]["worst"]["value"] == before["static"]["worst"]["value"] - 1
    assert after["optimal"]["expected"]["value"] <= before["optimal"]["expected"]["value"] + 1e-9
    assert after["bounds"]["certificate"]["value"] <= before["bounds"]["certificate"]["value"] + 1e-9


def _operand_paths(e: tuple, path: tuple = ()) -> list[tuple]:
    """Paths to the operands of and/or chains in an expression tuple of tests/strategies.py."""
    found = []
    if e[0] in ("and", "or"):
        for i in (1, 2):
            if e[i][0] != e[0]:
                found.append(path + (i,))
            found += _operand_paths(e[i], path + (i,))
    elif e[0] == "not":
        found += _operand_paths(e[1], path + (1,))
    return found


def _without(e: tuple, path: tuple) -> tuple:
    """The expression with the operand at ``path`` removed (its chain parent becomes the sibling)."""
    if len(path) == 1:
        return e[3 - path[0]]
    parts = list(e)
    parts[path[0]] = _without(e[path[0]], path[1:])
    return tuple(parts)


@SETTINGS
@given(finite_rule_sets(), st.data())
def test_drop_condition_equals_editing_the_file(rules, data):
    whens = [(i, name, body) for i, (name, body) in enumerate(rules.outcomes) if body[0] == "when"]
    assume(whens)
    i, name, body = data.draw(st.sampled_from(whens))
    paths = _operand_paths(body[1])
    assume(paths)
    path = data.draw(st.sampled_from(paths))
    operand = body[1]
    for step in path:
        operand = operand[step]
    p = load_rules(rules)
    try:
        q = apply(p, [DropCondition(render(operand), outcome=name)])
    except ScenarioError as exc:
        # the same condition twice in the outcome: refused, and it says so
        assert "occurs" in str(exc)
        return
    outcomes = list(rules.outcomes)
    outcomes[i] = (name, ("when", _without(body[1], path)))
    edited = FiniteRuleSet(rules.facts, rules.derived, tuple(outcomes))
    cases = Oracle(p, rules, "anonymous").cases
    assert decisions(q, cases) == decisions(load_rules(edited), cases)


@pytest.mark.parametrize("text", ["", "   \n# only a comment\n"])
def test_an_empty_scenario_file_gets_the_scenario_hint(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        scenario.load(str(path))
    (found,) = exc.value.diagnostics
    assert (found.line, found.col, found.code) == (1, 1, "yaml-syntax")
    assert "scenario: <name>" in found.hint and "process:" not in found.hint


def test_an_empty_register_catalogue_gets_the_catalogue_hint(tmp_path: Path) -> None:
    (tmp_path / "registers.yaml").write_text("", encoding="utf-8")
    (tmp_path / "p.yaml").write_text(Path("rules/ekstra_affald.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    project = load_paths([str(tmp_path)])
    hints = [d.hint for d in project.diagnostics if d.file.endswith("registers.yaml")]
    assert hints and all("registers:" in h for h in hints), hints
