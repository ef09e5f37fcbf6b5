"""The ``askless`` command-line app: the only place that prints and exits.

Exit codes: 0 success; 1 findings that fail the run (warnings under ``--strict``, failing
tests); 2 errors in the input (invalid rule files, bad paths, bad options); 3 an internal error
(a bug in askless: please report it with the input).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable

import click

from analyzer import __version__, metrics, testrun
from analyzer import population as population_mod
from analyzer.burden import Assumptions
from analyzer.diagnostics import Diagnostic, has_errors
from analyzer.graph import FORMATS, build_all, render
from analyzer.load import Project, load_paths
from analyzer.report import analysis_text, diagnostics_json, diagnostics_text, summary_line, write_atomic
from analyzer.validate import validate

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def load_and_validate(paths: tuple[str, ...], registers: str | None) -> tuple[Project, list[Diagnostic]]:
    project = load_paths(list(paths), registers)
    diagnostics = list(project.diagnostics)
    for process in project.processes:
        diagnostics.extend(validate(process, project.catalogue))
    seen = set()
    unique = []
    for d in sorted(diagnostics):
        if d not in seen:
            seen.add(d)
            unique.append(d)
    return project, unique


class _Stop(Exception):
    """Leave a command with an exit code, after its message is printed."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def valid_project(command: str, paths: tuple[str, ...], registers: str | None, single: bool = False) -> Project:
    """The loaded project, or its errors printed and exit code 2 (also when ``single`` and the
    paths do not hold exactly one process)."""
    project, diagnostics = load_and_validate(paths, registers)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or (single and len(project.processes) != 1):
        click.echo(diagnostics_text(errors), nl=False, err=True)
        what = "give one valid rule file" if single else "fix the errors above first"
        click.echo(f"askless {command}: {what} (askless check shows every problem)", err=True)
        raise _Stop(EXIT_INPUT)
    return project


def read_population(command: str, process, path: str) -> list[dict]:
    """The cases of a population file, or its problem printed and exit code 2."""
    try:
        cases = population_mod.read(process, path)
    except population_mod.PopulationError as exc:
        click.echo(f"askless {command}: {exc}", err=True)
        raise _Stop(EXIT_INPUT) from None
    if not cases:
        click.echo(f"askless {command}: {path} holds no cases", err=True)
        raise _Stop(EXIT_INPUT)
    return cases


def _emit_output(text: str, output: str | None, force: bool) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    if os.path.exists(output) and not force:
        if sys.stdin.isatty() and click.confirm(f"{output} exists. Overwrite it?", default=False, err=True):
            pass
        else:
            raise click.UsageError(f"{output} exists; pass --force to overwrite it", ctx=click.get_current_context())
    try:
        write_atomic(output, text)
    except OSError as exc:
        error = click.ClickException(f"{output}: cannot write: {exc.strerror or exc}")
        error.exit_code = EXIT_INPUT
        raise error from None
    click.echo(f"wrote {output}", err=True)


def _guard(fn: Callable[[], int]) -> None:
    """Run a command body; turn any unexpected exception into one line and exit code 3."""
    try:
        code = fn()
    except _Stop as stop:
        code = stop.code
    except click.ClickException:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except RecursionError:
        click.echo("askless: internal error: input nested too deeply for the analysis", err=True)
        sys.exit(EXIT_INTERNAL)
    except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, ever
        click.echo(f"askless: internal error: {type(exc).__name__}: {exc} "
                   "(this is a bug in askless; please report it with the input)", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code)


registers_option = click.option(
    "--registers", type=click.Path(dir_okay=False), default=None,
    help="Register catalogue to check register names against (default: registers.yaml beside the rules, "
         "or in a folder above, else the built-in one).")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="askless")
