"""askless suggest: each kind on tiny rule files (PASS and FAIL), dead and implied questions
against the brute-force oracle, deterministic output, unknown kinds, the --apply round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from analyzer import scenario
from analyzer.load import load_paths, load_process_document
from analyzer.suggest import KINDS, Context, UnknownKind, select, suggest
from analyzer.suggest.implied import findings
from analyzer.yamlread import read
from cli import main
from tests.oracle import DOES_NOT_APPLY, Oracle
from tests.strategies import FiniteRuleSet, finite_rule_sets

SETTINGS = settings(max_examples=40, deadline=None)


def process(text: str, name: str = "t"):
    p, diagnostics = load_process_document(read(f"{name}.yaml", text=text))
    assert p is not None and not [d for d in diagnostics if d.severity == "error"], diagnostics
    return p


def found(kind: str, *texts: str, measure: bool = False) -> list:
    """The suggestions of one kind for the given rule texts (processes p0, p1, ...)."""
    procs = [process(t.replace("process: t", f"process: p{i}"), f"p{i}") for i, t in enumerate(texts)]
    ctx = Context(procs, load_paths(["rules/registers.yaml"]).catalogue)
    return suggest(ctx, [kind], measure=measure)


def subjects(kind: str, *texts: str) -> list[str]:
    return [s.subject for s in found(kind, *texts)]


BASE = """process: t
title: T
volume: {applications_per_year: 1000}
facts:
  lejer: {type: bool, ask: "Bor du til leje?", p_true: 0.5}
%s
outcomes:
  berettiget: {when: %s}
"""


def rules(extra: str = "", when: str = "lejer") -> str:
    return BASE % (extra, when)


@pytest.mark.parametrize("extra, when, expected", [
    ('  alder: {type: int, min: 0, max: 120, ask: "Hvor gammel er du?"}', "lejer and alder >= 67", ["alder"]),
    ('  alder: {type: int, min: 0, max: 120, register: CPR, ask: "Hvor gammel er du?"}', "lejer and alder >= 67",
     []),
    ('  alder: {type: int, min: 0, max: 120, ask: "Hvor gammel bliver du?"}', "lejer and alder >= 67", []),
], ids=["FAIL-asked", "PASS-register", "PASS-future"])
def test_prefill(extra: str, when: str, expected: list[str]) -> None:
    got = found("prefill", rules(extra.replace("lejer", "x"), when))
    assert [s.subject for s in got if s.subject == "alder"] == expected
    for s in got:
        if s.subject == "alder":
            assert s.changes == ({"prefill": {"fact": "alder", "register": "CPR", "field": "birth date and age"}},)


def test_prefill_from_another_process_by_name() -> None:
    a = rules('  alder: {type: int, min: 0, max: 120, register: CPR, register_field: birth date and age, ask: "A?"}',
              "lejer and alder >= 67")
    b = rules('  alder: {type: int, min: 0, max: 120, ask: "Alder?"}', "lejer and alder >= 60")
    got = [s for s in found("prefill", a, b) if s.subject == "alder"]
    assert [s.process for s in got] == ["p1"] and "same fact name" in " ".join(got[0].evidence)


def test_a_scenario_that_cannot_be_applied_gives_a_note_not_a_figure() -> None:
    # 'x' never changes the outcome, but the outcome still reads it: dropping it cannot be applied
    got = found("dead", rules('  x: {type: bool, ask: "X?"}', "lejer or (x and not x)"), measure=True)
    assert [s.subject for s in got] == ["x"]
    assert got[0].effect.note.startswith("the scenario cannot be applied") and got[0].effect.hours == {}


@pytest.mark.parametrize("extra, expected", [
    ('  kaeledyr: {type: bool, ask: "Har du kæledyr?"}', ["kaeledyr"]),
    ("", []),
], ids=["FAIL-unused", "PASS"])
def test_dead(extra: str, expected: list[str]) -> None:
    assert subjects("dead", rules(extra)) == expected


IMPLIED = '  hoej: {type: bool, ask: "Er huslejen høj?", p_true: 0.5%s}'


@pytest.mark.parametrize("applies, expected", [("", ["hoej", "lejer"]), (", applies_if: lejer", [])],
                         ids=["FAIL-asked-when-pointless", "PASS-applies_if"])
def test_implied(applies: str, expected: list[str]) -> None:
    got = found("implied", rules(IMPLIED % applies, "lejer and hoej"))
    assert [s.subject for s in got] == expected
    if got:
        # P(lejer is no) = 0.5: the form as written asks it for nothing half the time
        # and symmetrically 'lejer' once 'hoej' is no
        assert got[0].effect.questions["anonymous"]["form_as_written"]["saved"] == 0.5
        assert got[0].effect.hours["anonymous"] == pytest.approx(0.5 * 10 * 1000 / 3600, abs=0.1)


def test_implied_keeps_a_question_whose_amount_is_needed() -> None:
    text = rules('  husleje: {type: money, min: 0, max: 100000, ask: "Husleje?", applies_if: lejer}', "lejer")
    text += "  stoette: {value: husleje * 0.1, applies_if: lejer}\n"
    assert subjects("implied", text) == []


@pytest.mark.parametrize("text, expected", [
    ("Er boligen godkendt til helårsbeboelse?", ["lejer"]),
    ("Bor du til leje?", []),
], ids=["FAIL-lix-65", "PASS-lix-4"])
def test_readability(text: str, expected: list[str]) -> None:
    assert subjects("readability", rules().replace("Bor du til leje?", text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("Er der særlige forhold, der taler for tilskud?", ["lejer"]),
    ("Bor du til leje?", []),
], ids=["FAIL-saerlige-forhold", "PASS"])
def test_discretion(text: str, expected: list[str]) -> None:
    assert subjects("discretion", rules().replace("Bor du til leje?", text)) == expected


CASES = """process: t
title: T
facts:
  alder: {type: int, min: 0, max: 120, ask: "Alder?"}
