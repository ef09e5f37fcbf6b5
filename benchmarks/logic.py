"""Time per relevance query of each exact reasoning engine (analyzer/logic).

    .venv/bin/python benchmarks/logic.py                 # bundled processes and synthetic 30/100/300
    .venv/bin/python benchmarks/logic.py rules/boligstoette.yaml   # chosen files only

For each process and engine (enumeration, BDD, SMT) the script builds the engine and asks
``relevant(q, answers)`` for the questions of the anonymous mode, under two answer sets: none,
and every other question answered with the representative of its most probable class. Queries
stop at MAX_QUERIES or QUERY_BUDGET_S seconds per engine, whichever comes first. An engine that
refuses a process (opaque numbers for the enumeration and the BDD, a slice too large, a node
cap) says why; ``refused`` counts the queries it passed on (a selector gives them to the next
engine). ``disagree`` counts the queries where two engines gave different exact answers
(it must be 0). The synthetic rule sets are benchmarks/generate.py's, seed 1, default knobs
(``arith``) and with ``--no-arithmetic`` (``plain``), generated in memory.

Timings are wall-clock (time.perf_counter) on the machine that runs this; nothing here is a test.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from generate import generate  # noqa: E402

from analyzer.load import load_file, load_process_document  # noqa: E402
from analyzer.logic import BDD, SMT, Enumeration, TooLarge, Unsupported  # noqa: E402
from analyzer.yamlread import read  # noqa: E402

BUNDLED = ("boligstoette", "byggetilladelse", "ekstra_affald", "oekonomisk_friplads")
SIZES = (30, 100, 300)
#: most relevance queries per engine and process, and the wall-clock budget for them
MAX_QUERIES = 60
QUERY_BUDGET_S = 20.0
ENGINES = (Enumeration, BDD, SMT)


def processes(paths: list[str]) -> list[tuple[str, Any]]:
    """(label, process) for the files given, or the bundled and synthetic processes."""
    found = []
    if paths:
        for path in paths:
            process, _ = load_file(path)
            found.append((os.path.basename(path), process))
        return found
    for name in BUNDLED:
        process, _ = load_file(os.path.join(ROOT, "rules", f"{name}.yaml"))
        found.append((name, process))
    for n in SIZES:
        for arithmetic in (True, False):
            text = generate(n, seed=1, arithmetic=arithmetic)
            process, _ = load_process_document(read(f"synthetic-{n}.yaml", text=text))
            found.append((f"synthetic-{n} {'arith' if arithmetic else 'plain'}", process))
    return found


def answer_sets(engine: Any) -> list[dict[str, Any]]:
    """No answers, and every other question answered with its most probable class's value."""
    half = {}
    for i, q in enumerate(engine.questions()):
        if i % 2 == 0:
            var = engine.domain.variables[engine.domain.index[q]]
            best = max(var.classes, key=lambda c: c.p)
            half[q] = best.rep
    return [{}, half]


def measure(label: str, process: Any) -> list[dict[str, Any]]:
    rows, answers_by = [], {}
    for Engine in ENGINES:
        row: dict[str, Any] = {"process": label, "engine": Engine.name}
        t0 = time.perf_counter()
        try:
            engine = Engine(process)
        except (TooLarge, Unsupported) as exc:
            rows.append({**row, "refused": str(exc)})
            continue
        row["build_s"] = time.perf_counter() - t0
        row["questions"] = len(engine.questions())
        times, answers, unknown, refused = [], {}, 0, {}
        start = time.perf_counter()
        for given in answer_sets(engine):
            for q in engine.questions():
                if q in given or len(times) >= MAX_QUERIES or time.perf_counter() - start > QUERY_BUDGET_S:
                    continue
                t = time.perf_counter()
                try:
                    verdict = engine.relevant(q, given)
                except (TooLarge, Unsupported) as exc:
                    refused[str(exc)] = refused.get(str(exc), 0) + 1
                    continue
                times.append(time.perf_counter() - t)
                unknown += verdict.status != "exact"
                if verdict.status == "exact":
                    answers[(q, repr(sorted(given.items())))] = verdict.value
        if refused and not times:
            rows.append({**row, "refused": f"every query ({sum(refused.values())}): {min(refused)}"})
            continue
        answers_by[Engine.name] = answers
        row.update(queries=len(times), relevant=sum(answers.values()), unknown=unknown,
                   refused_queries=sum(refused.values()),
                   median_ms=1000 * statistics.median(times) if times else None,
                   mean_ms=1000 * statistics.fmean(times) if times else None,
                   max_ms=1000 * max(times) if times else None)
        rows.append(row)
    names = sorted(answers_by)
    disagree = 0
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            common = answers_by[a].keys() & answers_by[b].keys()
            disagree += sum(answers_by[a][k] != answers_by[b][k] for k in common)
    for row in rows:
        row["disagree"] = disagree
    return rows


HEADER = (f"{'process':<28} {'engine':<12} {'build s':>8} {'queries':>8} {'relevant':>8} {'unknown':>8} "
          f"{'median ms':>10} {'mean ms':>9} {'max ms':>9} {'refused':>8} {'disagree':>8}")


def _num(row: dict[str, Any], key: str) -> str:
    if row.get(key) is None:
        return "-"
    return f"{row[key]:.1f}" if key.endswith("ms") else f"{row[key]:.2f}"


def show(rows: list[dict[str, Any]]) -> str:
    """The rows as fixed-width lines (a refused engine says why)."""
    lines = []
    for r in rows:
        if "refused" in r:
            lines.append(f"{r['process']:<28} {r['engine']:<12} refused: {r['refused']}")
            continue

        lines.append(f"{r['process']:<28} {r['engine']:<12} {_num(r, 'build_s'):>8} {r['queries']:>8} {r['relevant']:>8} "
                     f"{r['unknown']:>8} {_num(r, 'median_ms'):>10} {_num(r, 'mean_ms'):>9} {_num(r, 'max_ms'):>9} "
                     f"{r['refused_queries']:>8} {r['disagree']:>8}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    print(f"$ .venv/bin/python benchmarks/logic.py {' '.join(argv)}".rstrip())
    print(f"at most {MAX_QUERIES} relevance queries or {QUERY_BUDGET_S:.0f} s per engine and process")
    print(HEADER)
    for label, process in processes(argv):
        print(show(measure(label, process)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
