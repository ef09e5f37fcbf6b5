"""Synthetic populations and population files: one case per row.

A population is drawn from the answer priors that the rule file declares (each with its
``source:`` or ``assumption:``), with a seed, so the same command writes the same file. Columns
are the input facts in file order; a group's member facts are one column per member copy,
``voksne[2].indkomst``, empty where the member does not exist. Values: ``true``/``false``,
numbers, ISO dates, text.

Files are read and written through DuckDB, which reads and writes CSV and Parquet alike and is
the engine of the vectorised population runs to come.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from . import finite, montecarlo
from .evaluate import EvalError, Evaluation
from .model import Fact, Process
from .report import write_atomic

FORMATS = (".csv", ".parquet")
#: most rows a population file may have for ``askless population`` (it is kept in memory)
MAX_ROWS = 5_000_000


class PopulationError(Exception):
    """A population file that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Column:
    name: str
    fact: Fact
    group: str | None = None
    index: int | None = None


def columns(process: Process) -> list[Column]:
    """The columns of a population of ``process``: every input fact, member facts per copy."""
    found = [Column(f.name, f) for f in process.facts.values() if f.is_input]
    for group in process.groups.values():
        count = process.facts.get(group.count)
        top = count.max if count is not None and isinstance(count.max, int) else 0
        for i in range(1, top + 1):
            found += [Column(f"{group.name}[{i}].{f.name}", f, group.name, i) for f in group.facts.values()
                      if f.is_input]
    return found


def generate(process: Process, rows: int, seed: int) -> list[dict]:
    """``rows`` cases drawn from the priors (numbers and dates spread inside their classes); a
    fact whose applies_if does not hold for the case is left empty."""
    cases = montecarlo.sample(process, finite.variables(process), rows, seed, spread=True)
    for case in cases:
        ev = Evaluation(process, case)
        for fact in process.facts.values():
            if fact.is_input and fact.applies_if is not None and _holds(ev, fact) is not True:
                case[fact.name] = None
        for group in process.groups.values():
            for member, row in zip(ev.members(group.name), case.get(group.name, [])):
                for fact in group.facts.values():
                    if fact.is_input and fact.applies_if is not None and _holds(member, fact) is not True:
                        row[fact.name] = None
    return cases


def _holds(ev: Evaluation, fact: Fact) -> Any:
    try:
        return ev.formula(fact.applies_if)
    except (EvalError, TypeError, ArithmeticError):
        return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 2))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(process: Process, cases: list[dict]) -> str:
    cols = columns(process)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in cols])
    for case in cases:
        row = []
        for c in cols:
            if c.group is None:
                row.append(_cell(case.get(c.name)))
            else:
                members = case.get(c.group, [])
                row.append(_cell(members[c.index - 1].get(c.fact.name)) if c.index <= len(members) else "")
        writer.writerow(row)
    return buffer.getvalue()


