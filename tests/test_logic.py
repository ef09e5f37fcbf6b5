"""The exact reasoning backends (analyzer/logic) against brute force.

- On small finite rule sets (tests/strategies.py ``finite_rule_sets``) every engine (enumeration,
  BDD, SMT) answers every query as the brute force over every case does (tests/oracle.py for
  relevance; the interpreter over the oracle's cases for the rest), on sampled answer sets.
- On arithmetic across facts (``arithmetic_rule_sets``: ``x0 + x1 > x2``, ``max``, ``round``,
  over 13 to 15 values per fact) the SMT engine agrees with the oracle; the enumeration and the
  BDD refuse (class representatives do not decide such rules).
- The node cap and the time limit take their documented paths.
- On the bundled processes the SMT engine answers relevance where the enumeration cannot, every
  "relevant" comes with two cases that the interpreter confirms, and whatever the three-valued
  (Kleene) evaluation calls irrelevant the SMT engine calls irrelevant too.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import logic
from analyzer.evaluate import EvalError, Evaluation
from analyzer.kleene import PartialEvaluation
from analyzer.load import load_file, load_process_document
from analyzer.logic import BDD, SMT, Enumeration, Implied, TooLarge, Unsupported
from analyzer.logic.base import freeze
from analyzer.model import Process
from analyzer.yamlread import read
from tests.conftest import RULES
from tests.oracle import Oracle
from tests.strategies import arithmetic_rule_sets, finite_rule_sets

ENGINES = (Enumeration, BDD, SMT)
#: the SMT time limit in these tests: a loaded machine must not turn an exact answer into "unknown"
PATIENT_MS = 120_000


def build(Engine: type, process: Process) -> logic.Reasoner:
    """An engine for the tests (the SMT engine with PATIENT_MS)."""
    return Engine(process, "anonymous", timeout_ms=PATIENT_MS) if Engine is SMT else Engine(process, "anonymous")


def load(text: str) -> Process:
    """The process of a rule file text (which must load without any finding)."""
    process, diagnostics = load_process_document(read("t.yaml", text=text))
    assert process is not None and not diagnostics, (text, diagnostics)
    return process


def outcome_values(process: Process, case: dict[str, Any], name: str) -> Any:
    """One name's value on a full case, by the interpreter (errors as the engines record them)."""
    try:
        return freeze(Evaluation(process, dict(case)).get(name))
    except Exception as exc:  # noqa: BLE001 - any interpreter error is a value here
        return f"error: {exc}"


def consistent(oracle: Oracle, answers: dict[str, Any]) -> list[int]:
    return [c for c, case in enumerate(oracle.cases) if all(case[k] == v for k, v in answers.items())]


@st.composite
def answer_sets(draw, oracle: Oracle) -> dict[str, Any]:
    """Answers taken from one case of the oracle: a random subset of its facts."""
    case = oracle.cases[draw(st.integers(0, len(oracle.cases) - 1))]
    chosen = draw(st.lists(st.sampled_from(oracle.facts), unique=True, max_size=len(oracle.facts)))
    return {name: case[name] for name in sorted(chosen)}


def check_against_oracle(engine: logic.Reasoner, oracle: Oracle, answers: dict[str, Any]) -> None:
    """Every query of ``engine`` under ``answers`` against the brute force."""
    process = oracle.process
    cases = consistent(oracle, answers)
    relevant = oracle.relevant(answers)
    for q in oracle.facts:
        verdict = engine.relevant(q, answers)
        assert verdict.status == "exact"
        assert verdict.engine == engine.name or isinstance(engine, logic.Chain) and verdict.engine in engine.engines
        assert verdict.value == (q in relevant), (engine.name, q, answers)
        if verdict.value:  # the witness is two consistent cases, differing only in q, deciding differently
            first, second = verdict.witness
            assert {k for k in first if first[k] != second[k]} == {q}
            full = [{**oracle.cases[cases[0]], **w} for w in (first, second)]
            assert any(outcome_values(process, full[0], o) != outcome_values(process, full[1], o)
                       for o in process.outcomes)
    decided = len({oracle.outcomes[c] for c in cases}) == 1
    assert engine.determined(answers).value == decided
    for name in list(process.outcomes) + [n for n, f in process.facts.items() if f.derive is not None]:
        values = {outcome_values(process, oracle.cases[c], name) for c in cases}
        expected = Implied(values.pop()) if len(values) == 1 else None
        assert engine.implied(name, answers).value == expected, (engine.name, name, answers)