outcomes:
  ordning: {cases: [%s]}
"""


@pytest.mark.parametrize("cases, expected", [
    ("{when: alder >= 60, then: a}, {when: alder >= 67, then: b}, {else: c}", "unreachable"),
    ("{when: alder >= 67, then: b}, {when: alder >= 60 and alder < 67, then: a}, {else: c}", None),
    ("{when: alder >= 67, then: b}, {when: alder < 60, then: a}", "missing case"),
    ("{when: alder >= 60, then: a}, {when: alder < 67, then: b}, {else: c}", "overlap"),
], ids=["FAIL-shadowed", "PASS", "FAIL-missing", "FAIL-overlap"])
def test_logic(cases: str, expected: str | None) -> None:
    got = found("logic", CASES % cases)
    assert [(expected or "") in s.title for s in got] == ([True] if expected else []), [s.title for s in got]
    for s in got:
        if expected == "unreachable":
            assert s.changes == ({"drop_case": {"outcome": "ordning", "when": "alder >= 67"}},)
        if expected in ("missing case", "overlap"):
            assert s.witnesses  # a case that shows it


@pytest.mark.parametrize("applies, expected", [
    ("alder >= 0", "always holds"), ("alder > 200", "unreachable"), ("alder >= 18", None),
], ids=["FAIL-always-true", "FAIL-branch-needs-a-fact-that-never-applies", "PASS"])
def test_logic_conditions(applies: str, expected: str | None) -> None:
    text = CASES % "{when: alder >= 67, then: b}, {else: c}"
    barn = f'\n  barn: {{type: bool, ask: "Barn?", applies_if: "{applies}"}}'
    text = text.replace('ask: "Alder?"}', 'ask: "Alder?"}' + barn).replace("alder >= 67, then", "alder >= 67 and barn, then")
    got = found("logic", text)
    assert [(expected or "") in s.title for s in got] == ([True] if expected else []), [s.title for s in got]


def test_harmonise_close_thresholds_and_concepts() -> None:
    a = rules("  indkomst: {type: money, ask: \"Indkomst?\"}\n  rig: {derive: indkomst > graense}",
              "lejer and not rig").replace("facts:", "constants:\n  graense: {value: 200000, unit: DKK}\nfacts:")
    b = rules("  indkomst: {type: money, ask: \"Indkomst?\"}\n  rig: {derive: indkomst >= graense2}",
              "lejer and not rig").replace("facts:", "constants:\n  graense2: {value: 201400, unit: DKK}\nfacts:")
    got = found("harmonise", a, b)
    assert sorted(s.subject for s in got) == ["graense2", "rig"]
    assert next(s for s in got if s.subject == "graense2").changes == (
        {"set_constant": {"constant": "graense2", "value": 200000}},)
    far = b.replace("201400", "300000")
    assert [s.subject for s in found("harmonise", a, far)] == ["rig"]


def test_duplicates_within_a_process() -> None:
    text = rules('  har_partner: {type: bool, ask: "Bor du til leje, eller?"}', "lejer and har_partner")
    got = found("duplicates", text)
    assert [s.changes for s in got] == [({"merge": {"keep": "lejer", "drop": "har_partner"}},)]
    assert found("duplicates", rules('  hund: {type: bool, ask: "Har du en hund?"}', "lejer and hund")) == []


LOW = rules('  har_hund: {type: bool, ask: "Har du en hund?", p_true: 0.02}', "lejer and not har_hund")


def test_low_yield_is_measured() -> None:
    got = found("low_yield", LOW, measure=True)
    assert [s.subject for s in got] == ["berettiget"]
    s = got[0]
    assert s.changes == ({"drop_condition": {"outcome": "berettiget", "condition": "not har_hund"}},
                         {"drop_fact": {"fact": "har_hund"}})
    e = s.effect
    assert e.note is None and e.kind == "exact"
    # before: 'lejer' then (for tenants, half) 'har_hund': 1.5 expected; after: 1 question
    assert e.questions["anonymous"]["expected"]["before"] == 1.5
    assert e.questions["anonymous"]["expected"]["after"] == 1
    assert 0 < e.decisions["share"] <= 0.1  # only tenants with a dog change: about 1 %
    # a condition that decides for half the population is not low-yield
    assert found("low_yield", LOW.replace("p_true: 0.02", "p_true: 0.5")) == []


def test_order_on_a_form_that_asks_the_weak_question_first() -> None:
    text = """process: t
