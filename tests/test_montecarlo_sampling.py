"""How many cases the simulation draws, the memo of derived values it evaluates with, and the
worker processes `analyze` runs it in.

- ``montecarlo.estimate_mode`` draws cases in batches until every policy's 95 % confidence
  interval is within PRECISION of its mean (between SAMPLES_MIN and SAMPLES cases): checked
  against the figures recomputed from ``simulate`` on the same cases, batch by batch.
- ``kleene.DerivedMemo`` (filled by ``SupportCache`` across cases): every derived value and
  every support equals the one computed without it.
- ``parallel.run`` and ``metrics.analyze`` in worker processes: the same output, byte for byte.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from itertools import islice

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import burden, finite, metrics, montecarlo, parallel
from analyzer.kleene import UNKNOWN, DerivedMemo, PartialEvaluation
from analyzer.load import load_process_document
from analyzer.model import Process
from analyzer.rows import class_of
from analyzer.yamlread import read
from tests.strategies import ArithmeticRuleSet, FiniteRuleSet, arithmetic_rule_sets, finite_rule_sets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _generated_text(questions: int, seed: int) -> str:
    """A synthetic rule file (benchmarks/generate.py: shared facts, nesting, arithmetic)."""
    spec = importlib.util.spec_from_file_location("bench_generate", os.path.join(ROOT, "benchmarks", "generate.py"))
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.generate(questions, seed, 4, 2, None, 0.2, True)


def _generate(questions: int, seed: int) -> Process:
    process, diagnostics = load_process_document(read("synthetic.yaml", text=_generated_text(questions, seed)))
    assert process is not None and not diagnostics
    return process


@pytest.fixture(scope="module")
def synthetic() -> Process:
    """A 60-question synthetic process (shared facts, nesting, arithmetic): simulated, not exact."""
    return _generate(60, 3)


def _seconds(process: Process) -> dict[str, float]:
    a = burden.Assumptions()
    return {f.key: a.seconds_for(f.type) for f in process.all_facts()}


def test_sample_is_a_prefix_of_the_draws(synthetic: Process) -> None:
    variables = finite.variables(synthetic)
    first = montecarlo.sample(synthetic, variables, 30)
    assert first == list(islice(montecarlo.draws(synthetic, variables), 30))
    assert montecarlo.sample(synthetic, variables, 10) == first[:10]


def _regression_oracle(y: list[float], cases: list[dict], controls: montecarlo.Controls) -> tuple[float, float]:
    """The control-variate estimate by numpy's least squares: the fitted value at the classes'
    prior shares, with its normal 95 % half-width s * sqrt(z (Z'Z)^-1 z')."""
    import numpy as np
    columns, means = [], []
    for v in controls.inputs:
        shares = [(k, c.p) for k, c in enumerate(v.classes) if c.p > 0]
        total = sum(p for _, p in shares)
        for k, p in shares[:-1]:
            column = [1.0 if class_of(v, case[v.fact.name]) == k else 0.0 for case in cases]
            if len(set(column)) > 1:
                columns.append(column)
                means.append(p / total)
    z = np.array([1.0, *means])
    design = np.column_stack([np.ones(len(y)), *[np.array(c) for c in columns]])
    assert np.linalg.matrix_rank(design) == design.shape[1] and len(y) - design.shape[1] >= montecarlo.CONTROL_MIN_DF
    b, *_ = np.linalg.lstsq(design, np.array(y, dtype=float), rcond=None)
    residuals = np.array(y) - design @ b
    s2 = residuals @ residuals / (len(y) - design.shape[1])
    return float(z @ b), montecarlo.t975(len(y) - design.shape[1]) * float(
        np.sqrt(s2 * z @ np.linalg.inv(design.T @ design) @ z))


@pytest.mark.parametrize("precision", [montecarlo.PRECISION, 0.03])
@pytest.mark.parametrize("mode", ["anonymous", "logged_in"])
def test_sampling_stops_at_the_first_batch_within_the_precision(synthetic: Process, mode: str, precision: float,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "PRECISION", precision)
    variables = finite.variables(synthetic)
    seconds = _seconds(synthetic)
    got = montecarlo.estimate_mode(synthetic, variables, mode, seconds)
    n = int(got["greedy"]["expected"]["method"].split("Monte Carlo: ")[1].split(" cases")[0])
    assert montecarlo.SAMPLES_MIN <= n <= montecarlo.SAMPLES
    assert n % montecarlo.BATCH == 0 or n == montecarlo.SAMPLES
    # the oracle: the same cases run one by one, the estimate refitted by numpy at every batch
    order = {(v.group, v.index, v.fact.name): i for i, v in enumerate(variables) if v.fact.asked(mode)}
    cases = montecarlo.sample(synthetic, variables, n)
    counts = {p: [len(montecarlo.simulate(synthetic, c, mode, p, order, seconds).asked) for c in cases]
              for p in montecarlo.MC_POLICIES}
    controls = montecarlo.Controls.of(variables, montecarlo.SupportCache(synthetic).readers)
    assert controls is not None and "regression estimate on the answer classes of" in got["greedy"]["expected"]["method"]

    def precise(k: int) -> bool:
        return all(_regression_oracle(counts[p][:k], cases[:k], controls)[1]
                   <= montecarlo.PRECISION * _regression_oracle(counts[p][:k], cases[:k], controls)[0]
                   for p in montecarlo.MC_POLICIES)

    stops = [k for k in range(montecarlo.SAMPLES_MIN, n + 1, montecarlo.BATCH) if precise(k)]
    if n < montecarlo.SAMPLES:
        assert stops == [n]
        assert f"within {precision * 100:g} % of its mean" in got["greedy"]["expected"]["method"]
    else:
        assert stops in ([], [n])
    for p in montecarlo.MC_POLICIES:
        estimate, half = _regression_oracle(counts[p], cases, controls)
        assert got[p]["expected"]["value"] == pytest.approx(estimate, abs=1e-3)
        assert got[p]["worst"]["value"] == max(counts[p]) and got[p]["best"]["value"] == min(counts[p])
        assert got[p]["expected"]["ci95"] == pytest.approx([estimate - half, estimate + half], abs=2e-3)


def test_the_controls_are_the_most_read_inputs_with_known_class_shares(synthetic: Process) -> None:
    cache = montecarlo.SupportCache(synthetic)
    controls = montecarlo.Controls.of(cache.variables, cache.readers)
    assert controls is not None
    chosen = [v.id for v in controls.inputs]
    eligible = []
    for v in cache.variables:
        shares = [c.p for c in v.classes if c.p > 0]
        if v.group is None and cache.readers[v.id] >= 2 and 2 <= len(shares) <= montecarlo.CONTROL_CLASSES \
                and min(shares) / sum(shares) >= montecarlo.CONTROL_MIN_P:
            eligible.append(v)
    # the most read first, as many as the columns allow; none more read is left out
    assert [cache.readers[c] for c in chosen] == sorted((cache.readers[c] for c in chosen), reverse=True)
    assert len(controls.means) <= montecarlo.CONTROL_COLUMNS
    skipped = [v for v in eligible if v.id not in chosen]
    assert not skipped or cache.readers[skipped[0].id] <= min(cache.readers[c] for c in chosen)
    assert "indkomst" in chosen  # the shared income, read by most rules of the benchmark's shape


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 50)), min_size=30, max_size=80))
def test_the_regression_estimate_is_least_squares(rows: list[tuple[int, int, int]]) -> None:
    """montecarlo._regression against numpy on arbitrary data: two inputs (3 and 2 classes)."""
    import numpy as np
    means = [0.2, 0.5, 0.4]
    columns = [[1.0 if a == 0 else 0.0, 1.0 if a == 1 else 0.0, 1.0 if b == 0 else 0.0] for a, b, _ in rows]
    y = [float(a * 7 + b * 3 + noise) for a, b, noise in rows]
    got = montecarlo._regression(y, columns, means)
    got = got[:2] if got is not None else None
    kept = [j for j in range(3) if len({c[j] for c in columns}) > 1]
    if not kept:
        assert got is None  # nothing to regress on: the plain mean is used
        return
    design = np.column_stack([np.ones(len(y)), *[np.array([c[j] for c in columns]) for j in kept]])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return  # the code then leaves columns out; the rank-full case is the one to compare
    b, *_ = np.linalg.lstsq(design, np.array(y), rcond=None)
    z = np.array([1.0, *[means[j] for j in kept]])
    residuals = np.array(y) - design @ b
    s2 = residuals @ residuals / (len(y) - design.shape[1])
    assert got is not None
    assert got[0] == pytest.approx(float(z @ b), abs=1e-6)
    t = montecarlo.t975(len(y) - design.shape[1])
    assert got[1] == pytest.approx(t * float(np.sqrt(s2 * z @ np.linalg.inv(design.T @ design) @ z)), abs=1e-6)


def test_a_fixed_sample_and_a_population_are_used_whole(synthetic: Process) -> None:
    variables = finite.variables(synthetic)
    seconds = _seconds(synthetic)
    fixed = montecarlo.estimate(synthetic, variables, "anonymous", "greedy", seconds, n=30)
    assert "Monte Carlo: 30 cases drawn from the priors (seed 20261128)" in fixed["expected"]["method"]
    cases = montecarlo.sample(synthetic, variables, 7, seed=5)
    given_cases = montecarlo.estimate(synthetic, variables, "anonymous", "greedy", seconds, cases=cases)
    assert "the population file's 7 cases" in given_cases["expected"]["method"]


def test_a_small_process_that_never_gets_precise_draws_the_most() -> None:
    text = """\
process: t
title: {da: t}
facts:
  a: {type: bool, ask: "a?", p_true: 0.5}
  b: {type: bool, ask: "b?", p_true: 0.5}
outcomes:
  o: {when: a and b}
"""
    process, diagnostics = load_process_document(read("t.yaml", text=text))
    assert process is not None and not diagnostics
    got = montecarlo.estimate_mode(process, finite.variables(process), "anonymous", _seconds(process))
    # 1 or 2 questions, each half the time: the interval stays near ±0.05 on a mean of 1.5
    assert got["form_order"]["expected"]["method"].count("400 cases drawn") == 1
    assert "the limit, as the interval stayed wider than 1 % of the mean" in got["form_order"]["expected"]["method"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finite_rule_sets(), st.data())
def test_the_derived_memo_changes_no_value_and_no_support(rules: FiniteRuleSet, data: st.DataObject) -> None:
    """One memo filled over many answer sets of many cases: each derived value, each outcome and
    each support is what an evaluation without the memo computes."""
    process, diagnostics = load_process_document(read("t.yaml", text=rules.text()))
    assert process is not None and not diagnostics
    cache = montecarlo.SupportCache(process)
    cases = montecarlo.sample(process, cache.variables, 6, seed=data.draw(st.integers(0, 999)), spread=True)
    names = [f.name for f in process.facts.values() if f.derive is not None] + list(process.outcomes)
    for case in cases:
        top = sorted(k for k in case if k not in process.groups)
        for _ in range(3):
            known = data.draw(st.sets(st.sampled_from(top))) if top else set()
            answers = {k: v for k, v in case.items() if k in known}
            answers.update({g: [dict() for _ in case.get(g, [])] for g in process.groups})
            state = cache.known(answers)

            def key(name: str, state=state) -> tuple | None:
                getters = cache._reads.get(name)
                return None if getters is None else (name, getters[0](state.cls), getters[1](state.value))

            memo = DerivedMemo(key, cache._derived)
            for name in names:
                plain = PartialEvaluation(process, answers)
                memoised = PartialEvaluation(process, answers, memo=memo)
                try:
                    expected = plain.get(name)
                except Exception as exc:  # the interpreter's errors: the memo must raise them too
                    with pytest.raises(type(exc)):
                        memoised.get(name)
                    continue
                got = memoised.get(name)
                assert (got is UNKNOWN) == (expected is UNKNOWN) and (got is UNKNOWN or got == expected), name
                assert list(memoised.support) == list(plain.support), name
            assert cache.supports(answers, known=state) == PartialEvaluation(process, answers).supports()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arithmetic_rule_sets(), st.data())
def test_supports_keyed_by_class_where_only_the_value_reads_the_number(rules: ArithmeticRuleSet,
                                                                       data: st.DataObject) -> None:
    """An outcome whose value is arithmetic over amounts (``a - b``) keeps its support under the
    amounts' classes (finite.Cones.decisive): one cache over many cases and answer sets gives
    every support an evaluation without it gives."""
    process, diagnostics = load_process_document(read("t.yaml", text=rules.text()))
    assert process is not None and not diagnostics
    cache = montecarlo.SupportCache(process)
    for case in montecarlo.sample(process, cache.variables, 8, seed=data.draw(st.integers(0, 999)), spread=True):
        top = sorted(case)
        for _ in range(3):
            known = data.draw(st.sets(st.sampled_from(top))) if top else set()
            answers = {k: v for k, v in case.items() if k in known}
            assert cache.supports(answers) == PartialEvaluation(process, answers).supports()


def _cones(text: str) -> tuple[finite.Cones, Callable[[frozenset[int]], set[str]]]:
    """The cones of a rule text, and a function from variable indices to their ids."""
    process, diagnostics = load_process_document(read("t.yaml", text=text))
    assert process is not None and not diagnostics
    cones = finite.Cones(process)
    ids = {i: v.id for i, v in enumerate(cones.variables)}
    return cones, lambda found: {ids[i] for i in found}


def test_only_what_decides_a_support_is_keyed_by_its_value() -> None:
    text = """\
process: t
title: {da: t}
facts:
  a: {type: money, ask: "a?", min: 0, max: 1000}
  b: {type: money, ask: "b?", min: 0, max: 1000}
  c: {type: money, ask: "c?", min: 0, max: 1000}
  ok: {type: bool, ask: "ok?"}
outcomes:
  amount: {applies_if: "ok and a > 10", value: "max(0, a - b)"}
  ratio: {value: "a / c"}
  compared: {when: "a > b"}
"""
    cones, names = _cones(text)
    assert names(cones.exact("amount")) == {"a", "b"} and names(cones.decisive("amount")) == set()
    assert names(cones.decisive("ratio")) == {"c"}  # a divisor of zero is an error, so its value counts
    assert names(cones.decisive("compared")) == {"a", "b"}


def test_dates_and_rounding_digits_are_keyed_by_their_value() -> None:
    """Date arithmetic can leave the calendar and round's digits can overflow, both errors, so
    those inputs keep their exact value in the support memo's key."""
    text = """\
process: t
title: {da: t}
facts:
  d: {type: date, ask: "d?"}
  n: {type: int, ask: "n?", min: 0, max: 100}
  x: {type: money, ask: "x?", min: 0, max: 1000}
outcomes:
  frist: {value: "add_days(d, n)"}
  afrundet: {value: "round(x, n)"}
"""
    cones, names = _cones(text)
    assert names(cones.decisive("frist")) == {"d", "n"}  # add_days: any day count can leave it
    assert names(cones.decisive("afrundet")) == {"n"}


def test_the_simulation_with_every_memo_asks_what_the_reference_asks(synthetic: Process) -> None:
    """On a process with shared facts, nesting and arithmetic (the benchmark's shape)."""
    from tests.test_kleene_incremental import same_questions
    same_questions(synthetic, montecarlo.sample(synthetic, finite.variables(synthetic), n=6, seed=11, spread=True))


def _pid(_shared: object) -> int:
    return os.getpid()


def _pair(shared: str, suffix: str) -> str:
    return shared + suffix


def test_parallel_run_keeps_the_order_and_uses_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_ENV, "2")
    assert parallel.run([(_pair, ("1",)), (_pair, ("2",)), (_pair, ("3",))], "x") == ["x1", "x2", "x3"]
    pids = parallel.run([(_pid, ()), (_pid, ())], None)
    assert os.getpid() not in pids
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    assert parallel.run([(_pid, ()), (_pid, ())], None) == [os.getpid(), os.getpid()]