def main() -> None:
    """askless: how many questions a public self-service process asks, why, and how to ask fewer."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one 'file:line:col: [level] message (code)' line per finding; json: a report.")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@registers_option
def check(paths: tuple[str, ...], fmt: str, strict: bool, registers: str | None) -> None:
    """Check rule files (files or folders) and report every problem with its place.

    Exit 0 when clean, 1 on warnings under --strict, 2 on errors or unreadable input.
    """
    def body() -> int:
        project, diagnostics = load_and_validate(paths, registers)
        if fmt == "json":
            click.echo(diagnostics_json(project.files, diagnostics), nl=False)
        else:
            click.echo(diagnostics_text(diagnostics), nl=False)
            click.echo(summary_line(len(project.files), len(project.processes), diagnostics), err=True)
        if has_errors(diagnostics):
            return EXIT_INPUT
        if strict and diagnostics:
            return EXIT_FINDINGS
        return EXIT_OK
    _guard(body)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="mermaid", show_default=True,
              help="dot (Graphviz), mermaid, graphml, or json (networkx node-link).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@registers_option
def graph(paths: tuple[str, ...], fmt: str, output: str | None, force: bool, registers: str | None) -> None:
    """Print the dependency graph: law -> outcome -> derived fact -> question / register fact."""
    def body() -> int:
        project = valid_project("graph", paths, registers)
        _emit_output(render(build_all(project.processes, project.catalogue), fmt), output, force)
        return EXIT_OK
    _guard(body)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True)
@click.option("--tariff", type=click.FloatRange(min=0, max=1e6), default=None,
              help="DKK per hour of a citizen's time (default 200, an assumption).")
@click.option("--population", "population_file", type=click.Path(dir_okay=False), default=None,
              help="CSV or Parquet file, one case per row (see askless population): expected values are "
                   "averages over its cases instead of the answer priors. Needs a single process.")
@click.option("--objective", type=click.Choice(["questions", "time"]), default="questions", show_default=True,
              help="What the minimal and optimal flows minimise: the number of questions, or the answering time "
                   "(seconds per question by type; greedy then weighs information gain per second).")
@click.option("--samples", type=click.IntRange(min=2, max=100_000), default=None,
              help="Where a process is simulated (its exact model too large): draw exactly N cases from the priors "
                   "per mode, instead of drawing until every 95 % interval is within 1 % of its mean (100 to 400).")
@click.option("--max-static", type=click.IntRange(min=0), default=None,
              help="Gate: exit 1 when the static form shows more than N questions (worst case) in a mode.")
@click.option("--max-expected", type=click.FloatRange(min=0), default=None,
              help="Gate: exit 1 when the minimal flow's expected questions exceed X in a mode.")
@click.option("--max-hours", type=click.FloatRange(min=0), default=None,
              help="Gate: exit 1 when citizen hours a year (minimal flow) exceed H in a mode, or are unknown.")
@registers_option
def analyze(paths: tuple[str, ...], fmt: str, tariff: float | None, population_file: str | None,
            objective: str, samples: int | None, max_static: int | None, max_expected: float | None, max_hours: float | None,
            registers: str | None) -> None:
    """Count the questions each process asks, in both modes (anonymous, logged in).

    For the static form, form order with skipping, the minimal flow (greedy) and the optimal
    flow: expected, best and worst questions; lower bounds no form can beat; dead questions;
    prefill; burden in citizen hours a year; readability. See docs/metrics.md.

    With --max-static, --max-expected or --max-hours (the gate, docs/teams.md): one line per
    breach on stderr and exit 1.
    """
    from analyzer import gate

    def body() -> int:
        limits = gate.Limits(max_static, max_expected, max_hours)
        for name, limit in (("--max-expected", max_expected), ("--max-hours", max_hours)):
            if limit is not None and limit != limit:  # NaN passes a range check
                raise click.BadParameter("must be a number", param_hint=f"'{name}'")
        project = valid_project("analyze", paths, registers)
        if tariff is not None and tariff != tariff:  # NaN passes a range check
            raise click.BadParameter("must be a number of DKK per hour", param_hint="'--tariff'")
        assumptions = Assumptions() if tariff is None else Assumptions(tariff_dkk_per_hour=tariff)
        cases = None
        if population_file is not None:
            if len(project.processes) != 1:
                raise click.UsageError("--population applies to one process; give one rule file")
            cases = read_population("analyze", project.processes[0], population_file)
        results = [metrics.analyze(p, assumptions, cases, objective, samples) for p in project.processes]
        if cases is not None:
            results[0]["population"] = {"file": population_file, "cases": len(cases)}
        breaches = gate.check(results, limits) if limits.active() else []
        if fmt == "json":
            data: dict = {"processes": results}
            if limits.active():
                data["gate"] = {"passed": not breaches, "breaches": [b.to_dict() for b in breaches]}
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
        else:
            click.echo(analysis_text(results, fmt), nl=False)
        if limits.active():
            for breach in breaches:
                click.echo(breach.render(), err=True)
            click.echo(gate.summary(results, limits, breaches), err=True)
        return EXIT_FINDINGS if breaches else EXIT_OK
    _guard(body)


@main.command()
@click.argument("path", type=click.Path())
@click.option("--rows", type=click.IntRange(1, 5_000_000), default=10_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="FILE.csv or FILE.parquet")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@registers_option
def population(path: str, rows: int, seed: int, output: str, force: bool, registers: str | None) -> None:
    """Write a synthetic population of one process: one case per row, drawn from the answer
    priors the rule file declares (each with its source or assumption), seeded and deterministic."""
    def body() -> int:
        project = valid_project("population", (path,), registers, single=True)
        if not output.endswith(population_mod.FORMATS):
            raise click.UsageError(f"{output}: expected a file ending in .csv or .parquet")
        if os.path.exists(output) and not force:
            raise click.UsageError(f"{output} exists; pass --force to overwrite it")
        process = project.processes[0]
        try:
            population_mod.write(process, population_mod.generate(process, rows, seed), output)
        except OSError as exc:
            click.echo(f"askless population: {output}: cannot write: {exc.strerror or exc}", err=True)
            return EXIT_INPUT
        click.echo(f"wrote {rows} cases of {process.name} to {output} (seed {seed})", err=True)
        return EXIT_OK
    _guard(body)


@main.command("evaluate")
@click.argument("path", type=click.Path())
@click.argument("population_file", required=False, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="FILE.csv or FILE.parquet: one row per case (row, each outcome, error).")
@click.option("--sql", "sql_outcomes", multiple=True, metavar="OUTCOME",
              help="Print the SQL that computes OUTCOME (and every column it reads) instead; repeatable.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@registers_option
def evaluate(path: str, population_file: str | None, output: str | None, sql_outcomes: tuple[str, ...], force: bool,
             registers: str | None) -> None:
    """Decide every case of a population file at once (vectorised, in DuckDB).

    Writes one row per case: its row number, every outcome, and 'error' (the first outcome whose
    evaluation fails, e.g. a division by zero). Exact: the same values as the row-by-row
    interpreter. See docs/population-runs.md.
    """
    from analyzer import vectorised

    def body() -> int:
        project = valid_project("evaluate", (path,), registers, single=True)
        process = project.processes[0]
        try:
            if sql_outcomes:
                click.echo(vectorised.explain(process, list(sql_outcomes)), nl=False)
                return EXIT_OK
            if population_file is None or output is None:
                raise click.UsageError("give a POPULATION_FILE and -o FILE (or --sql OUTCOME)")
            if os.path.exists(output) and not force:
                raise click.UsageError(f"{output} exists; pass --force to overwrite it")
            progress = None
            if sys.stderr.isatty():
                def progress(percent: float) -> None:
                    click.echo(f"\r{process.name}: {percent:5.1f} %", nl=False, err=True)
            rows = vectorised.write_outcomes(process, population_file, output, progress=progress)
        except population_mod.PopulationError as exc:
            click.echo(f"askless evaluate: {exc}", err=True)
            return EXIT_INPUT
        except vectorised.VectorisedError as exc:
            click.echo(f"askless evaluate: {exc}", err=True)
            return EXIT_INPUT
        except OSError as exc:
            click.echo(f"askless evaluate: {output}: cannot write: {exc.strerror or exc}", err=True)
            return EXIT_INPUT
        if progress is not None:
            click.echo("", err=True)
        click.echo(f"wrote the outcomes of {rows} cases of {process.name} to {output}", err=True)
        return EXIT_OK
    _guard(body)


def _export_form(process, fmt: str, mode: str, output: str | None, force: bool) -> int:
    """``askless flow --format surveyjs|xlsform``: the form, or the construct it cannot express and
    exit 2. An XLSForm is a binary file: it needs -o, and is written atomically."""
    from analyzer import flowcompile
    from analyzer.exports import surveyjs, xlsform

    if fmt == "xlsform" and (output is None or output == "-"):
        raise click.UsageError("an XLSForm is a binary .xlsx file: give -o FILE.xlsx")
    try:
        program = flowcompile.compile_process(process, mode)
        data = surveyjs.render(program) if fmt == "surveyjs" else xlsform.render(program)
    except flowcompile.Unsupported as exc:
        line, col = (exc.loc.line, exc.loc.col) if exc.loc else (1, 1)
        click.echo(f"{process.path}:{line}:{col}: [error] the {fmt} export cannot express the rules: {exc} "
                   "(flow-export); hint: askless flow --format html runs every process", err=True)
        return EXIT_INPUT
    if fmt == "surveyjs":
        _emit_output(json.dumps(data, ensure_ascii=False, indent=2) + "\n", output, force)
        return EXIT_OK
    assert output is not None
    if os.path.exists(output) and not force:
        raise click.UsageError(f"{output} exists; pass --force to overwrite it")
    try:
        write_atomic(output, data)
    except OSError as exc:
        click.echo(f"askless flow: {output}: cannot write: {exc.strerror or exc}", err=True)
        return EXIT_INPUT
    click.echo(f"wrote {output}", err=True)
    return EXIT_OK


@main.command()
@click.argument("path", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["json", "surveyjs", "xlsform", "html"]), default="json",
              show_default=True,
              help="json: one decision DAG per component (docs/flows.md); surveyjs: a SurveyJS form (JSON); "
                   "xlsform: an XLSForm workbook (.xlsx, needs -o); html: one self-contained page that "
                   "runs the flow in the browser (docs/developers.md).")
@click.option("--mode", type=click.Choice(["anonymous", "logged_in"]), default="anonymous", show_default=True,
              help="anonymous: register facts are asked; logged_in: they are prefilled. With --compare: only "
                   "this mode (both when not given).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--compare", is_flag=True,
              help="Instead of the flow: a table per mode of the questions asked by the static form, form order "
                   "with skipping and the minimal flow (expected, best, worst).")
@click.option("--population", "population_file", type=click.Path(dir_okay=False), default=None,
              help="With --compare: CSV or Parquet file, one case per row (see askless population): figures over "
                   "its cases, and how many cases are asked each number of questions.")
@click.option("--objective", type=click.Choice(["questions", "time"]), default="questions", show_default=True,
              help="With --format json or html: what the flow minimises, the number of questions or the "
                   "answering time (seconds per question by type); with time, every node of the json graphs "
                   "also gives its expected seconds.")
@registers_option
def flow(path: str, fmt: str, mode: str, output: str | None, force: bool, compare: bool,
         population_file: str | None, objective: str, registers: str | None) -> None:
    """Export the minimal adaptive flow of one process: the greedy decision DAG per component,
    equal residual situations merged, expected and worst questions on every node (docs/flows.md).

    Exit 2 when the rule file is invalid or the exact finite model is too large for the process;
    with surveyjs or xlsform, when the rules use a construct the form cannot express.
    """
    from analyzer import flowexport

    def body() -> int:
        project = valid_project("flow", (path,), registers, single=True)
        process = project.processes[0]
        if population_file is not None and not compare:
            raise click.UsageError("--population applies with --compare")
        if objective != "questions" and (compare or fmt in ("surveyjs", "xlsform")):
            raise click.UsageError("--objective time applies to --format json and html (the SurveyJS and "
                                   "XLSForm forms show the questions in rule-file order; askless analyze "
                                   "--objective time gives the figures)")
        if compare:
            cases = None
            if population_file is not None:
                cases = read_population("flow", process, population_file)
            source = click.get_current_context().get_parameter_source("mode")
            modes = (mode,) if source == click.core.ParameterSource.COMMANDLINE else metrics.MODES
            result = flowexport.compare(process, modes, cases)
            _emit_output(flowexport.compare_text(result, population_file), output, force)
            return EXIT_OK
        if fmt == "html":
            from analyzer.exports import html as html_export
            _emit_output(html_export.render(process, mode, objective), output, force)
            return EXIT_OK
        if fmt in ("surveyjs", "xlsform"):
            return _export_form(process, fmt, mode, output, force)
        try:
            data = flowexport.export(process, mode, objective)
        except flowexport.TooLarge as exc:
            click.echo(f"askless flow: the exact flow is not available for {process.name}: {exc}. askless analyze "
                       "estimates its figures by simulation instead; askless flow --compare shows them.", err=True)
            return EXIT_INPUT
        _emit_output(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", output, force)
        return EXIT_OK
    _guard(body)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="FILE.html (one self-contained page) or FILE.md (Markdown for a pull-request comment).")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False), default=None,
              help="A scenario file (docs/scenarios.md): adds a before/after section for its process.")
@click.option("--population", "population_file", type=click.Path(dir_okay=False), default=None,
              help="CSV or Parquet file, one case per row: expected values are averages over its cases. "
                   "Needs a single process.")
@click.option("--tariff", type=click.FloatRange(min=0, max=1e6), default=None,
              help="DKK per hour of a citizen's time (default 200, an assumption).")
@click.option("--suggestions/--no-suggestions", default=True, show_default=True,
              help="Include the top suggestions of each process (askless suggest), with their measured effect.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@registers_option
def report(paths: tuple[str, ...], output: str, scenario_file: str | None, population_file: str | None,
           tariff: float | None, suggestions: bool, force: bool, registers: str | None) -> None:
    """Write a report of one process or a folder: headline, question counts in both modes (chart),
    burden, prefill map, top suggestions, dependency graph, readability; for several processes a
    league table and the concepts defined differently (docs/reports.md)."""
    from analyzer import htmlreport, mdreport, reportdata

    def body() -> int:
        if not output.endswith((".html", ".htm", ".md")):
            raise click.UsageError(f"{output}: expected a file ending in .html or .md")
        if tariff is not None and tariff != tariff:  # NaN passes a range check
            raise click.BadParameter("must be a number of DKK per hour", param_hint="'--tariff'")
        if os.path.exists(output) and not force:
            raise click.UsageError(f"{output} exists; pass --force to overwrite it")
        project = valid_project("report", paths, registers)
        assumptions = Assumptions() if tariff is None else Assumptions(tariff_dkk_per_hour=tariff)
        cases, population = None, None
        if population_file is not None:
            if len(project.processes) != 1:
                raise click.UsageError("--population applies to one process; give one rule file")
            cases = read_population("report", project.processes[0], population_file)
            population = f"{population_file} ({len(cases)} cases)"
        scenario, scenario_errors = None, ()
        if scenario_file is not None:
            from analyzer import scenario as scenario_mod
            scenario_errors = (scenario_mod.ScenarioError,)
            try:
                scenario = scenario_mod.load(scenario_file)
            except scenario_mod.ScenarioError as exc:
                click.echo("".join(d.render() + "\n" for d in exc.diagnostics), nl=False, err=True)
                return EXIT_INPUT
        try:
            data = reportdata.build(project.processes, project.catalogue, assumptions, cases, population,
                                    scenario, with_suggestions=suggestions)
        except ValueError as exc:  # the scenario names a process the paths do not hold
            click.echo(f"askless report: {scenario_file}: {exc}", err=True)
            return EXIT_INPUT
        except scenario_errors as exc:  # a change that does not apply to the process
            click.echo("".join(d.render() + "\n" for d in exc.diagnostics), nl=False, err=True)
            return EXIT_INPUT
        text = mdreport.render(data) if output.endswith(".md") else htmlreport.render(data)
        _emit_output(text, output, True)
        return EXIT_OK
    _guard(body)


@main.command("diff")
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--samples", type=click.IntRange(1, 100_000), default=400, show_default=True,
              help="Cases drawn from NEW's answer priors to compare decisions on.")
@click.option("--seed", type=int, default=20261128, show_default=True)
@registers_option
def diff_command(old: str, new: str, fmt: str, samples: int, seed: int, registers: str | None) -> None:
    """Compare two versions of one process's rule file: questions, derived facts, outcomes and
    constants added, removed or changed; metrics before and after; decisions that change on a
    seeded sample of cases drawn from the answer priors (docs/teams.md). Exit 0; 2 on bad input.
    """
    from analyzer import diff

    def body() -> int:
        before = valid_project("diff", (old,), registers, single=True).processes[0]
        after = valid_project("diff", (new,), registers, single=True).processes[0]
        if before.name != after.name:
            click.echo(f"askless diff: {old} holds process '{before.name}' and {new} holds '{after.name}'; "
                       "give two versions of the same process", err=True)
            return EXIT_INPUT
        result = diff.compare(before, after, samples=samples, seed=seed)
        if fmt == "json":
            click.echo(json.dumps(diff.to_json(result), ensure_ascii=False, indent=2, default=str))
        else:
            click.echo(diff.to_text(result), nl=False)
        return EXIT_OK
    _guard(body)


@main.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@registers_option
def test_command(paths: tuple[str, ...], fmt: str, registers: str | None) -> None:
    """Run the test cases in rule files and report rule coverage.

    Per failing case: the inputs, the expected and actual values, and the path of rules that
    produced the actual value. Exit 1 when a test fails, 2 when the rule files are invalid.
    """
    def body() -> int:
        project = valid_project("test", paths, registers)
        results = [testrun.run(p) for p in project.processes]
        if fmt == "json":
            click.echo(json.dumps(testrun.to_json(results), ensure_ascii=False, indent=2))
        else:
            click.echo(testrun.render_text(results), nl=False)
        return EXIT_FINDINGS if any(r.failed for r in results) else EXIT_OK
    _guard(body)


@main.command()
@click.argument("path", type=click.Path())
@click.option("--mode", type=click.Choice(["anonymous", "logged_in"]), default="anonymous", show_default=True,
              help="logged_in: register facts come from --prefill or are asked first, labelled 'from the register', "
                   "and are not counted.")
@click.option("--language", type=click.Choice(["da", "en"]), default="da", show_default=True,
              help="Language of the question texts.")
@click.option("--prefill", "prefill_file", type=click.Path(dir_okay=False), default=None,
              help="YAML mapping register fact -> value (a group as a list of member mappings); logged_in only.")
def interview(path: str, mode: str, language: str, prefill_file: str | None) -> None:
    """Ask the questions of one process in the terminal, as the minimal flow would, and decide.

    ? shows why a question is asked, back (or <) changes the last answer, quit stops. Ends with
    the decision and the number of questions asked against the static form. See docs/interview.md.
    """
    import yaml

    from analyzer.flow import AnswerError
    from analyzer.interview import Interview

    def body() -> int:
        project = valid_project("interview", (path,), None, single=True)
        prefill = None
        if prefill_file is not None:
            try:
                with open(prefill_file, encoding="utf-8") as handle:
                    prefill = yaml.safe_load(handle) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                click.echo(f"askless interview: {prefill_file}: cannot read: {exc}", err=True)
                return EXIT_INPUT
        try:
            session = Interview(project.processes[0], mode, language, prefill)
        except AnswerError as exc:
            click.echo(f"askless interview: {prefill_file}: {exc}", err=True)
            return EXIT_INPUT
        stdin = sys.stdin

        def ask(prompt: str) -> str | None:
            if stdin.isatty():
                try:
                    return click.prompt(prompt, default="", show_default=False, prompt_suffix="")
                except click.Abort:
                    click.echo()
                    return None
            # piped input: echo each answer, so the output reads as the conversation did
            click.echo(prompt, nl=False)
            line = stdin.readline()
            if not line:
                click.echo()
                return None
            click.echo(line.rstrip("\r\n"))
            return line.rstrip("\r\n")

        session.run(ask, click.echo)
        return EXIT_OK
    _guard(body)


@main.command()
@click.argument("path", type=click.Path())
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False), required=True,
              help="Scenario file: the changes to measure (docs/scenarios.md).")
@click.option("--population", "population_file", type=click.Path(dir_okay=False), default=None,
              help="Compare decisions on the cases of this CSV or Parquet file (default: a sample drawn from the priors).")
@click.option("--rows", type=click.IntRange(1, 200_000), default=2000, show_default=True,
              help="Cases drawn from the priors when no --population is given.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the drawn sample.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--tariff", type=click.FloatRange(min=0, max=1e6), default=None,
              help="DKK per hour of a citizen's time for the burden figures (default: 200, an assumption).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@registers_option
def whatif(path: str, scenario_file: str, population_file: str | None, rows: int, seed: int, fmt: str,
           tariff: float | None, output: str | None, force: bool, registers: str | None) -> None:
    """Measure a rule change: every metric before and after, and the decisions that change.

    PATH is one rule file; the scenario file lists the changes (set a constant, prefill from a
    register, drop a condition or a case, replace a definition, merge or drop facts). See
    docs/scenarios.md and docs/policy-advisers.md.
    """
    from analyzer import scenario as scenario_mod
    from analyzer import whatif as whatif_mod

    def body() -> int:
        if tariff is not None and tariff != tariff:  # NaN passes a range check
            raise click.BadParameter("must be a number of DKK per hour", param_hint="'--tariff'")
        project = valid_project("whatif", (path,), registers, single=True)
        process = project.processes[0]
        try:
            scenario = scenario_mod.load(scenario_file)
            if scenario.process != process.name:
                raise scenario_mod.ScenarioError([scenario_mod.process_mismatch(scenario, process.name)])
            cases = read_population("whatif", process, population_file) if population_file else None
            assumptions = Assumptions() if tariff is None else Assumptions(tariff_dkk_per_hour=tariff)
            result = whatif_mod.run(process, scenario, project.catalogue, cases, population_file, rows, seed,
                                    assumptions)
        except scenario_mod.ScenarioError as exc:
            click.echo(diagnostics_text(exc.diagnostics), nl=False, err=True)
            click.echo(f"askless whatif: the scenario does not apply to {path}", err=True)
            return EXIT_INPUT
        _emit_output(whatif_mod.render(result, fmt), output, force)
        return EXIT_OK
    _guard(body)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--population", "population_file", type=click.Path(dir_okay=False), default=None,
              help="Count changed decisions on the cases of this CSV or Parquet file (one process; default: "
                   "1000 cases drawn from the priors, seed 1).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--only", multiple=True, metavar="KIND", help="Run only this kind (repeatable; see --list-kinds).")
@click.option("--skip", multiple=True, metavar="KIND", help="Do not run this kind (repeatable).")
@click.option("--list-kinds", is_flag=True, help="Print every kind's documentation (Markdown) and exit.")
@click.option("--apply", "apply_rank", type=click.IntRange(min=1), default=None, metavar="N",
              help="Write the scenario of suggestion N (its rank) to -o FILE instead of the list.")
@click.option("--tariff", type=click.FloatRange(min=0, max=1e6), default=None,
              help="DKK per hour of a citizen's time (default 200, an assumption).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@registers_option
def suggest(paths: tuple[str, ...], population_file: str | None, fmt: str, only: tuple[str, ...],
            skip: tuple[str, ...], list_kinds: bool, apply_rank: int | None, tariff: float | None,
            output: str | None, force: bool, registers: str | None) -> None:
    """Ranked, evidenced suggestions to ask fewer or clearer questions, each with its measured
    effect (questions, citizen hours and DKK a year, decisions that change). See docs/suggestions.md.
    """
    from analyzer import suggest as suggest_mod
    from analyzer.suggest import render as suggest_render

    def body() -> int:
        if list_kinds:
            click.echo(suggest_render.kinds_markdown(), nl=False)
            return EXIT_OK
        if not paths:
            raise click.UsageError("give rule files or folders (or --list-kinds)")
        if tariff is not None and tariff != tariff:  # NaN passes a range check
            raise click.BadParameter("must be a number of DKK per hour", param_hint="'--tariff'")
        if apply_rank is not None and output is None:
            raise click.UsageError("--apply N writes a scenario file: give -o FILE")
        try:
            kinds = suggest_mod.select(only, skip)
        except suggest_mod.UnknownKind as exc:
            raise click.UsageError(str(exc)) from None
        project = valid_project("suggest", paths, registers)
        assumptions = Assumptions() if tariff is None else Assumptions(tariff_dkk_per_hour=tariff)
        ctx = suggest_mod.Context(list(project.processes), project.catalogue, assumptions)
        if population_file is not None:
            if len(project.processes) != 1:
                raise click.UsageError("--population applies to one process; give one rule file")
            process = project.processes[0]
            ctx.cases[process.name] = read_population("suggest", process, population_file)
            ctx.population[process.name] = f"population file {population_file} ({len(ctx.cases[process.name])} cases)"
            ctx.population_file = population_file
        found = suggest_mod.suggest(ctx, kinds)
        if apply_rank is not None:
            if apply_rank > len(found):
                raise click.UsageError(f"--apply {apply_rank}: there are {len(found)} suggestions")
            chosen = found[apply_rank - 1]
            if not chosen.changes:
                raise click.UsageError(f"--apply {apply_rank}: suggestion {apply_rank} ({chosen.kind}) changes no rule: "
                                       f"{chosen.no_scenario or 'it has no scenario'}")
            _emit_output(suggest_render.scenario_text(chosen, apply_rank), output, force)
            return EXIT_OK
        text = suggest_render.to_json(found, ctx) if fmt == "json" else suggest_render.to_table(found, ctx, fmt)
        _emit_output(text, output, force)
        return EXIT_OK
    _guard(body)


if __name__ == "__main__":  # pragma: no cover
    main()