@settings(max_examples=40)
@given(st.data(), finite_rule_sets(max_facts=6))
def test_engines_agree_with_the_oracle_on_finite_rules(data, rules):
    process = load(rules.text())
    oracle = Oracle(process, rules, "anonymous")
    engines = [build(Engine, process) for Engine in ENGINES]
    for answers in [{}] + [data.draw(answer_sets(oracle)) for _ in range(3)]:
        for engine in engines:
            check_against_oracle(engine, oracle, answers)
    dead = set(oracle.facts) - oracle.relevant({})
    for engine in engines:
        assert {q for q in oracle.facts if engine.dead(q).value} == dead


@settings(max_examples=30)
@given(finite_rule_sets(max_facts=5))
def test_conditions_overlaps_and_missing_cases_agree_with_brute_force(rules):
    process = load(rules.text())
    oracle = Oracle(process, rules, "anonymous")
    engines = [build(Engine, process) for Engine in ENGINES]

    def holds(case: dict, formula) -> Any:
        return Evaluation(process, dict(case)).formula(formula)

    for name, outcome in process.outcomes.items():
        formulas = [outcome.when] if outcome.kind == "when" else [c.when for c in outcome.cases if c.when]
        for formula in formulas:
            truth = [holds(case, formula) is True for case in oracle.cases]
            for engine in engines:
                assert engine.always(formula.text).value == all(truth)
                assert engine.never(formula.text).value == (not any(truth))
        if outcome.kind != "cases":
            continue
        pairs = set()
        branches = [(i, c) for i, c in enumerate(outcome.cases, 1) if c.when is not None]
        for case in oracle.cases:
            held = [(i, c.then) for i, c in branches if holds(case, c.when) is True]
            pairs |= {(i, j) for (i, a), (j, b) in itertools.combinations(held, 2) if a != b}
        for engine in engines:
            assert engine.overlaps(name).value == sorted(pairs)
            assert engine.missing(name).value is False  # every generated cases outcome has an else


MISSING = """process: t
title: T
facts:
  a: {type: bool, ask: a?}
  n: {type: int, ask: n?, min: 0, max: 3}
outcomes:
  o: {cases: [{when: a and n > 1, then: x}, {when: not a, then: y}, {when: n >= 3, then: z}]}
"""


@pytest.mark.parametrize("Engine", ENGINES, ids=lambda e: e.name)
def test_missing_case_has_a_witness_the_interpreter_confirms(Engine):
    process = load(MISSING)
    verdict = Engine(process).missing("o")
    assert verdict.value is True
    (case,) = verdict.witness
    assert case["a"] is True and case["n"] <= 1
    assert Evaluation(process, dict(case)).get("o") is None
    assert Engine(process).overlaps("o").value == [(1, 3), (2, 3)]


@settings(max_examples=15)
@given(st.data(), arithmetic_rule_sets())
def test_smt_agrees_with_brute_force_on_arithmetic_across_facts(data, rules):
    process = load(rules.text())
    oracle = Oracle(process, rules, "anonymous")
    smt = SMT(process, samples=0, timeout_ms=PATIENT_MS)  # z3 alone: no witness search by the interpreter first
    chain = logic.select(process, timeout_ms=PATIENT_MS)  # the BDD for an outcome without arithmetic, else SMT
    for answers in [{}] + [data.draw(answer_sets(oracle)) for _ in range(2)]:
        check_against_oracle(smt, oracle, answers)
        check_against_oracle(chain, oracle, answers)
    for Engine in (Enumeration, BDD):  # class representatives cannot decide these rules
        with pytest.raises(Unsupported):
            Engine(process).determined({})
    assert chain.engines[-1] == "smt" and "enumeration" not in chain.engines
    assert chain.relevant("x1", {}).engine == "smt"


def _z3_calls(smt: SMT) -> list:
    """The one-shot z3 checks ``smt`` makes from now on (the dead-question check's queries)."""
    calls: list = []
    original = smt._check_once
    smt._check_once = lambda *args: calls.append(args) or original(*args)
    return calls