def test_analyze_in_workers_gives_the_same_output(synthetic: Process, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "PARALLEL_MIN_VARIABLES", 0)
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    alone = json.dumps(metrics.analyze(synthetic), sort_keys=True)
    monkeypatch.setenv(parallel.JOBS_ENV, "2")
    together = json.dumps(metrics.analyze(synthetic), sort_keys=True)
    assert together == alone
    assert json.loads(alone)["model"]["exact"] is False


def test_cli_samples_fixes_the_number_of_cases(tmp_path) -> None:
    from click.testing import CliRunner

    from cli import main
    path = tmp_path / "synthetic.yaml"
    path.write_text(_generated_text(40, 2), encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(path), "--format", "json", "--samples", "30"])
    assert result.exit_code == 0, result.output
    modes = json.loads(result.output)["processes"][0]["modes"]
    for mode in ("anonymous", "logged_in"):
        for block in ("form_order", "flow"):
            assert "Monte Carlo: 30 cases drawn from the priors (seed 20261128)" in modes[mode][block]["expected"]["method"]
    bad = CliRunner().invoke(main, ["analyze", str(path), "--samples", "1"])
    assert bad.exit_code == 2


def test_questions_no_engine_decides_are_listed_as_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dead-question check no engine can answer counts the question as live, and says so."""
    from analyzer.logic import Chain, Unsupported
    from analyzer.logic import dead as dead_module
    from analyzer.report import analysis_text

    process = _generate(40, 2)

    def refuse(self, q):
        raise Unsupported("no engine encodes this")

    monkeypatch.setattr(Chain, "dead", refuse)
    monkeypatch.setattr(metrics, "PARALLEL_MIN_VARIABLES", 10**9)
    found = dead_module.dead_questions(process, "anonymous")
    assert found.unknown == len(found.undecided) > 0 and all(d["reason"] == "no outcome depends on it"
                                                             for d in found.dead)
    result = metrics.analyze(process, samples=20)
    for mode, m in result["modes"].items():
        asked = {v.id for v in finite.variables(process) if v.fact.asked(mode)}
        assert set(m["dead_questions_undecided"]) == set(found.undecided) & asked
    assert "Not decided whether dead (anonymous; no engine could, so counted as live)" in analysis_text([result], "table")


def test_the_method_names_only_the_controls_the_fit_kept() -> None:
    """An input whose class never varies in the sample gives no column to the fit, so the method
    does not name it."""
    from types import SimpleNamespace
    controls = montecarlo.Controls([SimpleNamespace(id="a"), SimpleNamespace(id="b")], [0.5, 0.5], [], [0, 1])
    controls.rows = [[float(i % 2), 1.0] for i in range(40)]
    fitted = montecarlo._regression([float(i % 2) * 3 + i % 5 for i in range(40)], controls.rows, controls.means)
    assert fitted is not None and fitted[2] == [0]
    text = controls.describe(fitted[2])
    assert "answer classes of a (" in text and " b" not in text.split("(")[0]


@pytest.mark.parametrize(("df", "quantile"), [(1, 12.706), (4, 2.776), (20, 2.086), (30, 2.042), (31, 2.040),
                                               (40, 2.021), (60, 2.000), (120, 1.980), (10_000, 1.960)])
def test_t_quantiles_match_the_tables(df: int, quantile: float) -> None:
    # Student's t, two-sided 95 %: the intervals of a few cases are wider than the normal's
    assert montecarlo.t975(df) == pytest.approx(quantile, abs=0.0015)