def write(process: Process, cases: list[dict], path: str) -> None:
    """Write a population as CSV or Parquet (by the file's suffix), atomically."""
    text = to_csv(process, cases)
    if path.endswith(".csv"):
        write_atomic(path, text)
        return
    if not path.endswith(".parquet"):
        raise PopulationError(f"{path}: unknown format; expected a file ending in .csv or .parquet")
    import duckdb

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".askless-") as tmp:
        source = os.path.join(tmp, "population.csv")
        target = os.path.join(tmp, "population.parquet")
        with open(source, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        con = duckdb.connect()
        try:
            con.execute(f"COPY (SELECT * FROM read_csv('{_quote(source)}', header = true, all_varchar = true)) "
                        f"TO '{_quote(target)}' (FORMAT parquet)")
        finally:
            con.close()
        os.replace(target, path)


#: characters DuckDB's file readers expand as a glob pattern in a file name
_GLOB = frozenset("*?[]{}")
_links: list[str] = []


def literal_path(path: str) -> str:
    """``path`` as DuckDB must be given it to read exactly that one file. DuckDB expands ``*``,
    ``?``, ``[...]`` and ``{...}`` in a file name as a glob (so ``a*.csv`` would also read
    ``ab.csv``); such a path is read through a symbolic link with a plain name, in a temporary
    folder removed when the process ends."""
    if not _GLOB.intersection(path):
        return path
    import atexit
    import shutil

    if not _links:
        _links.append(tempfile.mkdtemp(prefix="askless-"))
        atexit.register(shutil.rmtree, _links[0], True)
    link = os.path.join(_links[0], f"population-{len(_links)}{os.path.splitext(path)[1]}")
    _links.append(link)
    os.symlink(os.path.abspath(path), link)
    return link


def _quote(path: str) -> str:
    return path.replace("'", "''")


def read(process: Process, path: str) -> list[dict]:
    """The cases of a population file (CSV or Parquet) for ``process``.

    Raises PopulationError for a missing file, an unknown format, a missing input column, an
    unknown column (with did-you-mean) or a value that does not fit its fact.
    """
    if not os.path.isfile(path):
        raise PopulationError(f"{path}: no such file")
    if not path.endswith(FORMATS):
        raise PopulationError(f"{path}: unknown format; expected a file ending in .csv or .parquet")
    import duckdb

    reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
    options = "" if reader == "read_parquet" else ", header = true, all_varchar = true"
    con = duckdb.connect()
    try:
        relation = con.sql(f"SELECT * FROM {reader}('{_quote(literal_path(path))}'{options})")
        names = relation.columns
        data = relation.fetchall()
    except duckdb.Error as exc:
        raise PopulationError(f"{path}: cannot read the file: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    if not names or (len(names) == 1 and names[0] == "column0"):
        raise PopulationError(f"{path}: the file is empty or has no header line")
    if len(data) > MAX_ROWS:
        raise PopulationError(f"{path}: {len(data)} rows; the limit is {MAX_ROWS}")
    cols = {c.name: c for c in columns(process)}
    from .diagnostics import did_you_mean

    for name in names:
        if name not in cols:
            hint = did_you_mean(name, cols)
            raise PopulationError(f"{path}: unknown column '{name}' for process '{process.name}'"
                                  + (f"; {hint}" if hint else ""))
    missing = [c for c in cols.values() if c.group is None and c.name not in names]
    if missing:
        raise PopulationError(f"{path}: missing column(s) {', '.join(c.name for c in missing)}; "
                              f"askless population {process.path} writes every column")
    cases = []
    for line, values in enumerate(data, start=2):
        row = dict(zip(names, values))
        case: dict[str, Any] = {}
        for c in cols.values():
            if c.group is None:
                case[c.name] = _parse(row.get(c.name), c, path, line)
        for group in process.groups.values():
            count = case.get(group.count) or 0  # within the count fact's min/max (checked above)
            members = []
            for i in range(1, int(count) + 1):
                members.append({f.name: _parse(row.get(f"{group.name}[{i}].{f.name}"), cols[f"{group.name}[{i}].{f.name}"],
                                               path, line) for f in group.facts.values() if f.is_input
                                if f"{group.name}[{i}].{f.name}" in cols})
            case[group.name] = members
        cases.append(case)
    return cases


def _parse(value: Any, column: Column, path: str, line: int) -> Any:
    if value is None or value == "":
        return None
    kind = column.fact.type
    text = str(value).strip()
    try:
        if kind == "bool":
            if text.lower() in ("true", "1", "yes", "ja"):
                return True
            if text.lower() in ("false", "0", "no", "nej"):
                return False
            raise ValueError
        if kind == "int":
            return _within(int(float(text)) if float(text).is_integer() else _fail(column, text, path, line),
                           column, text, path, line)
        if kind in ("number", "money"):
            number = float(text)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError
            return _within(number, column, text, path, line)
        if kind == "date":
            return dt.date.fromisoformat(text[:10])
        if kind == "choice":
            if text not in {c.value for c in column.fact.choices}:
                raise ValueError
            return text
    except ValueError:
        _fail(column, text, path, line)
    return text


def _within(value: Any, column: Column, text: str, path: str, line: int) -> Any:
    """The value, or a PopulationError when it lies outside the fact's min/max."""
    low, high = column.fact.min, column.fact.max
    if isinstance(low, (int, float)) and value < low or isinstance(high, (int, float)) and value > high:
        bounds = f"{low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
        raise PopulationError(f"{path}:{line}: column '{column.name}' has '{text}'; the fact allows {bounds}")
    return value


def _fail(column: Column, text: str, path: str, line: int) -> Any:
    kind = column.fact.type
    expected = {"bool": "true or false", "int": "a whole number", "number": "a number", "money": "a number",
                "date": "a date YYYY-MM-DD",
                "choice": "one of " + ", ".join(c.value for c in column.fact.choices)}.get(kind, kind)
    raise PopulationError(f"{path}:{line}: column '{column.name}' has '{text}'; expected {expected}")