title: T
volume: {applications_per_year: 3600}
facts:
  a: {type: bool, ask: "A?", p_true: 0.5}
  b: {type: bool, ask: "B?", p_true: 0.1}
outcomes:
  o: {when: a and b}
"""
    got = found("order", text)
    assert len(got) == 1
    q = got[0].effect.questions["anonymous"]["expected"]
    # form order asks a (1) then b for half (1.5); the flow asks b then a for 10 % (1.1)
    assert (q["before"], q["after"], q["kind"]) == (1.5, 1.1, "exact")
    assert found("order", text.replace("a and b", "b and a").replace('a: {type: bool, ask: "A?", p_true: 0.5}\n  b',
                                                                      'b: {type: bool, ask: "B?", p_true: 0.1}\n  a')
                 .replace('a: {type: bool, ask: "B?", p_true: 0.1}', 'a: {type: bool, ask: "A?", p_true: 0.5}')) == []


# -- against the brute-force oracle -----------------------------------------------------------

def _load(rules_: FiniteRuleSet):
    return process(rules_.text())


@SETTINGS
@given(finite_rule_sets(max_facts=5))
def test_dead_questions_agree_with_brute_force(rules_: FiniteRuleSet) -> None:
    p = _load(rules_)
    oracle = Oracle(p, rules_, "anonymous")
    truth = {f.name for f in rules_.facts} - oracle.relevant({})
    ctx = Context([p])
    got = {s.subject for s in KINDS["dead"].check(ctx)}
    assert got == truth, rules_.text()


@SETTINGS
@given(finite_rule_sets(max_facts=5))
def test_implied_answers_agree_with_enumeration(rules_: FiniteRuleSet) -> None:
    p = _load(rules_)
    oracle = Oracle(p, rules_, "anonymous")
    live = oracle.relevant({})
    names = [f.name for f in rules_.facts]
    expected = set()
    for q in live:
        i = names.index(q)
        for fw in rules_.facts:
            if fw.name == q or fw.applies_if is not None:
                continue
            pointless = [v for v in fw.values
                         if q not in oracle.relevant({fw.name: v})
                         and any(c[fw.name] == v and oracle.shows[i][k] is not DOES_NOT_APPLY
                                 for k, c in enumerate(oracle.cases))]
            if pointless and len(pointless) < len(fw.values):
                expected.add(q)
    from analyzer import finite
    got = findings(finite.build(p))
    assert {d["question"] for d in got} == expected, rules_.text()
    for d in got:  # the witness set really leaves the question pointless
        for v in d["values"]:
            assert d["question"] not in oracle.relevant({d["given"]: v}), rules_.text()


# -- the command -------------------------------------------------------------------------------

def test_unknown_kind_is_an_error_with_did_you_mean(runner, tmp_path) -> None:
    with pytest.raises(UnknownKind, match="did you mean 'prefill'"):
        select(["prefil"], [])
    (tmp_path / "t.yaml").write_text(rules(), encoding="utf-8")
    result = runner.invoke(main, ["suggest", str(tmp_path / "t.yaml"), "--skip", "readabilty"])
    assert result.exit_code == 2 and "unknown suggestion kind 'readabilty'" in result.output
    assert "did you mean 'readability'" in result.output


def test_output_is_deterministic(runner, tmp_path) -> None:
    (tmp_path / "t.yaml").write_text(LOW, encoding="utf-8")
    outputs = [runner.invoke(main, ["suggest", str(tmp_path / "t.yaml"), "--format", fmt]).output
               for fmt in ("json", "json", "markdown", "markdown")]
    assert outputs[0] == outputs[1] and outputs[2] == outputs[3]
    assert '"kind": "low_yield"' in outputs[0]


def test_apply_round_trip(runner, tmp_path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(LOW, encoding="utf-8")
    out = tmp_path / "s.yaml"
    listing = runner.invoke(main, ["suggest", str(path), "--only", "low_yield", "--format", "json"])
    assert listing.exit_code == 0, listing.output
    result = runner.invoke(main, ["suggest", str(path), "--only", "low_yield", "--apply", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    loaded = scenario.load(str(out))
    changed = scenario.apply(process(LOW), loaded.changes)
    assert "har_hund" not in changed.facts
    again = runner.invoke(main, ["suggest", str(path), "--only", "low_yield", "--apply", "1", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output  # never overwritten without --force
    none = runner.invoke(main, ["suggest", str(path), "--only", "readability", "--apply", "1", "-o",
                                str(tmp_path / "x.yaml")])
    assert none.exit_code == 2


def test_population_file_is_used_for_decisions(runner, tmp_path) -> None:
    path, pop = tmp_path / "t.yaml", tmp_path / "pop.csv"
    path.write_text(LOW, encoding="utf-8")
    made = runner.invoke(main, ["population", str(path), "--rows", "200", "-o", str(pop)])
    assert made.exit_code == 0, made.output
    result = runner.invoke(main, ["suggest", str(path), "--only", "low_yield", "--population", str(pop),
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"cases": 200' in result.output and "population file" in result.output


def test_list_kinds_documents_every_kind(runner) -> None:
    result = runner.invoke(main, ["suggest", "--list-kinds"])
    assert result.exit_code == 0
    for kind, module in KINDS.items():
        assert module.ID == kind and callable(module.check)
        assert f"### `{kind}`" in result.output
        assert "**Why.**" in module.__doc__ and ("Before" in module.__doc__ or "PASS" in module.__doc__)