def _value(process: Process, smt: SMT, case: dict[int, Any], outcome: str) -> str | None:
    """The interpreter's value of ``outcome`` on a witness case (None where the case lacks one of
    its inputs: a pair covers the cones of the outcomes it was found for)."""
    try:
        return repr(freeze(Evaluation(process, smt.domain.case(case)).get(outcome)))
    except EvalError:
        return None


def _witnessed_pairs_hold(process: Process, smt: SMT) -> int:
    """Every question the SMT engine took as relevant from another question's witness
    (SMT._propagate): its two cases differ in that question alone, and the interpreter gives some
    outcome that reads it different values on them. Returns how many there were."""
    for v, (first, second) in smt._live.items():
        assert {w for w in first if first[w] != second[w]} == {v}
        assert any(_value(process, smt, first, o) != _value(process, smt, second, o) for o in smt._readers[v])
    return len(smt._live)


@settings(max_examples=25)
@given(finite_rule_sets(max_facts=6))
def test_relevance_taken_from_other_witnesses_is_proven_and_changes_no_verdict(rules):
    """The dead-question check asks one engine about every question in turn: a question shown
    relevant by another question's witness pair (no z3 call) gets the verdict a fresh engine gives."""
    process = load(rules.text())
    oracle = Oracle(process, rules, "anonymous")
    dead = set(oracle.facts) - oracle.relevant({})
    shared = build(SMT, process)
    assert {q for q in oracle.facts if shared.dead(q).value} == dead
    assert {q for q in oracle.facts if build(SMT, process).dead(q).value} == dead
    _witnessed_pairs_hold(process, shared)


@settings(max_examples=10)
@given(arithmetic_rule_sets())
def test_witnesses_decoded_from_z3_models_prove_relevance_over_amounts(rules):
    process = load(rules.text())
    oracle = Oracle(process, rules, "anonymous")
    smt = SMT(process, samples=0, timeout_ms=PATIENT_MS)  # only z3's witnesses propagate
    assert {q for q in oracle.facts if smt.dead(q).value} == set(oracle.facts) - oracle.relevant({})
    _witnessed_pairs_hold(process, smt)


def test_one_witness_shows_the_other_questions_of_a_rule_relevant():
    text = """process: t
title: T
facts:
  a: {type: bool, ask: a?, p_true: 0.05}
  b: {type: bool, ask: b?, p_true: 0.05}
  c: {type: bool, ask: c?, p_true: 0.05}
  d: {type: bool, ask: d?, p_true: 0.05}
outcomes:
  o: {when: a and b and c and d}
"""
    process = load(text)
    smt = SMT(process, samples=0, timeout_ms=PATIENT_MS)
    calls = _z3_calls(smt)
    assert [smt.dead(q).value for q in "abcd"] == [False] * 4
    assert len(calls) == 1  # z3's witness for a (all true) shows b, c and d relevant too
    assert _witnessed_pairs_hold(process, smt) == 4  # a, b, c and d, each with its own pair


def test_a_witness_that_flips_a_group_count_rebuilds_the_members():
    """n is a group's count, and the outcome compares it with the members counted: no answer to n
    changes it, so n is dead. A's witness covers n; flipping n there must change the member list
    too (it once changed only n, and called n live)."""
    text = """process: t
title: T
facts:
  a: {type: bool, ask: a?}
  n: {type: int, ask: n?, min: 0, max: 2}
groups:
  m:
    count: n
    facts:
      x: {type: bool, ask: x?}
outcomes:
  o: {when: "a and n == count(m)"}
"""
    process = load(text)
    shared = SMT(process, timeout_ms=PATIENT_MS)
    assert shared.dead("a").value is False
    assert shared.dead("n").value is True
    assert SMT(process, timeout_ms=PATIENT_MS).dead("n").value is True
    _witnessed_pairs_hold(process, shared)


