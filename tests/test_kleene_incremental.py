"""The Monte Carlo flow re-evaluates only the outcomes whose support held the last answer.

:func:`analyzer.montecarlo.simulate` relies on a property of three-valued evaluation
(:meth:`analyzer.kleene.PartialEvaluation.supports`): answering an input outside an outcome's
support leaves that outcome's value and support unchanged. Here the incremental simulation is
compared with the reference it replaced, which re-evaluates every outcome after every answer:
the same questions in the same order, on generated rule sets and on cases of every bundled
process, for both policies and both modes; and so is the run that reads its re-evaluations from a
:class:`analyzer.montecarlo.SupportCache` shared across cases (keyed by answer classes).
"""

from __future__ import annotations

import glob

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import burden, finite, montecarlo
from analyzer.kleene import PartialEvaluation
from analyzer.load import load_file, load_process_document
from analyzer.model import Process
from analyzer.yamlread import read
from tests.strategies import FiniteRuleSet, finite_rule_sets


def reference(process: Process, case: dict, mode: str, policy: str, order: dict[tuple, int]) -> list[tuple]:
    """The questions asked when every outcome is re-evaluated after every answer."""
    answers = montecarlo.prefilled_answers(process, case, mode)
    asked: list[tuple] = []
    for _ in range(len(order) + 1):
        supports = PartialEvaluation(process, answers).supports()
        candidates = {c for s in supports.values() for c in s if c in order} - set(asked)
        if not candidates:
            break
        if policy == "greedy":
            weight = {c: sum(1 for s in supports.values() if c in s) for c in candidates}
            q = min(candidates, key=lambda c: (-weight[c], order[c]))
        else:
            q = min(candidates, key=lambda c: order[c])
        group, index, name = q
        if group is None:
            answers[name] = case.get(name)
        else:
            answers[group][index - 1][name] = case[group][index - 1].get(name)
        asked.append(q)
    return asked


def same_questions(process: Process, cases: list[dict]) -> None:
    variables = finite.variables(process)
    a = burden.Assumptions()
    seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    cache = montecarlo.SupportCache(process)  # shared by every run, as montecarlo.estimate does
    for mode in ("anonymous", "logged_in"):
        order = {(v.group, v.index, v.fact.name): i for i, v in enumerate(variables) if v.fact.asked(mode)}
        for policy in montecarlo.MC_POLICIES:
            for case in cases:
                expected = reference(process, case, mode, policy, order)
                got = montecarlo.simulate(process, case, mode, policy, order, seconds).asked
                assert got == expected, (mode, policy, case)
                cached = montecarlo.simulate(process, case, mode, policy, order, seconds, cache).asked
                assert cached == expected, ("cached", mode, policy, case)


PROCESSES = sorted(p for p in glob.glob("rules/*.yaml") if not p.endswith("registers.yaml"))


@pytest.mark.parametrize("path", PROCESSES, ids=lambda p: p.split("/")[-1])
def test_bundled_processes(path: str) -> None:
    process, diagnostics = load_file(path)
    assert process is not None, diagnostics
    cases = montecarlo.sample(process, finite.variables(process), n=25, seed=7, spread=True)
    same_questions(process, cases)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finite_rule_sets(), st.integers(0, 2**16))
def test_generated_rule_sets(rules: FiniteRuleSet, seed: int) -> None:
    process, diagnostics = load_process_document(read("t.yaml", text=rules.text()))
    assert process is not None and not diagnostics
    same_questions(process, montecarlo.sample(process, finite.variables(process), n=8, seed=seed, spread=seed % 2 == 0))


def test_a_shared_derived_fact_gives_every_reader_all_it_reads() -> None:
    """o1 reads a, then d (= a and b): d's support is {a, b} even though a was read first, so o2,
    which reads only d, still has a in its support."""
    text = """\
process: t
title: {da: t}
facts:
  a: {type: bool, ask: "a?"}
  b: {type: bool, ask: "b?"}
  d: {derive: a and b}
outcomes:
  o1: {when: a and d}
  o2: {when: d}
"""
    process, diagnostics = load_process_document(read("t.yaml", text=text))
    assert process is not None and not diagnostics
    supports = PartialEvaluation(process, {}).supports()
    assert supports == {"o1": {(None, None, "a"), (None, None, "b")}, "o2": {(None, None, "a"), (None, None, "b")}}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finite_rule_sets(), st.data())
def test_an_outcomes_support_does_not_depend_on_the_others(rules: FiniteRuleSet, data: st.DataObject) -> None:
    """Each outcome evaluated alone has the support it has in the evaluation of all outcomes."""
    process, diagnostics = load_process_document(read("t.yaml", text=rules.text()))
    assert process is not None and not diagnostics
    case = montecarlo.sample(process, finite.variables(process), n=1, seed=data.draw(st.integers(0, 999)))[0]
    known = data.draw(st.sets(st.sampled_from(sorted(case)))) if case else set()
    answers = {k: v for k, v in case.items() if k in known}
    together = PartialEvaluation(process, answers).supports()
    for name in process.outcomes:
        alone = PartialEvaluation(process, answers).supports([name])
        assert alone.get(name) == together.get(name), name
