"""Measure askless on synthetic rule sets and write docs/performance.md.

    .venv/bin/python benchmarks/run.py            # everything (make bench); about 8 minutes at most
    .venv/bin/python benchmarks/run.py analyze FILE        # one measurement, printed as JSON
    .venv/bin/python benchmarks/run.py latency FILE
    .venv/bin/python benchmarks/run.py flows FILE           # build time of every flow export
    .venv/bin/python benchmarks/run.py pagelatency FILE     # the HTML page engine's decisions (Node)
    .venv/bin/python benchmarks/run.py profile FILE [--what analyze|latency]

The full run generates the rule sets (benchmarks/generate.py, fixed seeds) into build/bench/,
then runs every measurement in its own process under a wall-clock budget: a measurement that
runs out of time is killed and recorded as "over budget (N s)", never waited for. Each figure in
the report names the command that produced it, so any one of them can be re-run by hand.

Timings are wall-clock (time.perf_counter) on whatever machine runs this; the report records
the machine. Nothing here is a timed test: `make test` never runs it.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

PY = ".venv/bin/python"
BENCH_DIR = "build/bench"
REPORT = "docs/performance.md"

#: sizes (questions) of the main rule sets, and their seeds
SIZES = (10, 30, 100, 300, 1000, 3000)
SEED = 1
#: knobs of the main rule sets (benchmarks/generate.py defaults, spelled out)
KNOBS = ("--shared", "4", "--nesting", "2", "--cross", "0.2", "--arithmetic")
#: small instances for greedy / exact optimum: (questions, seed, extra knobs)
SMALL = [(n, s, ("--shared", "2", "--nesting", "2", "--no-arithmetic")) for n in (6, 8, 10) for s in (1, 2, 3, 4)] + \
        [(n, s, ("--shared", "1", "--nesting", "1", "--outcomes", "3", "--cross", "0.5", "--arithmetic"))
         for n in (6, 8) for s in (5, 6, 7)]

#: other shapes at the largest size, to show how far the target depends on the main knobs:
#: (seed, knobs, what changes)
SHAPES = [(2, ("--shared", "8", "--nesting", "4", "--cross", "0.5", "--arithmetic"),
           "8 shared facts, nesting 4, half the outcomes cross-cutting"),
          (3, ("--shared", "0", "--nesting", "2", "--cross", "0.2", "--no-arithmetic"),
           "no shared facts, no arithmetic"),
          (4, ("--shared", "8", "--nesting", "3", "--cross", "0.0", "--arithmetic"),
           "8 shared facts, nesting 3, no cross-cutting outcomes")]

#: wall-clock budgets, seconds
ANALYZE_BUDGET = 90
ANALYZE_TARGET_BUDGET = 240    # the largest size (the target), measured even when it is slow
LATENCY_BUDGET = 40          # per size, for the measuring process as a whole
LATENCY_SAMPLING = 12.0      # inside it: time spent taking decisions
SMALL_BUDGET = 15            # per small instance
SMALL_TOTAL_BUDGET = 100     # all small instances together
PROFILE_BUDGET = 150
#: profile analyze only on sizes whose analyze took at most this long (the profiler doubles it)
PROFILE_MAX_S = 30

#: the issue's targets
TARGET_ANALYZE_S = 10.0
TARGET_P95_MS = 20.0
TARGET_GREEDY_OPT = 1.03


# -- one measurement per process ------------------------------------------------------------------

def _load(path: str):
    from analyzer.load import load_paths
    from analyzer.validate import validate
    t0 = time.perf_counter()
    project = load_paths([path])
    t1 = time.perf_counter()
    diagnostics = list(project.diagnostics)
    for process in project.processes:
        diagnostics.extend(validate(process, project.catalogue))
    t2 = time.perf_counter()
    errors = [str(d) for d in diagnostics if d.severity == "error"]
    if errors or len(project.processes) != 1:
        raise SystemExit(f"{path}: expected one valid process, got errors {errors[:3]}")
    return project.processes[0], t1 - t0, t2 - t1


def _value(fig: Any) -> Any:
    return fig["value"] if isinstance(fig, dict) else None


def measure_analyze(path: str) -> dict:
    """load + validate + metrics.analyze, as `askless analyze FILE` does, timed per phase (and,
    untimed, on an exact model, the block-sensitivity bound as a large process would get it)."""
    from analyzer import metrics
    process, load_s, validate_s = _load(path)
    t = time.perf_counter()
    result = metrics.analyze(process)
    analyze_s = time.perf_counter() - t
    model = result["model"]
    out: dict[str, Any] = {
        "file": path, "questions": sum(1 for f in process.all_facts() if f.kind != "derived"),
        "outcomes": len(process.outcomes), "load_s": load_s, "validate_s": validate_s,
        "analyze_s": analyze_s, "total_s": load_s + validate_s + analyze_s,
        "engine": "exact finite model" if model.get("estimated") is None and model.get("exact")
        else "finite model with atoms (estimates)" if model.get("estimated") is None
        else "Monte Carlo (exact model too large)",
        "components": model.get("components"), "rows": model.get("rows"), "modes": {}}
    for mode, figures in result["modes"].items():
        optimal = figures.get("optimal")
        cert = figures["bounds"]["certificate"]
        out["modes"][mode] = {
            "static": _value(figures["static"]["expected"]),
            "form_order": _value(figures["form_order"]["expected"]),
            "greedy": _value(figures["flow"]["expected"]),
            "kind": figures["flow"]["expected"]["kind"],
            "optimal": _value(optimal["expected"]) if optimal else None,
            "certificate": _value(cert) if cert else None,
            "certificate_kind": cert["kind"] if cert else None,
            "certificate_ci": cert.get("ci95") if cert else None,
            "dead": len(figures["dead_questions"]),
        }
        if model.get("estimated") is None and cert:
            out["modes"][mode].update(_block_beside_certificate(process, mode))
    return out


def _block_beside_certificate(process, mode: str, n: int = 50) -> dict:
    """How tight the block-sensitivity bound is where the exact certificate is known: on the
    first n cases drawn from the priors, each case's block count (analyzer.certify, after the
    simulated greedy flow) and its smallest certificate in the finite model, summed."""
    from analyzer import bounds, burden, certify, finite, montecarlo, policies
    from analyzer.rows import locate
    model = finite.build(process)
    spaces = [policies.Space.of(model, c, mode, lambda v: 1.0) for c in model.components]
    sizes = [bounds.certificate(space) for space in spaces]
    if any(s is None for s in sizes):
        return {}
    a = burden.Assumptions()
    seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    cache = montecarlo.SupportCache(process)
    order = montecarlo.file_order(cache.variables, mode)
    bound = certify.BlockBound(cache, mode)
    blocks = exact = used = 0
    for case in montecarlo.sample(process, cache.variables, n):
        rows = [locate(model, c, case) for c in model.components]
        if any(r is None for r in rows):
            continue
        exact += sum(size[r] for size, r in zip(sizes, rows))
        run = montecarlo.simulate(process, case, mode, "greedy", order, seconds, cache)
        blocks += bound.count(case, run.asked)
        used += 1
    return {"block_cases": used, "block_sum": blocks, "certificate_sum": exact}


class _Stop(Exception):
    """Raised inside montecarlo.simulate to end a timed run early."""


def timed_simulate(process, sampling: float, max_decisions: int, cases: int = 20) -> tuple[list[float], int, bool]:
    """Run analyzer.montecarlo.simulate (greedy, anonymous) on cases drawn from the priors and time
    each of its steps: a step starts where simulate builds a PartialEvaluation of the answers so
    far and ends where it builds the next one (or returns). The engine's own code runs; only the
    name montecarlo.PartialEvaluation is wrapped, to read the clock. Returns the step times, the
    cases run to the end, and whether the sampling limits were not reached."""
    from analyzer import burden, finite, montecarlo
    from analyzer.kleene import PartialEvaluation
    a = burden.Assumptions()
    variables = finite.variables(process)
    order = {(v.group, v.index, v.fact.name): i for i, v in enumerate(variables) if v.fact.asked_anonymous}
    seconds = {(f"{f.group}.{f.name}" if f.group else f.name): a.seconds_for(f.type) for f in process.all_facts()}
    times: list[float] = []
    last: list[float] = []

    def clocked(*args, **kwargs):
        now = time.perf_counter()
        if last:
            times.append(now - last[0])
        if sum(times) > sampling or len(times) >= max_decisions:
            raise _Stop
        last[:] = [now]
        return PartialEvaluation(*args, **kwargs)

    done = 0
    complete = True
    montecarlo.PartialEvaluation = clocked
    try:
        for case in montecarlo.sample(process, variables, n=cases):  # the first cases analyze draws
            last.clear()
            try:
                montecarlo.simulate(process, case, "anonymous", "greedy", order, seconds)
            except _Stop:
                complete = False
                break
            times.append(time.perf_counter() - last[0])
            done += 1
    finally:
        montecarlo.PartialEvaluation = PartialEvaluation
    return times, done, complete


def measure_latency(path: str, sampling: float = LATENCY_SAMPLING, max_decisions: int = 2000) -> dict:
    """Wall-clock time of each next-question decision of the greedy policy (anonymous mode).

    With an exact finite model: the work policies.run does per state (relevant questions, then
    choose_greedy), over every state of the greedy tree. When the model is too large (what
    metrics.analyze then does): one step of the Kleene-driven Monte Carlo flow, over whole
    runs of cases drawn from the priors, until ``sampling`` seconds are spent.
    """
    from analyzer import burden, finite, policies
    process, _, _ = _load(path)
    assumptions = burden.Assumptions()
    times: list[float] = []
    t = time.perf_counter()
    try:
        model = finite.build(process)
    except finite.TooLarge:
        model = None
    build_s = time.perf_counter() - t
    complete = True
    spent = 0.0
    if model is not None:
        engine = "exact finite model: Space.relevant + choose_greedy per state"
        for component in model.components:
            space = policies.Space.of(model, component, "anonymous",
                                      lambda v: assumptions.seconds_for(model.variables[v].fact.type))
            stack = [(rows, space.prefilled) for rows in space.roots()]
            while stack:
                if spent > sampling or len(times) >= max_decisions:
                    complete = False
                    break
                rows, known = stack.pop()
                t = time.perf_counter()
                candidates = space.relevant(rows, known)
                q = policies.choose_greedy(space, rows, known, candidates) if candidates else None
                times.append(time.perf_counter() - t)
                spent += times[-1]
                if q is None:
                    continue
                for child in space.split(rows, known, q):
                    stack.append((child, known | {q}))
        cases_run = None
    else:
        engine = "Kleene partial evaluation (Monte Carlo flow): one step of montecarlo.simulate"
        times, cases_run, complete = timed_simulate(process, sampling, max_decisions)
    ms = sorted(x * 1000 for x in times)
    return {"file": path, "engine": engine, "model_build_s": build_s, "decisions": len(ms),
            "complete": complete, "cases": cases_run,
            "p50_ms": statistics.median(ms) if ms else None,
            "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else None,
            "max_ms": ms[-1] if ms else None, "mean_ms": statistics.fmean(ms) if ms else None}


#: the bundled processes whose flow exports are timed
BUNDLED = ("rules/boligstoette.yaml", "rules/byggetilladelse.yaml", "rules/ekstra_affald.yaml",
           "rules/oekonomisk_friplads.yaml")
FLOWS_BUDGET = 120           # per bundled process, all formats and both modes


def _flow_formats() -> dict:
    """format -> function(process, mode) returning the exported text, for every export present."""
    from analyzer import flowexport
    from analyzer.exports import html
    formats = {"json": lambda p, m: json.dumps(flowexport.export(p, m), ensure_ascii=False, indent=2, sort_keys=True),
               "html": html.render}
    try:
        from analyzer.exports import surveyjs
        from analyzer.flowcompile import compile_process
        formats["surveyjs"] = lambda p, m: json.dumps(surveyjs.render(compile_process(p, m)), ensure_ascii=False)
    except ImportError:  # the export is not in this checkout
        pass
    return formats


def measure_flows(path: str) -> dict:
    """Wall-clock time to build each flow export of one process in both modes (one run each, after
    loading), the size of the output, and the expected questions of the HTML page's policy (Kleene
    greedy, estimated by montecarlo.estimate) next to the exact flow's (flowexport, when the finite
    model allows it)."""
    from analyzer import burden, finite, flowexport, montecarlo
    process = _load(path)[0]
    out: dict[str, Any] = {"file": path, "process": process.name, "formats": {}, "questions": {}}
    for name, build in _flow_formats().items():
        for mode in ("anonymous", "logged_in"):
            t = time.perf_counter()
            try:
                size = len(build(process, mode).encode("utf-8"))
                why = ""
            except flowexport.TooLarge as exc:
                size, why = None, f"not available: {exc}"
            out["formats"][f"{name} {mode}"] = {"s": time.perf_counter() - t, "bytes": size, "why": why}
    a = burden.Assumptions()
    seconds = {f.key: a.seconds_for(f.type) for f in process.all_facts()}
    variables = finite.variables(process)
    for mode in ("anonymous", "logged_in"):
        page = montecarlo.estimate(process, variables, mode, "greedy", seconds)["expected"]
        try:
            exact = flowexport.export(process, mode)["expected"]
        except flowexport.TooLarge:
            exact = None
        out["questions"][mode] = {"page": page["value"], "page_ci95": page["ci95"], "exact_flow": exact}
    return out


def measure_page_latency(path: str, cases: int = 5) -> dict:
    """Wall-clock time of each next-question decision of the HTML page's engine
    (analyzer/exports/flow.js, run by Node through tests/js/latency.mjs) on whole cases drawn from
    the priors (seed 1), anonymous mode. Node must be on PATH."""
    import tempfile

    from analyzer import population
    from analyzer.exports import html
    process = _load(path)[0]
    data = html.payload(process, "anonymous")
    drawn = population.generate(process, cases, 1)
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w", encoding="utf-8") as handle:
            json.dump({"data": data, "cases": drawn}, handle, default=str)
        done = subprocess.run(["node", "tests/js/latency.mjs", spec], cwd=ROOT, capture_output=True, text=True,
                              check=True)
    out = json.loads(done.stdout)
    out["engine"] = "exact decision graphs" if data["dag"] is not None else "three-valued (Kleene)"
    out["cases"] = cases
    return out


def metrics_parallel_min() -> int:
    from analyzer import metrics
    return metrics.PARALLEL_MIN_VARIABLES


def measure_profile(path: str, what: str, top: int = 14) -> dict:
    """cProfile of analyze (load + validate + metrics.analyze) or of 40 Kleene decisions. Without
    worker processes (ASKLESS_JOBS=1): the profiler sees only its own process."""
    import analyzer.load  # noqa: E401,F401 - not profiled
    os.environ["ASKLESS_JOBS"] = "1"
    profiler = cProfile.Profile()
    t = time.perf_counter()
    if what == "analyze":
        profiler.enable()
        measure_analyze(path)
        profiler.disable()
    else:
        process, _, _ = _load(path)
        profiler.enable()
        timed_simulate(process, sampling=1e9, max_decisions=40)
        profiler.disable()
    wall = time.perf_counter() - t
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{_short(file)}:{line}({func})", "calls": nc, "tottime_s": tt, "cumtime_s": ct})
    by_cum = sorted((r for r in rows if "analyzer" in r["function"]), key=lambda r: -r["cumtime_s"])[:top]
    by_tot = sorted(rows, key=lambda r: -r["tottime_s"])[:top]
    keep = sorted((r for r in rows if r["cumtime_s"] >= 0.005 * total), key=lambda r: -r["cumtime_s"])
    return {"file": path, "what": what, "wall_s": wall, "profiled_s": total, "by_cumtime": by_cum,
            "by_tottime": by_tot, "all": keep}


def _short(file: str) -> str:
    if "analyzer" + os.sep in file:
        return "analyzer/" + file.split("analyzer" + os.sep, 1)[1]
    return os.path.basename(file) if file not in ("~",) else "builtins"


# -- orchestration ----------------------------------------------------------------------------------

def _cmd(args: list[str]) -> str:
    return " ".join(args)


def _run(args: list[str], budget: float) -> tuple[dict | None, str]:
    """Run a measuring process; its JSON result, or None and why not."""
    t = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired:
        return None, f"over budget ({budget:g} s)"
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"failed (exit {done.returncode}: {tail})"
    print(f"  {time.perf_counter() - t:6.1f} s  {_cmd(args)}", file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1]), ""


def _generate(n: int, seed: int, knobs: tuple[str, ...], name: str) -> tuple[str, str]:
    path = f"{BENCH_DIR}/{name}.yaml"
    args = [PY, "benchmarks/generate.py", "--questions", str(n), "--seed", str(seed), *knobs, "-o", path]
    subprocess.run(args, cwd=ROOT, check=True)
    return path, _cmd(args)


def _machine() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "analyzer"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        commit += " (analyzer/ has uncommitted changes)" if dirty else ""
    except OSError:
        commit = "?"
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {"load": load, "nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "commit": commit,
            "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}


def _f(x: Any, digits: int = 2) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def run_all(report: str, sizes: tuple[int, ...]) -> int:
    started = time.perf_counter()
    os.makedirs(os.path.join(ROOT, BENCH_DIR), exist_ok=True)
    machine = _machine()
    print(f"askless benchmark on {machine['nproc']} cores, Python {machine['python']}", file=sys.stderr)

    files: dict[int, tuple[str, str]] = {}
    for n in sizes:
        files[n] = _generate(n, SEED, KNOBS, f"synthetic-{n}")

    analyses: dict[int, tuple[dict | None, str, str]] = {}
    over_at = None
    for n in sizes:
        path = files[n][0]
        args = [PY, "benchmarks/run.py", "analyze", path]
        if over_at is not None and n != max(sizes):
            analyses[n] = (None, f"not run ({over_at} questions was already over budget)", _cmd(args))
            continue
        result, why = _run(args, ANALYZE_TARGET_BUDGET if n == max(sizes) else ANALYZE_BUDGET)
        analyses[n] = (result, why, _cmd(args))
        if result is None and over_at is None:
            over_at = n

    shapes: list[tuple[str, str, dict | None, str, str]] = []
    for seed, knobs, what in SHAPES:
        path, gen = _generate(max(sizes), seed, knobs, f"shape-{max(sizes)}-{seed}")
        args = [PY, "benchmarks/run.py", "analyze", path]
        result, why = _run(args, ANALYZE_BUDGET)
        shapes.append((what, gen, result, why, _cmd(args)))

    latencies: dict[int, tuple[dict | None, str, str]] = {}
    for n in sizes:
        args = [PY, "benchmarks/run.py", "latency", files[n][0]]
        result, why = _run(args, LATENCY_BUDGET)
        latencies[n] = (result, why, _cmd(args))

    small: list[tuple[str, str, dict | None, str, str]] = []
    small_start = time.perf_counter()
    for n, s, knobs in SMALL:
        path, gen = _generate(n, s, knobs, f"small-{n}-{s}")
        args = [PY, "benchmarks/run.py", "analyze", path]
        left = SMALL_TOTAL_BUDGET - (time.perf_counter() - small_start)
        if left <= 1:
            small.append((path, gen, None, f"not run (the small instances' {SMALL_TOTAL_BUDGET} s were spent)",
                          _cmd(args)))
            continue
        result, why = _run(args, min(SMALL_BUDGET, left))
        small.append((path, gen, result, why, _cmd(args)))

    # profile analyze on the largest size each engine completed quickly enough to profile
    profiles = []
    chosen: dict[str, int] = {}
    for n in sizes:
        r = analyses[n][0]
        if r and r["total_s"] <= PROFILE_MAX_S:
            chosen[r["engine"]] = n
    for n in sorted(set(chosen.values())):
        args = [PY, "benchmarks/run.py", "profile", files[n][0], "--what", "analyze"]
        result, why = _run(args, PROFILE_BUDGET)
        profiles.append((result, why, _cmd(args), n, "analyze"))
    args = [PY, "benchmarks/run.py", "profile", files[max(sizes)][0], "--what", "latency"]
    result, why = _run(args, PROFILE_BUDGET)
    profiles.append((result, why, _cmd(args), max(sizes), "latency"))

    args = [PY, "benchmarks/run.py", "pagelatency", files[max(sizes)][0]]
    result, why = _run(args, LATENCY_BUDGET)
    flows_page = (result, why, _cmd(args), max(sizes))
    flows = []
    for path in BUNDLED:
        args = [PY, "benchmarks/run.py", "flows", path]
        result, why = _run(args, FLOWS_BUDGET)
        flows.append((result, why, _cmd(args)))

    # issue 6: the rules over a population table, vectorised (DuckDB) against the interpreter
    sys.path.insert(0, HERE)
    import population as population_bench  # benchmarks/population.py, each measurement in its own process
    population_md = population_bench.section(population_bench.measure_all())

    try:
        machine["load_end"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        machine["load_end"] = "?"
    raw = {"machine": machine, "sizes": list(sizes), "files": files, "analyses": analyses, "shapes": shapes,
           "latencies": latencies,
           "small": small, "profiles": profiles, "flows": flows,
           "page_latency": flows_page, "population_md": population_md, "elapsed": time.perf_counter() - started}
    with open(os.path.join(ROOT, BENCH_DIR, "results.json"), "w", encoding="utf-8") as handle:
        json.dump(raw, handle, ensure_ascii=False)
    text = render(machine, sizes, files, analyses, latencies, small, profiles, time.perf_counter() - started, flows,
                  flows_page, shapes)
    text = text.rstrip("\n") + "\n\n" + population_md.strip("\n") + "\n"
    with open(os.path.join(ROOT, report), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {report} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


def render(machine, sizes, files, analyses, latencies, small, profiles, elapsed, flows=(),  # noqa: C901
           page_latency=None, shapes=()) -> str:
    out: list[str] = []
    w = out.append
    w("# Performance\n")
    w("Measured by `make bench` (`.venv/bin/python benchmarks/run.py`), which regenerates this file. "
      "Synthetic rule sets come from `benchmarks/generate.py` with fixed seeds; every figure below is "
      "followed by the command that produced it (run from the repository root), so each can be "
      "re-run alone. Measurements that exceed their wall-clock budget are killed and shown as "
      "\"over budget\". Nothing here is a timed test: `make test` does not run it.\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    w(f"| cores (`nproc`) | {machine['nproc']} |")
    w(f"| CPU | {machine['cpu']} |")
    w(f"| Python | {machine['python']} |")
    w(f"| platform | {machine['platform']} |")
    w(f"| askless commit | {machine['commit']} |")
    w(f"| load average (1 / 5 / 15 min) | {machine['load']} at the start, {machine['load_end']} at the end |")
    w(f"| measured | {machine['date']}; the whole run took {elapsed:.0f} s |\n")
    w("Timings are wall-clock: a load average above the core count means other processes shared the CPU, "
      "and the times are longer than on an idle machine by roughly that factor. The counts and ratios "
      "do not depend on load.\n")

    # -- summary
    big = max(sizes)
    a_big, a_why, a_cmd = analyses[big]
    l_big, l_why, l_cmd = latencies[big]
    ratios = _small_ratios(small)
    w("## Targets (issue 4)\n")
    w("| target | measured | met? | command |\n|---|---|---|---|")
    if a_big:
        w(f"| full `analyze` of {big:,} questions under {TARGET_ANALYZE_S:g} s | {a_big['total_s']:.1f} s "
          f"({a_big['engine']}) | {'met' if a_big['total_s'] < TARGET_ANALYZE_S else 'not met'} | `{a_cmd}` |")
    else:
        guess = ""
        if l_big and l_big.get("p50_ms") and not l_big["engine"].startswith("exact"):
            steps = l_big["decisions"] / l_big["cases"] if l_big.get("cases") else l_big["decisions"]
            minutes = 400 * steps * l_big["p50_ms"] / 1000 / 60
            guess = (f"; rough extrapolation from the latency row: the anonymous greedy Monte Carlo run alone "
                     f"(1 of 4) needs 400 cases x {'~' if l_big.get('cases') else '≥ '}{steps:.0f} steps x "
                     f"{l_big['p50_ms']:.0f} ms ≈ {minutes:.0f} min")
        w(f"| full `analyze` of {big:,} questions under {TARGET_ANALYZE_S:g} s | {a_why}{guess} | not met | `{a_cmd}` |")
    if l_big:
        met = l_big["p95_ms"] is not None and l_big["p95_ms"] < TARGET_P95_MS
        w(f"| greedy next-question decision at {big:,} questions: p95 under {TARGET_P95_MS:g} ms | "
          f"p95 {l_big['p95_ms']:.1f} ms over {l_big['decisions']} decisions ({_engine_short(l_big)}) | "
          f"{'met' if met else 'not met'} | `{l_cmd}` |")
    else:
        w(f"| greedy next-question decision at {big:,} questions: p95 under {TARGET_P95_MS:g} ms | {l_why} | "
          f"not met | `{l_cmd}` |")
    if ratios["values"]:
        mean = statistics.fmean(ratios["values"])
        w(f"| greedy / exact optimum on small instances: mean ≤ {TARGET_GREEDY_OPT} | mean {mean:.3f}, worst "
          f"{max(ratios['values']):.3f} over {len(ratios['values'])} instance-modes ({ratios['exact']} exact, "
          f"{len(ratios['values']) - ratios['exact']} on a model with atoms) | "
          f"{'met' if mean <= TARGET_GREEDY_OPT else 'not met'} | see [below](#greedy-flow--exact-optimum-small-instances) |")
    else:
        w(f"| greedy / exact optimum on small instances: mean ≤ {TARGET_GREEDY_OPT} | no optimum computed | "
          f"unknown | see below |")
    certs = [n for n in sizes if analyses[n][0] and any(m["certificate"] for m in analyses[n][0]["modes"].values())]
    w(f"| greedy / certificate bound on every size | computed for "
      f"{', '.join(f'{n:,}' for n in certs) or 'no size'} of {', '.join(f'{n:,}' for n in sizes)} questions | "
      f"{'met' if len(certs) == len(sizes) else 'not met'} | see [below](#greedy-flow--certificate-bound) |")
    forms = [n for n in sizes if analyses[n][0]]
    w(f"| form order / greedy, to show what adaptivity buys | computed for "
      f"{', '.join(f'{n:,}' for n in forms) or 'no size'} questions | "
      f"{'met' if len(forms) == len(sizes) else 'partly'} | see [below](#form-order--greedy-flow) |\n")

    # -- rule sets
    w("## Rule sets\n")
    w("Knobs: " + " ".join(f"`{k}`" for k in KNOBS) + " (see `benchmarks/generate.py --help`). Each size is one "
      "process: shared register facts (income, age, children, owner) read by many modules of 4 to 8 "
      "questions, each module folded into a chain of derived facts, outcomes over the modules (yes/no, "
      "cases, items, amounts), a fifth of them cross-cutting.\n")
    w("| questions | outcomes | file size | command |\n|---:|---:|---:|---|")
    for n in sizes:
        path, gen = files[n]
        size = os.path.getsize(os.path.join(ROOT, path))
        with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
            outcomes = handle.read().split("\noutcomes:", 1)[-1].count("\n  udfald_")
        w(f"| {n:,} | {outcomes} | {size / 1024:,.0f} KiB | `{gen}` |")
    w("")

    # -- analyze
    w("## Full analyze\n")
    w(f"Load, validate and `metrics.analyze` (what `askless analyze FILE` does), wall-clock seconds; "
      f"budget {ANALYZE_BUDGET} s per size ({ANALYZE_TARGET_BUDGET} s for the largest, the target). Once a size "
      f"is over budget, larger sizes are not run, except the largest. A simulated process of "
      f"{metrics_parallel_min()} variables or more runs its dead-question check, its two modes' simulations and "
      f"their block-sensitivity bounds in worker processes (`analyzer/parallel.py`, as many as the machine has cores), so its analyze time is at "
      f"least half their total on this 2-core machine.\n")
    w("| questions | load s | validate s | analyze s | total s | engine | command |\n|---:|---:|---:|---:|---:|---|---|")
    for n in sizes:
        r, why, cmd = analyses[n]
        if r:
            w(f"| {n:,} | {r['load_s']:.2f} | {r['validate_s']:.2f} | {r['analyze_s']:.2f} | **{r['total_s']:.2f}** | "
              f"{r['engine']} | `{cmd}` |")
        else:
            w(f"| {n:,} | | | | {why} | | `{cmd}` |")
    w("")

    if shapes:
        big = max(sizes)
        w(f"### Other shapes at {big:,} questions\n")
        w(f"The target is measured on the main knobs above; the same size with other knobs shows how far it "
          f"depends on them (budget {ANALYZE_BUDGET} s each). More shared facts and deeper, cross-cutting rules "
          f"make more questions dead or hard to reach, which only z3 can settle, and more questions asked a "
          f"case.\n")
        w("| shape | total s | dead questions (anonymous) | greedy expected (anonymous) | generated by | command |\n"
          "|---|---:|---:|---:|---|---|")
        for what, gen, r, why, cmd in shapes:
            if r:
                w(f"| {what} | **{r['total_s']:.2f}** | {r['modes']['anonymous'].get('dead', '?')} | "
                  f"{_est(r['modes']['anonymous'])}"
                  f"{r['modes']['anonymous']['greedy']:,.2f} | `{gen}` | `{cmd}` |")
            else:
                w(f"| {what} | {why} | | | `{gen}` | `{cmd}` |")
        w("")

    # -- latency
    w("## Next-question latency of the greedy policy\n")
    w(f"Anonymous mode, wall-clock per decision; up to {LATENCY_SAMPLING:g} s of decisions per size (budget "
      f"{LATENCY_BUDGET} s for the process). With an exact model the decision is the work `policies.run` does "
      "per state (`Space.relevant`, then `choose_greedy`) over every state of the greedy tree; the model itself "
      "(built once, before the first question) is timed separately. When the model is too large, which is what "
      "`analyze` then falls back to, a decision is one step of the Kleene-driven flow "
      "(`PartialEvaluation(...).supports()` and the choice, as in `montecarlo.simulate`), over whole runs of "
      "cases drawn from the priors; a run cut short by the sampling time over-represents the early, "
      "slower decisions.\n")
    w("| questions | engine | model build s | decisions | p50 ms | p95 ms | max ms | command |\n"
      "|---:|---|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        r, why, cmd = latencies[n]
        if r:
            note = "" if r["complete"] else " (sampling time reached)"
            w(f"| {n:,} | {_engine_short(r)} | {r['model_build_s']:.2f} | {r['decisions']}{note} | "
              f"{_f(r['p50_ms'])} | **{_f(r['p95_ms'])}** | {_f(r['max_ms'])} | `{cmd}` |")
        else:
            w(f"| {n:,} | {why} | | | | | | `{cmd}` |")
    w("")

    # -- greedy / optimal
    w("## Greedy flow / exact optimum (small instances)\n")
    w("Expected questions of the greedy flow divided by those of the optimal flow (exhaustive search per "
      "component), both from `metrics.analyze`, in both modes. Instances whose optimum the engine does not "
      "compute (a component beyond the search limits) are listed without a ratio. \"atoms\" marks a model "
      "where comparisons over amounts are abstracted as yes/no facts (both sides are then estimates on the "
      "same model).\n")
    w("| instance | mode | greedy | optimal | greedy / optimal | model | commands |\n|---|---|---:|---:|---:|---|---|")
    for path, gen, r, why, cmd in small:
        name = os.path.basename(path)[:-5]
        if not r:
            w(f"| {name} | | | | {why} | | `{gen}`; `{cmd}` |")
            continue
        for mode, m in r["modes"].items():
            ratio = m["greedy"] / m["optimal"] if m["optimal"] else None
            model = "exact" if m["kind"] == "exact" else "atoms"
            w(f"| {name} | {mode} | {_f(m['greedy'], 3)} | {_f(m['optimal'], 3)} | "
              f"{_f(ratio, 3) if m['optimal'] else ('– (no optimum)' if m['optimal'] is None else '–')} | {model} | "
              f"`{gen}`; `{cmd}` |")
    if ratios["values"]:
        w(f"\nMean greedy / optimal: **{statistics.fmean(ratios['values']):.3f}** over {len(ratios['values'])} "
          f"instance-modes (target ≤ {TARGET_GREEDY_OPT}); worst {max(ratios['values']):.3f}; "
          f"{ratios['equal']} of them equal to the optimum.\n")
    else:
        w("\nNo optimum was computed.\n")

    # -- certificate
    w("## Greedy flow / certificate bound\n")
    w("Expected questions of the greedy flow divided by the certificate lower bound (no flow can ask fewer on "
      "average). On an exact-or-atoms finite model with components of at most 20 questions the bound is the "
      "expected size of each case's smallest certificate (`analyzer/bounds.py`). Where the model is too large "
      "(Monte Carlo) it is the block-sensitivity bound (`analyzer/certify.py`): on each of the simulation's first "
      "cases (at most 50, fewer once its work limit is spent), pairwise disjoint sets of questions whose change "
      "changes an outcome, each proven by the interpreter; every flow asks a question of each. The per-case "
      "count is a proven lower bound, its mean over the cases an estimate (\"~\", with its 95 % confidence "
      "interval).\n")
    w("| questions | mode | greedy | certificate bound | 95 % interval | greedy / bound | command |\n"
      "|---:|---|---:|---:|---|---:|---|")
    for n in sizes:
        r, why, cmd = analyses[n]
        if not r:
            w(f"| {n:,} | | | | | {why} | `{cmd}` |")
            continue
        for mode, m in r["modes"].items():
            ratio = m["greedy"] / m["certificate"] if m["certificate"] else None
            mark = "~" if m.get("certificate_kind") == "estimate" else ""
            ci = m.get("certificate_ci")
            interval = f"{ci[0]:.2f} – {ci[1]:.2f}" if ci else ""
            w(f"| {n:,} | {mode} | {_est(m)}{_f(m['greedy'])} | {mark}{_f(m['certificate'])} | {interval} | "
              f"{_f(ratio, 3)} | `{cmd}` |")
    w("")
    pairs = [(os.path.basename(path)[:-5], mode, m) for path, _, r, _, _ in small if r
             for mode, m in r["modes"].items() if m.get("block_cases")]
    for n in sizes:
        r = analyses[n][0]
        if r:
            pairs += [(f"synthetic-{n}", mode, m) for mode, m in r["modes"].items() if m.get("block_cases")]
    if pairs:
        w("How tight the block-sensitivity bound is: on the processes small enough for the exact certificate, "
          "the first 50 cases drawn from the priors, each run through the simulated greedy flow; per case its "
          "block count (as `analyze` computes it on a large process) and its smallest certificate in the finite "
          "model, summed over the cases. A ratio of 1 means the block bound loses nothing on them; above 1 is "
          "possible where a question has an `applies_if`, since the finite model lets the answer to a follow-up "
          "question show that its condition held, while a form must ask the condition first (docs/metrics.md).\n")
        w("| instance | mode | cases | certificates | blocks | blocks / certificates |\n|---|---|---:|---:|---:|---:|")
        total_b = total_c = 0
        for name, mode, m in pairs:
            total_b += m["block_sum"]
            total_c += m["certificate_sum"]
            ratio = m["block_sum"] / m["certificate_sum"] if m["certificate_sum"] else None
            w(f"| {name} | {mode} | {m['block_cases']} | {m['certificate_sum']} | {m['block_sum']} | "
              f"{_f(ratio, 3)} |")
        w(f"\nOver all {len(pairs)} instance-modes: {total_b} blocks against {total_c} certificate questions "
          f"(**{total_b / total_c:.3f}**).\n")

    # -- form order
    w("## Form order / greedy flow\n")
    w("What adaptivity buys: expected questions of a form asked in rule-file order with exact skipping, of the "
      "greedy flow, and of the static form (every question).\n")
    w("| questions | mode | static form | form order | greedy | form order / greedy | command |\n"
      "|---:|---|---:|---:|---:|---:|---|")
    for n in sizes:
        r, why, cmd = analyses[n]
        if not r:
            w(f"| {n:,} | | | | | {why} | `{cmd}` |")
            continue
        for mode, m in r["modes"].items():
            ratio = m["form_order"] / m["greedy"] if m["greedy"] else None
            w(f"| {n:,} | {mode} | {_f(m['static'], 1)} | {_est(m)}{_f(m['form_order'])} | {_est(m)}{_f(m['greedy'])} "
              f"| {_f(ratio, 3)} | `{cmd}` |")
    w("\n~ marks estimates (Monte Carlo, or a finite model with atoms).\n")

    # -- profile
    w("## Where the time goes\n")
    for r, why, cmd, n, what in profiles:
        engine = analyses[n][0]["engine"] if what == "analyze" and analyses[n][0] else "Kleene flow"
        title = ("analyze" if what == "analyze" else "40 greedy decisions (montecarlo.simulate)") + \
            f", {n:,} questions ({engine})"
        w(f"### cProfile: {title}\n")
        w(f"`{cmd}`\n")
        if not r:
            w(f"{why}\n")
            continue
        w(f"Wall {r['wall_s']:.1f} s under the profiler. Top askless functions by cumulative time:\n")
        w("| function | calls | own s | cumulative s |\n|---|---:|---:|---:|")
        for row in r["by_cumtime"]:
            w(f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']:.2f} | {row['cumtime_s']:.2f} |")
        w("\nTop functions by own time:\n")
        w("| function | calls | own s | cumulative s |\n|---|---:|---:|---:|")
        for row in r["by_tottime"][:8]:
            w(f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']:.2f} | {row['cumtime_s']:.2f} |")
        w("")
    w(bottlenecks(sizes, analyses, latencies, profiles))
    if flows:
        w(render_flows(flows, page_latency))
    return "\n".join(out) + "\n"


def render_flows(flows, page_latency=None) -> str:
    """The flow exports of the bundled processes: build time per format and mode, and the
    expected questions of the HTML page's policy next to the exact flow's; the page engine's
    next-question latency on the largest synthetic rule set."""
    lines = []
    if page_latency:
        r, why, cmd, n = page_latency
        lines.append("## Next-question latency of the HTML page\n")
        lines.append(f"`{cmd}`\n")
        if r:
            lines.append(f"The page's engine (`analyzer/exports/flow.js`, {r['engine']}) in Node on {n:,} questions: "
                         f"{r['decisions']} decisions of {r['cases']} whole cases; median {r['p50_ms']:.1f} ms, "
                         f"95th percentile {r['p95_ms']:.1f} ms, maximum {r['max_ms']:.1f} ms (the first decision, "
                         f"before the JavaScript engine compiles the hot code: {r['first_ms']:.1f} ms). Measured, "
                         f"wall-clock; a browser runs the same engine.\n")
        else:
            lines.append(f"{why}\n")
    lines += ["## Flow exports of the bundled processes\n",
             "Wall-clock seconds to build each export (`askless flow --format ...`) once the rules are "
             "loaded, one run each, and the size of the output. `json` is the exact decision graph, "
             "not available when the finite model is too large.\n"]
    for r, why, cmd in flows:
        if not r:
            lines.append(f"- `{cmd}`: {why}")
            continue
        lines.append(f"### {r['process']}\n\n`{cmd}`\n")
        lines.append("| format and mode | seconds | bytes |\n|---|---:|---:|")
        for name, f in r["formats"].items():
            lines.append(f"| {name} | {f['s']:.3f} | {f['bytes'] if f['bytes'] is not None else f['why']} |")
        lines.append("\nExpected questions: the HTML page asks by three-valued evaluation, greedy (an estimate: "
                     "Monte Carlo over 400 cases drawn from the priors, 95 % interval); the exact flow is the "
                     "`json` export's expectation under the priors (exact on the finite model, `–` when it is "
                     "too large).\n")
        lines.append("| mode | HTML page | exact flow |\n|---|---:|---:|")
        for mode, q in r["questions"].items():
            lo, hi = q["page_ci95"]
            lines.append(f"| {mode} | ~{q['page']:.2f} ({lo:.2f}–{hi:.2f}) | {_f(q['exact_flow'])} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _share(profile: dict | None, *needles: str) -> str:
    """Share of the profiled time spent (cumulatively) in the function matching every needle."""
    if not profile:
        return "?"
    rows = [r for r in profile["all"] if all(n in r["function"] for n in needles)]
    total = profile["profiled_s"] or 1
    return f"{100 * max(r['cumtime_s'] for r in rows) / total:.0f} %" if rows else "?"


def bottlenecks(sizes, analyses, latencies, profiles) -> str:
    """The reading of the profiles and tables (its prose is hand-written for the engine at the
    commit measured; the numbers are filled in by the run)."""
    exact = [n for n in sizes if analyses[n][0] and analyses[n][0]["engine"] != "Monte Carlo (exact model too large)"]
    monte = [n for n in sizes if analyses[n][0] and analyses[n][0]["engine"] == "Monte Carlo (exact model too large)"]
    analyze_prof = {n: r for r, _, _, n, what in profiles if what == "analyze" and r}
    mc_prof = next((analyze_prof[n] for n in sorted(analyze_prof, reverse=True) if n in monte), None)
    ex_prof = next((analyze_prof[n] for n in sorted(analyze_prof, reverse=True) if n in exact), None)
    lines = ["### Bottlenecks\n", "Read from the profiles and tables above (prose written for the engine at the "
             "commit measured; the figures are filled in by the run):\n"]
    lines.append(
        f"1. **One giant component, so the exact engine stops early.** The shared register facts (income, age, "
        f"children, owner) connect every module, so the finite model has one component over all questions. "
        f"The exact model is built up to {max(exact) if exact else 'no'} questions; from "
        f"{min(monte) if monte else '?'} questions on its answer combinations exceed `finite.MAX_ROWS` "
        f"(250,000) and `analyze` falls back to Monte Carlo, with no optimum; its certificate bound is then the "
        f"block-sensitivity estimate on a few simulated cases. "
        f"Splitting components once prefilled facts are removed (the design's rule for logged-in mode), or "
        f"conditioning on the few shared facts, would keep each module's component small.")
    if ex_prof:
        lines.append(
            f"2. **The exact engine works row by row in Python.** On the exact model ({max(exact):,} questions), "
            f"building it (`rows.enumerate_component`: the row-by-row interpreter on every combination of classes, at "
            f"several probe values when amounts are involved) takes {_share(ex_prof, 'rows.py', '(enumerate_component)')} "
            f"of the profiled analyze, running the policies (`policies.run`, which asks `Space.relevant` at every "
            f"state) {_share(ex_prof, 'policies.py', '(run)')}, and the dead-question search "
            f"(`metrics.dead_questions`) {_share(ex_prof, 'metrics.py', '(dead_questions)')}. All of them loop "
            f"over Python lists of rows; vectorising rows as numpy arrays of class indices, as "
            f"`bounds.certificate` already does, is the next step. The slowest greedy decision on this model "
            f"(the root, where every row is still possible) is the maximum in the latency table.")
    lines.append(
        f"3. **Monte Carlo: one outcome evaluated at nearly every step.** A step re-evaluates only the outcomes "
        f"whose support held the last answer; `montecarlo.SupportCache` remembers each outcome's result per answer "
        f"classes of its cone and `kleene.DerivedMemo` each derived fact's value, across steps and cases. The "
        f"derived facts of a module repeat and hit, but an outcome whose cone holds 12 to 19 questions meets a new "
        f"combination of known answers at nearly every step, so each step still evaluates about one outcome "
        f"(`kleene.py` `supports`: {_share(mc_prof, 'kleene.py', '(supports)')} of the profiled analyze"
        f"{'' if mc_prof else ' (no Monte Carlo analyze was profiled)'}). The sample stops once every interval "
        f"is within 1 % of its mean; the mean is a regression (control-variate) estimate on the answer classes of "
        f"the most-read inputs, so 50 cases suffice at 3,000 questions (plain means needed about 200); small "
        f"processes, with a few questions a case, still draw 400.")
    lines.append(
        f"4. **The exact dead-question check** (`logic/dead.py`: every question under no answers) asks z3 for "
        f"about one question in twenty, most of them the dead ones, which only z3 can prove: the interpreter's "
        f"random search, the witness pairs of earlier questions (a case where a rule is reached shows which of "
        f"its other questions change an outcome there) and a search led by three-valued evaluation prove the "
        f"rest relevant (`smt.py` `relevant`: {_share(mc_prof, 'smt.py', '(relevant)')} of the profiled "
        f"analyze). z3 encodes an outcome only when a query first needs it (encoding all of them up front took "
        f"1.5 s at 3,000 questions). At 3,000 questions it runs beside the two modes' simulations in a worker "
        f"process and ends before them.")
    lines.append(
        "5. **The block-sensitivity bound** (`certify.py`) costs about 4,000 interpreter and three-valued "
        "evaluations a case at 3,000 questions (about 0.2 s): each of some 400 blocks a case is found and "
        "proven by evaluating its outcome. Its work limit (20,000 evaluations after at least 5 cases) keeps it "
        "near 1 s a mode there, at the price of a wider interval (about ±8 %) than the simulation's.")
    lines.append(
        "6. **Two cores.** The five tasks of a simulated analyze (dead questions; each mode's simulation and "
        "bound) share the two cores (the check and then a simulation on one, a simulation and both bounds on "
        "the other), and loading and validating the file take a sixth of the total before they start. A further gain has to shrink the "
        "check and the simulations alike (ideas: split the component by conditioning on the shared facts; "
        "evaluate many cases at once).")
    return "\n".join(lines) + "\n"


def _engine_short(r: dict) -> str:
    return "exact model" if r["engine"].startswith("exact") else "Kleene (Monte Carlo flow)"


def _est(m: dict) -> str:
    return "" if m["kind"] == "exact" else "~"


def _small_ratios(small) -> dict:
    values, exact, equal = [], 0, 0
    for _, _, r, _, _ in small:
        if not r:
            continue
        for m in r["modes"].values():
            if m["optimal"]:
                ratio = m["greedy"] / m["optimal"]
                values.append(ratio)
                exact += m["kind"] == "exact"
                equal += abs(ratio - 1) < 1e-9
    return {"values": values, "exact": exact, "equal": equal}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command")
    full = sub.add_parser("all", help="every measurement; writes the report (the default)")
    full.add_argument("-o", "--output", default=REPORT)
    full.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated question counts")
    one = sub.add_parser("analyze", help="time load + validate + analyze of one file (JSON)")
    one.add_argument("file")
    lat = sub.add_parser("latency", help="time greedy next-question decisions on one file (JSON)")
    lat.add_argument("file")
    lat.add_argument("--sampling", type=float, default=LATENCY_SAMPLING)
    prof = sub.add_parser("profile", help="cProfile analyze, or 40 Kleene decisions, on one file (JSON)")
    prof.add_argument("file")
    prof.add_argument("--what", choices=["analyze", "latency"], default="analyze")
    fl = sub.add_parser("flows", help="time every flow export of one process in both modes (JSON)")
    fl.add_argument("file")
    pl = sub.add_parser("pagelatency", help="time the HTML page engine's decisions in Node on one file (JSON)")
    pl.add_argument("file")
    again = sub.add_parser("render", help="rewrite the report from the last run's build/bench/results.json")
    again.add_argument("-o", "--output", default=REPORT)
    args = ap.parse_args(argv)
    if args.command == "render":
        with open(os.path.join(ROOT, BENCH_DIR, "results.json"), encoding="utf-8") as handle:
            raw = json.load(handle)
        keyed = {k: {int(n): tuple(v) for n, v in raw[k].items()} for k in ("files", "analyses", "latencies")}
        text = render(raw["machine"], tuple(raw["sizes"]), keyed["files"], keyed["analyses"], keyed["latencies"],
                      [tuple(x) for x in raw["small"]], [tuple(x) for x in raw["profiles"]], raw["elapsed"],
                      [tuple(x) for x in raw.get("flows", [])],
                      tuple(raw["page_latency"]) if raw.get("page_latency") else None)
        if raw.get("population_md"):
            text = text.rstrip("\n") + "\n\n" + raw["population_md"].strip("\n") + "\n"
        with open(os.path.join(ROOT, args.output), "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
        return 0
    if args.command in (None, "all"):
        sizes = tuple(int(s) for s in getattr(args, "sizes", ",".join(map(str, SIZES))).split(","))
        return run_all(getattr(args, "output", REPORT), sizes)
    if args.command == "analyze":
        result = measure_analyze(args.file)
    elif args.command == "latency":
        result = measure_latency(args.file, args.sampling)
    elif args.command == "flows":
        result = measure_flows(args.file)
    elif args.command == "pagelatency":
        result = measure_page_latency(args.file)
    else:
        result = measure_profile(args.file, args.what)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