def test_three_valued_evaluation_leads_the_search_deep_into_an_or_chain():
    """d matters only where a, b and c are all false (one case in 8,000 by the priors): random
    cases miss it, the guided search (SMT._guided) sets a, b and c so that d stays in the
    outcome's support, and the interpreter proves the pair: z3 is not asked."""
    text = """process: t
title: T
facts:
  a: {type: bool, ask: a?, p_true: 0.95}
  b: {type: bool, ask: b?, p_true: 0.95}
  c: {type: bool, ask: c?, p_true: 0.95}
  d: {type: bool, ask: d?, p_true: 0.95}
  n: {type: int, ask: n?, min: 0, max: 100, prior: [{upto: 90, p: 0.99}, {p: 0.01}]}
  e: {derive: a or b or c}
outcomes:
  o: {when: "e or (d and n > 90)"}
"""
    process = load(text)
    smt = SMT(process, timeout_ms=PATIENT_MS)
    calls = _z3_calls(smt)
    verdict = smt.relevant("d", {})
    assert verdict.value is True and calls == []
    first, second = verdict.witness
    assert (first["a"], first["b"], first["c"], first["n"] > 90) == (False, False, False, True)
    assert Evaluation(process, first).get("o") != Evaluation(process, second).get("o")


def test_the_guided_search_goes_through_a_questions_applies_if():
    """boligstoette's begge_under_30 is asked only of couples with children (its applies_if), and
    changes the benefit only above the income limit: the guided search sets the household so it
    applies and finds the pair; z3, which took 3 to 6 s on it, is not asked."""
    process, _ = load_file(str(RULES / "boligstoette.yaml"))
    smt = SMT(process, timeout_ms=PATIENT_MS)
    calls = _z3_calls(smt)
    verdict = smt.relevant("begge_under_30", {})
    assert verdict.value is True and calls == []
    first, second = verdict.witness
    assert first["antal_voksne"] == 2 and first["antal_boern"] > 0
    assert Evaluation(process, smt.domain.case({smt.domain.index[k]: v for k, v in first.items()})).outcomes() != \
        Evaluation(process, smt.domain.case({smt.domain.index[k]: v for k, v in second.items()})).outcomes()


REAL = """process: t
title: T
facts:
  husleje: {type: money, ask: husleje?, min: 0, max: 200000}
  indkomst: {type: money, ask: indkomst?, min: 0, max: 1000000}
outcomes:
  stoette: {when: "0.6 * husleje - 0.18 * max(0, indkomst - 171500) > 10000"}
"""


