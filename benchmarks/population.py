"""Benchmark of vectorised population runs (analyzer.vectorised) on boligstøtte.

    .venv/bin/python benchmarks/population.py                     # every measurement; prints Markdown
    .venv/bin/python benchmarks/population.py generate ROWS       # build/bench/boligstoette-ROWS.parquet
    .venv/bin/python benchmarks/population.py vectorised ROWS     # before/after in DuckDB: JSON
    .venv/bin/python benchmarks/population.py interpreter ROWS    # the same, row by row: JSON

How the rows are drawn: ``askless population``'s generator (analyzer.population.generate: each
answer from the rule file's priors, numbers spread inside their class, facts that do not apply
left empty), in chunks of 50,000 rows with seeds 1, 2, 3, ... and joined in order by DuckDB. The
6-million-row file (all of Denmark) is the 1-million-row file six times over, so it is built in
seconds; the rules see six million rows either way.

The scenario is a changed constant (the boligsikring income limit ``indkomstgraense_bs`` from
171,500 to 200,000 DKK, what a scenario's ``set_constant`` does), and the comparison is
:func:`analyzer.vectorised.decision_changes`: every outcome before and after, on every row, with
the changes counted. The interpreter does the same row by row (analyzer.population.read, then
analyzer.evaluate before and after) on a sample; the ratio is per row.

Each measurement runs in its own process, so its peak memory (VmHWM: Python and DuckDB
together) is its own. Timings are wall-clock on whatever machine runs this; the output records the
load average, since other processes share the CPU. Nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

PY = ".venv/bin/python"
BENCH_DIR = "build/bench"
RULES = "rules/boligstoette.yaml"
CHUNK = 50_000
#: the scenario: (constant, new value)
CHANGE = ("indkomstgraense_bs", 200_000)
SIZES = {"sample": 10_000, "million": 1_000_000, "denmark": 6_000_000}


def _process():
    from analyzer.load import load_paths

    project = load_paths([os.path.join(ROOT, RULES)])
    return project.processes[0]


def scenario(process):
    """The process after the change (a new frozen Process; the original is untouched)."""
    name, value = CHANGE
    constants = dict(process.constants)
    constants[name] = dataclasses.replace(constants[name], value=value)
    return dataclasses.replace(process, constants=constants)


def path_for(rows: int) -> str:
    return os.path.join(ROOT, BENCH_DIR, f"boligstoette-{rows}.parquet")


def generate(rows: int) -> str:
    """The population file of ``rows`` rows (built once, then reused)."""
    import duckdb

    from analyzer import population

    target = path_for(rows)
    if os.path.exists(target):
        return target
    os.makedirs(os.path.dirname(target), exist_ok=True)
    con = duckdb.connect()
    if rows > 1_000_000 and rows % 1_000_000 == 0:
        source = generate(1_000_000)
        con.execute(f"COPY (SELECT p.* EXCLUDE (file_row_number) FROM range({rows // 1_000_000}) r(k), "
                    f"read_parquet('{source}', file_row_number = true) p ORDER BY r.k, p.file_row_number) "
                    f"TO '{target}.tmp' (FORMAT parquet)")
        os.replace(target + ".tmp", target)
        return target
    process = _process()
    parts = []
    for k, start in enumerate(range(0, rows, CHUNK), start=1):
        part = f"{target}.part{k}.parquet"
        population.write(process, population.generate(process, min(CHUNK, rows - start), seed=k), part)
        parts.append(part)
    listed = ", ".join(f"'{p}'" for p in parts)
    con.execute(f"COPY (SELECT * EXCLUDE (filename, file_row_number) FROM read_parquet([{listed}], filename = true, "
                f"file_row_number = true) ORDER BY filename, file_row_number) TO '{target}.tmp' (FORMAT parquet)")
    os.replace(target + ".tmp", target)
    for part in parts:
        os.remove(part)
    return target


def _peak_mib() -> float:
    """This process's peak resident memory (Python and DuckDB together), MiB. Linux's VmHWM: unlike
    ru_maxrss, it does not carry over the parent's peak across exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _progress():
    """A bar on standard error when it is a terminal (never in captured output)."""
    if not sys.stderr.isatty():
        return None

    def show(percent: float) -> None:
        filled = int(percent / 100 * 30)
        sys.stderr.write(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {percent:5.1f}%")
        sys.stderr.flush()
    return show


def measure_vectorised(rows: int) -> dict:
    """Before/after on every row in DuckDB: seconds, rows changed, peak memory."""
    from analyzer import vectorised

    path = generate(rows)
    before = _process()
    after = scenario(before)
    start = time.perf_counter()
    changes = vectorised.decision_changes(before, after, path, progress=_progress())
    seconds = time.perf_counter() - start
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    return {"rows": changes.rows, "seconds": seconds, "changed": changes.changed, "peak_mib": _peak_mib(),
            "outcomes": {o.outcome: o.changed for o in changes.outcomes}}


def measure_interpreter(rows: int) -> dict:
    """The same comparison row by row: read the file, evaluate before and after, count changes."""
    from analyzer import population
    from analyzer.evaluate import EvalError, Evaluation

    path = generate(rows)
    before = _process()
    after = scenario(before)
    start = time.perf_counter()
    cases = population.read(before, path)
    changed = 0
    outcomes: dict[str, int] = dict.fromkeys(before.outcomes, 0)
    for case in cases:
        b, a = Evaluation(before, case), Evaluation(after, case)
        row_changed = False
        for name in before.outcomes:
            values = []
            for ev in (b, a):
                try:
                    values.append((ev.get(name), False))
                except EvalError:
                    values.append((None, True))
            if values[0] != values[1]:
                outcomes[name] += 1
                row_changed = True
        changed += row_changed
    seconds = time.perf_counter() - start
    return {"rows": len(cases), "seconds": seconds, "changed": changed, "peak_mib": _peak_mib(), "outcomes": outcomes}


def _run(what: str, rows: int) -> tuple[dict | None, str]:
    args = [PY, "benchmarks/population.py", what, str(rows)]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    return json.loads(done.stdout), ""


def measure_all() -> dict:
    """Every measurement, each in its own process; with the machine and its load."""
    for rows in SIZES.values():
        generate(rows)
    load_start = os.getloadavg()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                            "load_start": load_start}}
    import duckdb

    results["machine"]["duckdb"] = duckdb.__version__
    for key, what, rows in (("vectorised_sample", "vectorised", SIZES["sample"]),
                            ("interpreter_sample", "interpreter", SIZES["sample"]),
                            ("vectorised_million", "vectorised", SIZES["million"]),
                            ("vectorised_denmark", "vectorised", SIZES["denmark"])):
        result, error = _run(what, rows)
        results[key] = {"result": result, "error": error, "command": f"{PY} benchmarks/population.py {what} {rows}"}
    results["machine"]["load_end"] = os.getloadavg()
    return results


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def section(results: dict) -> str:
    """The Markdown section for docs/performance.md and docs/population-runs.md."""
    m = results["machine"]
    lines = ["## Population runs (vectorised, DuckDB)", "",
             f"boligstøtte before and after one changed constant ({CHANGE[0]} → {CHANGE[1]:,}), every outcome "
             "on every row compared (`analyzer.vectorised.decision_changes`); the row-by-row interpreter does the "
             "same on a sample. Figures are measured (wall-clock), not estimated.", "",
             f"Machine: {m['cpus']} CPUs, Python {m['python']}, DuckDB {m['duckdb']}; load average (1 / 5 / 15 min) "
             f"{' / '.join(f'{x:.1f}' for x in m['load_start'])} at the start, "
             f"{' / '.join(f'{x:.1f}' for x in m['load_end'])} at the end"
             + (" (above the CPU count: other processes shared the CPU, so the times are longer than on an idle "
                "machine)." if max(m["load_start"][0], m["load_end"][0]) > m["cpus"] else "."), "",
             "| run | rows | seconds | µs per row | rows changed | peak memory (MiB) | command |",
             "|---|---:|---:|---:|---:|---:|---|"]
    per_row = {}
    for key, label in (("interpreter_sample", "row by row (interpreter)"), ("vectorised_sample", "vectorised"),
                       ("vectorised_million", "vectorised"), ("vectorised_denmark", "vectorised (all of Denmark)")):
        entry = results[key]
        r = entry["result"]
        if r is None:
            lines.append(f"| {label} | | failed: {entry['error']} | | | | `{entry['command']}` |")
            continue
        per_row[key] = r["seconds"] / r["rows"] * 1e6
        lines.append(f"| {label} | {r['rows']:,} | {_fmt(r['seconds'], 2)} | {_fmt(per_row[key], 2)} | "
                     f"{r['changed']:,} | {_fmt(r['peak_mib'], 0)} | `{entry['command']}` |")
    lines.append("")
    if "interpreter_sample" in per_row and "vectorised_million" in per_row:
        ratio = per_row["interpreter_sample"] / per_row["vectorised_million"]
        lines.append(f"Ratio per row, interpreter on {SIZES['sample']:,} rows / vectorised on "
                     f"{SIZES['million']:,} rows, measured in the same run: **{ratio:,.0f}×**.")
    same = [results[k]["result"] for k in ("interpreter_sample", "vectorised_sample")]
    if all(same):
        agree = same[0]["changed"] == same[1]["changed"] and same[0]["outcomes"] == same[1]["outcomes"]
        lines.append(f"On the {SIZES['sample']:,}-row sample both engines count the same changes: "
                     f"{'yes' if agree else 'NO'} ({same[1]['changed']:,} rows).")
    lines += ["", "Peak memory is the measuring process's maximum resident size (Python and DuckDB together, "
              "Linux `VmHWM`). DuckDB streams the file, but its buffers still grow with it (see the rows above)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["all", "generate", "vectorised", "interpreter"], default="all")
    parser.add_argument("rows", nargs="?", type=int, default=SIZES["million"])
    args = parser.parse_args(argv)
    if args.what == "generate":
        print(generate(args.rows))
    elif args.what == "vectorised":
        print(json.dumps(measure_vectorised(args.rows)))
    elif args.what == "interpreter":
        print(json.dumps(measure_interpreter(args.rows)))
    else:
        print(section(measure_all()), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
