"""The complexity gate: limits on the figures of :func:`analyzer.metrics.analyze`.

``askless analyze PATH --max-static N --max-expected X --max-hours H`` fails (exit 1) when a
process exceeds a limit in either mode. Each limit reads one figure:

- ``max_static``: the most questions the static form shows (``static.worst``: every question on
  the form, member questions once per member at the largest household); exact.
- ``max_expected``: the expected questions of the minimal flow (``flow.expected``); exact on the
  finite model, or an estimate (simulation, atoms) as the analysis says.
- ``max_hours``: citizen hours a year with the minimal flow (Standard Cost Model,
  ``burden.flow.hours_per_year``); always an estimate, since its seconds per question and the
  volume are assumptions.

A figure the analysis cannot give (no volume declared, a flow too large to compute) is a breach
too: a gate that passes because it could not measure would be a test that cannot fail.

>>> result = {"process": "demo", "file": "demo.yaml", "modes": {"anonymous": {
...     "static": {"worst": {"value": 9, "kind": "exact"}},
...     "flow": {"expected": {"value": 4.25, "kind": "estimate"}},
...     "burden": {"flow": {"hours_per_year": None}}}}}
>>> [b.render() for b in check([result], Limits(max_static=8, max_expected=5))]
['demo.yaml: [gate] demo, anonymous: static form questions (worst case) is 9 (exact), over --max-static 8']
>>> [b.render() for b in check([result], Limits(max_hours=10))][0].split(": [gate] ")[1]
'demo, anonymous: minimal flow citizen hours a year is unknown (the rule file declares no volume), over --max-hours 10'
"""

from __future__ import annotations

from dataclasses import dataclass

#: the gate's options, in the order they are checked and reported
OPTIONS = ("--max-static", "--max-expected", "--max-hours")


@dataclass(frozen=True)
class Limits:
    """Upper limits; None means the figure is not gated."""

    #: most questions the static form may show (its worst case)
    max_static: int | None = None
    #: most expected questions of the minimal flow
    max_expected: float | None = None
    #: most citizen hours a year with the minimal flow
    max_hours: float | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.max_static, self.max_expected, self.max_hours))


@dataclass(frozen=True)
class Breach:
    """One figure over its limit (or unknown where a limit applies), in one process and mode."""

    #: the rule file, as given
    file: str
    process: str
    #: ``anonymous`` or ``logged_in``
    mode: str
    #: the option that set the limit, e.g. ``--max-static``
    option: str
    #: what the figure is, in words
    figure: str
    #: the value, or None when the analysis cannot give it
    value: float | None
    limit: float
    #: ``exact`` or ``estimate`` (of the value)
    kind: str
    #: why the value is unknown, when it is
    why: str = ""

    def sort_key(self) -> tuple:
        """By file, process, mode, then the limits in the order the options are listed."""
        return (self.file, self.process, self.mode, OPTIONS.index(self.option))

    def render(self) -> str:
        if self.value is None:
            shown = f"unknown ({self.why})"
        else:
            shown = f"{_number(self.value)} ({self.kind})"
        return (f"{self.file}: [gate] {self.process}, {self.mode}: {self.figure} is {shown}, "
                f"over {self.option} {_number(self.limit)}")

    def to_dict(self) -> dict:
        return {"file": self.file, "process": self.process, "mode": self.mode, "option": self.option,
                "figure": self.figure, "value": self.value, "limit": self.limit, "kind": self.kind,
                "why": self.why}


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _figure(block: dict | None, key: str) -> dict | None:
    if not block:
        return None
    fig = block.get(key)
    return fig if fig and fig.get("value") is not None else None


def check(results: list[dict], limits: Limits) -> list[Breach]:
    """Every breach of ``limits`` by the analysis ``results`` (metrics.analyze dicts), sorted by
    file, process, mode and option (in OPTIONS order)."""
    breaches = []
    for r in results:
        for mode, m in r["modes"].items():
            # (option, limit, figure in words, value or None, kind, why a None value is unknown)
            gated = []
            if limits.max_static is not None:
                fig = _figure(m.get("static"), "worst")
                gated.append(("--max-static", limits.max_static, "static form questions (worst case)",
                              fig and fig["value"], fig["kind"] if fig else "exact", "the static form cannot be counted"))
            if limits.max_expected is not None:
                fig = _figure(m.get("flow"), "expected")
                gated.append(("--max-expected", limits.max_expected, "minimal flow expected questions",
                              fig and fig["value"], fig["kind"] if fig else "estimate",
                              "the minimal flow is too large to compute"))
            if limits.max_hours is not None:
                hours = (m.get("burden") or {}).get("flow", {}).get("hours_per_year")
                gated.append(("--max-hours", limits.max_hours, "minimal flow citizen hours a year", hours, "estimate",
                              "the rule file declares no volume"))
            for option, limit, figure, value, kind, why in gated:
                if value is None or value > limit:
                    breaches.append(Breach(r["file"], r["process"], mode, option, figure, value, limit, kind,
                                           why if value is None else ""))
    return sorted(breaches, key=Breach.sort_key)


def summary(results: list[dict], limits: Limits, breaches: list[Breach]) -> str:
    """One line: how many limits were checked on how many processes, and the verdict."""
    names = [o for o, v in (("--max-static", limits.max_static), ("--max-expected", limits.max_expected),
                            ("--max-hours", limits.max_hours)) if v is not None]
    n = len(results)
    where = f"{n} process{'es' if n != 1 else ''} x 2 modes"
    if breaches:
        return f"gate: failed, {len(breaches)} breach{'es' if len(breaches) != 1 else ''} of {', '.join(names)} on {where}"
    return f"gate: passed, {', '.join(names)} on {where}"