@pytest.mark.parametrize(("answers", "q", "expected"), [
    ({}, "husleje", True),
    ({"indkomst": 2_000_000 // 2}, "husleje", False),   # 0.6 * 200000 - 0.18 * 828500 < 10000
    ({"indkomst": 100_000}, "husleje", True),
    ({"husleje": 10_000}, "indkomst", False),            # 6000 - anything is never above 10000
    ({"husleje": 100_000}, "indkomst", True),
], ids=["free", "rich", "poor", "low-rent", "high-rent"])
def test_smt_relevance_over_real_amounts(answers, q, expected):
    verdict = SMT(load(REAL), timeout_ms=PATIENT_MS).relevant(q, answers)
    assert verdict.value is expected and verdict.status == "exact"


def test_node_cap_passes_the_query_to_the_next_engine():
    rules = "\n".join(["process: t", "title: T", "facts:"]
                      + [f"  b{i}: {{type: bool, ask: b{i}?}}" for i in range(12)]
                      + ["outcomes:", "  o: {when: \"" + " or ".join(f"(b{i} and b{i + 6})" for i in range(6)) + "\"}"])
    process = load(rules + "\n")
    with pytest.raises(TooLarge):
        BDD(process, node_cap=20)
    assert BDD(process).relevant("b0", {}).value is True
    chain = logic.select(process, node_cap=20)
    assert chain.engines == ["enumeration", "bdd", "smt"]
    chain = logic.Chain(process, "anonymous", [BDD, SMT], {"bdd": {"node_cap": 20}, "smt": {"timeout_ms": PATIENT_MS}})
    verdict = chain.relevant("b0", {"b6": False})
    assert (verdict.value, verdict.engine) == (False, "smt")
    assert "nodes" in chain.skipped["bdd"]


def test_enumeration_limit_passes_the_query_on():
    rules = "\n".join(["process: t", "title: T", "facts:"]
                      + [f"  b{i}: {{type: bool, ask: b{i}?}}" for i in range(17)]
                      + ["outcomes:", "  o: {when: \"" + " or ".join(f"b{i}" for i in range(17)) + "\"}"])
    process = load(rules + "\n")
    with pytest.raises(TooLarge):
        Enumeration(process).relevant("b0", {})
    chain = logic.select(process)
    assert chain.engines == ["bdd", "smt"]
    assert (chain.relevant("b0", {}).engine, chain.relevant("b0", {"b3": True}).value) == ("bdd", False)


HARD = """process: t
title: T
facts:
  w: {type: bool, ask: w?}
  x: {type: int, ask: x?, min: 1, max: 100000000}
  y: {type: int, ask: y?, min: 1, max: 100000000}
  z: {type: int, ask: z?, min: 1, max: 100000000}
outcomes:
  o: {when: "w and x * x * x + y * y * y == z * z * z"}
"""


def test_time_limit_gives_unknown_which_reads_as_relevant():
    smt = SMT(load(HARD), timeout_ms=50)
    verdict = smt.relevant("w", {})
    assert verdict.status == "unknown" and verdict.value is None
    assert verdict.maybe and not verdict.sure
    dead = smt.dead("w")
    assert dead.status == "unknown" and dead.value is None
    patient = SMT(load(HARD), timeout_ms=PATIENT_MS)
    assert patient.relevant("w", {"x": 1, "y": 1, "z": 1}).value is False  # 1 + 1 != 1: decided at once


def test_the_work_limit_gives_unknown_on_every_machine():
    """RLIMIT counts z3's work, not time: a small one stops the same hard query everywhere."""
    verdicts = [SMT(load(HARD), timeout_ms=PATIENT_MS, rlimit=10_000).relevant("w", {}) for _ in range(2)]
    assert [v.status for v in verdicts] == ["unknown", "unknown"]


def test_modes_name_the_questions():
    process = load("process: t\ntitle: T\nfacts:\n  a: {type: bool, ask: a?}\n"
                   "  r: {type: bool, ask: r?, register: CPR}\noutcomes:\n  o: {when: a and r}\n")
    assert logic.select(process, "anonymous").questions() == ["a", "r"]
    assert logic.select(process, "logged_in").questions() == ["a"]
    with pytest.raises(ValueError):
        logic.select(process, "mitid")


# -- the bundled processes ------------------------------------------------------------------------

def bundled(name: str) -> Process:
    process, diagnostics = load_file(str(RULES / f"{name}.yaml"))
    assert process is not None
    return process


def answers_of_test(process: Process, given: dict[str, Any]) -> dict[str, Any]:
    """A test's ``given`` as answers by variable id (member lists as ``group[i].fact``)."""
    answers = {}
    for key, value in given.items():
        if key in process.groups:
            for i, member in enumerate(value, 1):
                answers.update({f"{key}[{i}].{k}": v for k, v in member.items()})
            count = process.groups[key].count
            answers.setdefault(count, given.get(count, len(value)))
        else:
            answers[key] = value
    return answers


def as_case(process: Process, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers by variable id back to the interpreter's case (groups as member lists)."""
    case: dict[str, Any] = {}
    for key, value in answers.items():
        if "[" in key:
            group, rest = key.split("[", 1)
            index, fact = rest.split("].")
            members = case.setdefault(group, [])
            while len(members) < int(index):
                members.append({})
            members[int(index) - 1][fact] = value
        else:
            case[key] = value
    for group in process.groups.values():
        if group.count in case:
            members = case.setdefault(group.name, [])
            del members[int(case[group.count]):]
            members.extend({} for _ in range(int(case[group.count]) - len(members)))
    return case


def kleene_irrelevant(process: Process, answers: dict[str, Any], q: str) -> bool | None:
    """True when the three-valued evaluation calls q irrelevant and q's applicability is
    decided (None when undecided: a question not yet shown is left out of its support)."""
    pe = PartialEvaluation(process, as_case(process, answers))
    support = set().union(*pe.supports().values()) if process.outcomes else set()
    if "[" in q:
        group, rest = q.split("[", 1)
        index, fact = rest.split("].")
        count = answers.get(process.groups[group].count)
        if count is None or process.groups[group].facts[fact].applies_if is not None:
            return None
        return (group, int(index), fact) not in support if int(index) <= count else True
    fact = process.facts[q]
    if fact.applies_if is not None:
        held = PartialEvaluation(process, as_case(process, answers)).formula(fact.applies_if)
        if held is not True and held is not False:
            return None
        if held is False:
            return True
    return (None, None, q) not in support


@pytest.mark.parametrize(("name", "tests"), [("boligstoette", 3), ("byggetilladelse", 4)])
def test_smt_answers_relevance_on_bundled_processes_soundly(name, tests):
    process = bundled(name)
    with pytest.raises((Unsupported, TooLarge)):
        Enumeration(process).relevant(Enumeration(process).questions()[0], {})
    chain = logic.select(process)
    assert "enumeration" not in chain.engines and chain.engines[-1] == "smt"
    used = {q: chain.relevant(q, {}).engine for q in chain.questions()}
    assert used[chain.questions()[0]] in chain.engines and "smt" in used.values()
    smt = SMT(process, timeout_ms=PATIENT_MS)
    checked = 0
    for test in process.tests[:tests]:
        full = answers_of_test(process, test.given)
        keys = sorted(full)
        for drop in range(0, len(keys), 3):  # answer sets with every third answer left out, in turn
            answers = {k: full[k] for i, k in enumerate(keys) if (i - drop) % 3 != 0}
            for q in smt.questions():
                if q in answers:
                    continue
                verdict = smt.relevant(q, answers)
                assert verdict.status == "exact"
                if verdict.value:
                    first, second = verdict.witness
                    assert {k for k in first if first[k] != second[k]} == {q}
                    assert all(first.get(k, v) == v for k, v in answers.items())
                    cases = [as_case(process, {**answers, **w}) for w in (first, second)]
                    assert any(outcome_values(process, cases[0], o) != outcome_values(process, cases[1], o)
                               for o in process.outcomes), (q, answers)
                if kleene_irrelevant(process, answers, q):
                    assert verdict.value is False, (q, answers)
                checked += 1
    assert checked > 40


GROUPS = """process: t
title: T
facts:
  n: {type: int, ask: n?, min: 0, max: 2, distribution: {0: 0.3, 1: 0.4, 2: 0.3}}
  a: {type: bool, ask: a?}
  k: {type: choice, ask: k?, choices: {x: {label: x}, y: {label: y}}}
  big: {derive: "sum(m, t) > 2"}
groups:
  m:
    count: n
    facts:
      s: {type: bool, ask: s?}
      t: {type: int, ask: t?, min: 0, max: 2, applies_if: s, default: 0}
outcomes:
  o1: {when: "any(m, s) and a"}
  o2: {when: "count(m, s) >= 2 or k == 'x'"}
  o3: {cases: [{when: "all(m, s)", then: alle}, {when: big, then: mange}, {else: faa}]}
  o4: {applies_if: "n > 0", value: "sum(m, t) + count(m)"}
"""


@pytest.mark.parametrize("Engine", [BDD, SMT], ids=lambda e: e.name)
@pytest.mark.parametrize("answers", [{}, {"n": 1}, {"n": 2, "m[1].s": True}, {"a": False, "k": "x"},
                                     {"n": 2, "m[1].s": False, "m[2].s": True, "m[2].t": 2}],
                         ids=["none", "one-member", "first-s", "a-k", "most"])
def test_engines_agree_with_enumeration_on_groups(Engine, answers):
    process = load(GROUPS)
    reference, engine = Enumeration(process), build(Engine, process)
    for q in reference.questions():
        assert engine.relevant(q, answers).value == reference.relevant(q, answers).value, q
    assert engine.determined(answers).value == reference.determined(answers).value
    for name in ["o1", "o2", "o3", "o4", "big"]:
        assert engine.implied(name, answers).value == reference.implied(name, answers).value, name
    for text in ["any(m, s) or n == 0", "sum(m, t) <= 4", "count(m, s) > n"]:
        assert engine.always(text).value == reference.always(text).value, text
        assert engine.never(text).value == reference.never(text).value, text
    assert engine.overlaps("o3").value == reference.overlaps("o3").value


@pytest.mark.parametrize("Engine", [Enumeration, BDD], ids=lambda e: e.name)
def test_a_number_in_arithmetic_is_never_decided_by_its_classes(Engine):
    # ekstra_affald: the price is antal_saekke * pris_ekstra_saek, and antal_saekke has one class
    process = bundled("ekstra_affald")
    with pytest.raises(Unsupported):
        Engine(process).relevant("antal_saekke", {})
    verdict = logic.select(process).relevant("antal_saekke", {"valg": "ekstra_saek"})
    assert (verdict.value, verdict.engine) == (True, "smt")


@settings(max_examples=25)
@given(finite_rule_sets(max_facts=6))
def test_dead_questions_by_mode_agree_with_the_oracle(rules):
    from analyzer.logic.dead import by_mode
    process = load(rules.text())
    oracle = Oracle(process, rules, "anonymous")
    never = set(oracle.facts) - oracle.relevant({})
    found = by_mode(process, ("anonymous", "logged_in"))
    kinds = {f.name: f.kind for f in rules.facts}
    (anonymous, undecided), (logged_in, _) = found["anonymous"], found["logged_in"]
    assert undecided == []  # every engine decides these small rule sets
    assert {d["question"] for d in anonymous} == never
    assert {d["question"] for d in logged_in} == {q for q in never if kinds[q] == "question"}
    assert all(d["kind"] == "exact" for d in anonymous)


SHADOWED = """process: t
title: T
facts:
  q1: {type: bool, ask: q1?, register: BBR}
  q3: {type: bool, ask: q3?, applies_if: q1, default: false}
  q4: {type: bool, ask: q4?}
  n: {type: money, ask: n?, min: 0, max: 1000}
  d1: {derive: "n * 2 > 100 or q3 or q1"}
outcomes:
  o: {when: "d1 and n > 10"}
"""


def test_analyze_lists_dead_questions_when_the_model_is_estimated():
    # q3 applies only when q1 holds, and q1 alone makes d1 true: no answer to q3 changes o; q4 is
    # read by nothing. The money in arithmetic makes this a job for the SMT engine.
    from analyzer import burden
    from analyzer.metrics import _estimate
    result = _estimate(load(SHADOWED), burden.Assumptions(), "forced for the test")
    dead = {m: [(d["question"], d["reason"]) for d in result["modes"][m]["dead_questions"]] for m in result["modes"]}
    assert dead["anonymous"] == [("q3", "no answer to it ever changes an outcome"), ("q4", "no outcome depends on it")]
    assert dead["logged_in"] == dead["anonymous"]


ITEMS = """process: t
title: T
facts:
  a: {type: bool, ask: a?}
  b: {type: bool, ask: b?}
outcomes:
  docs:
    applies_if: a
    items:
      lease: {when: b}
      deed: {when: not b}
      id: {when: "true"}
"""


@pytest.mark.parametrize("Engine", ENGINES, ids=lambda e: e.name)
@pytest.mark.parametrize(("answers", "expected"), [
    ({"a": True, "b": False}, Implied(("deed", "id"))),
    ({"a": False}, Implied(None)),
    ({"a": True}, None),
], ids=["deed", "not-applicable", "open"])
def test_implied_value_of_an_items_outcome(Engine, answers, expected):
    engine = build(Engine, load(ITEMS))
    assert engine.implied("docs", answers).value == expected
    assert engine.relevant("b", answers).value is (expected is None)


def test_smt_encodes_an_outcome_only_when_a_query_needs_it():
    # z3 cannot order texts: the engine still builds, answers about the other outcome, and
    # refuses (Unsupported, which a Chain passes on) only the query that needs that encoding
    process = load("""\
process: t
title: T
facts:
  navn: {type: text, ask: 'navn?'}
  ja: {type: bool, ask: 'ja?'}
outcomes:
  tidlig: {when: "navn < 'm'"}
  svar: {when: ja}
""")
    smt = SMT(process, samples=0)  # z3 alone: no witness search by the interpreter first
    assert smt.relevant("ja", {}).value is True
    with pytest.raises(Unsupported, match="'<' over str and str"):
        smt.relevant("navn", {})
    assert logic.select(process, first="smt").relevant("navn", {}).value is True
