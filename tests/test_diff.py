"""`askless diff OLD NEW`: definitions, metrics before/after, decisions that change on the priors."""

from __future__ import annotations

import itertools
import json
import math
import textwrap

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analyzer import diff
from analyzer.evaluate import Evaluation
from analyzer.load import load_process_document
from analyzer.yamlread import read
from cli import main
from tests.strategies import FiniteRuleSet, finite_rule_sets

OLD = textwrap.dedent("""\
    process: gated
    title: Gated
    law: {id: "LBK 1"}
    volume: {applications_per_year: 1000, source: test}
    constants:
      myndighedsalder: {value: 18, valid_from: 2026-01-01, source: test}
    facts:
      lejer: {type: bool, ask: "Bor du til leje?", p_true: 0.5, source: test}
      studerende: {type: bool, ask: "Er du studerende?", p_true: 0.5, source: test}
      alder: {type: int, register: CPR, ask: "Hvor gammel er du?", min: 0, max: 120,
              prior: [{upto: 17, p: 0.2}, {p: 0.8}], source: test}
    outcomes:
      ret:
        when: lejer and (studerende or alder >= myndighedsalder)
        law: "§ 1"
    """)
# studerende is removed, so the students under 18 who rent lose the right: P = 0.5 * 0.5 * 0.2
NEW = (OLD.replace('  studerende: {type: bool, ask: "Er du studerende?", p_true: 0.5, source: test}\n', "")
       .replace("when: lejer and (studerende or alder >= myndighedsalder)", "when: lejer and alder >= myndighedsalder")
       .replace('ask: "Bor du til leje?"', 'ask: "Bor du i en lejebolig?"'))


@pytest.fixture
def files(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    return old, new


def test_text_lists_definitions_then_metrics_then_decisions(runner, files):
    old, new = files
    result = runner.invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:11] == [
        f"diff gated: {old} -> {new}",
        "",
        "Questions and register facts: 0 added, 1 removed, 1 changed",
        "  - question studerende: question, bool, ask 'Er du studerende?'",
        "  ~ question lejer: ask 'Bor du til leje?' -> 'Bor du i en lejebolig?'",
        "Derived facts: 0 added, 0 removed, 0 changed",
        "Outcomes: 0 added, 0 removed, 1 changed",
        "  ~ outcome ret: when 'lejer and (studerende or alder >= myndighedsalder)' -> "
        "'lejer and alder >= myndighedsalder'",
        "Constants: 0 added, 0 removed, 0 changed",
        "",
        "Metrics (old -> new; ~ marks an estimate, ≥ a lower bound; methods: askless analyze --format json):",
    ]
    assert "anonymous  static form, expected questions      3.0    2.0    -1.00" in lines
    assert any(line.startswith("Decisions (an estimate): 400 cases drawn from NEW's answer priors") for line in lines)
    # every example shown is a student under 18 who rents
    examples = [line for line in lines if line.startswith("    true -> false when ")]
    assert 1 <= len(examples) <= diff.EXAMPLES
    assert all("lejer=true" in e and "studerende=true" in e for e in examples)


def test_share_of_changed_decisions_is_near_the_exact_probability(files):
    old, new = (load_process_document(read(str(p)))[0] for p in files)
    k = diff.decisions(old, new)
    p, n = 0.5 * 0.5 * 0.2, k.samples
    assert k.errors == 0 and k.by_outcome == {"ret": k.changed}
    assert abs(k.changed / n - p) <= 4 * math.sqrt(p * (1 - p) / n)


def test_constant_change_is_listed_with_both_values(runner, tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(OLD.replace("value: 18,", "value: 21,"), encoding="utf-8")
    result = runner.invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0
    assert "  ~ constant myndighedsalder: value 18 -> 21" in result.stdout.splitlines()


def test_same_file_has_no_changes(runner, files):
    old, _ = files
    result = runner.invoke(main, ["diff", str(old), str(old), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["changes"] == []
    assert data["decisions"]["changed"] == 0 and data["decisions"]["kind"] == "estimate"
    assert all(row["old"] == row["new"] for row in data["metrics"])
    assert {row["mode"] for row in data["metrics"]} == {"anonymous", "logged_in"}


def test_json_is_deterministic(runner, files):
    old, new = files
    first = runner.invoke(main, ["diff", str(old), str(new), "--format", "json"]).stdout
    assert first == runner.invoke(main, ["diff", str(old), str(new), "--format", "json"]).stdout
    assert json.loads(first)["decisions"]["examples"][0]["outcome"] == "ret"


def test_different_processes_exit_2(runner, files, tmp_path):
    old, _ = files
    other = tmp_path / "other.yaml"
    other.write_text(OLD.replace("process: gated", "process: other"), encoding="utf-8")
    result = runner.invoke(main, ["diff", str(old), str(other)])
    assert result.exit_code == 2
    assert "give two versions of the same process" in result.stderr


@pytest.mark.parametrize("bad", ["missing.yaml", "broken.yaml"], ids=["missing", "invalid"])
def test_bad_input_exits_2(runner, files, tmp_path, bad):
    old, _ = files
    (tmp_path / "broken.yaml").write_text("process: gated\ntitle: x\nfacts: {a: {type: nope}}\n", encoding="utf-8")
    result = runner.invoke(main, ["diff", str(old), str(tmp_path / bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# -- property: the sampled share against the exact share of an enumeration -----------------------

def _load(rules: FiniteRuleSet):
    process, diagnostics = load_process_document(read("t.yaml", text=rules.text()))
    assert process is not None and not diagnostics, (rules.text(), diagnostics)
    return process


def _exact_share(rules: FiniteRuleSet, old, new) -> float:
    """Oracle: every full case with its probability; the mass on which a shared outcome differs."""
    total = 0.0
    for combo in itertools.product(*(zip(f.values, f.p) for f in rules.facts)):
        case = {f.name: v for f, (v, _) in zip(rules.facts, combo)}
        a, b = Evaluation(old, case).outcomes(), Evaluation(new, case).outcomes()
        if any(a[o] != b[o] for o in a if o in b):
            total += math.prod(q for _, q in combo)
    return total


@settings(max_examples=30)
@given(finite_rule_sets(max_facts=5), st.data())
def test_sampled_share_matches_the_enumerated_share(rules, data):
    bools = [f.name for f in rules.facts if f.type == "bool"]
    assume(bools)
    name, _ = rules.outcomes[0]
    replacement = ("when", ("name", data.draw(st.sampled_from(bools))))
    changed = FiniteRuleSet(rules.facts, rules.derived, ((name, replacement),) + rules.outcomes[1:])
    old, new = _load(rules), _load(changed)
    k = diff.decisions(old, new, samples=400)
    p = _exact_share(rules, old, new)
    # 400 independent draws: the count is Binomial(400, p); 5 standard deviations, and exact at 0 and 1
    assert abs(k.changed / 400 - p) <= 5 * math.sqrt(max(0.0, p * (1 - p)) / 400) + 1e-9
    changes = diff.definitions(old, new)
    assert [c.name for c in changes if c.what == "outcome"] == ([name] if rules.outcomes[0][1] != replacement else [])
