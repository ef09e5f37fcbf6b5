"""Inline SVG bar charts for the HTML report: no script, no external file, readable in print.

:func:`bar_chart` draws horizontal grouped bars, one group per category and one bar per series,
each labelled with its value as text (so no reader depends on colour or on the bar's length).
Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that a screen reader
announces, and :func:`data_table` gives the same figures as an HTML table (the fallback the
report prints under each chart). Output is deterministic: coordinates are rounded to one decimal.

>>> svg = bar_chart("c1", "Questions", "Expected questions per mode.", ["static form"],
...                 [Series("anonymous", (17.3,), ("17.3",))])
>>> svg.startswith('<svg') and "<title id=\\"c1-title\\">Questions</title>" in svg
True
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

#: bar colours by series index: dark enough for 4.5:1 contrast against white text or background
COLOURS = ("#1d4ed8", "#15803d", "#a16207", "#7e22ce")

LABEL_WIDTH = 170
BAR_HEIGHT = 16
GAP = 10
WIDTH = 640


@dataclass(frozen=True)
class Series:
    """One series: a value per category (None: not available) and the text shown for each."""

    name: str
    values: tuple[float | None, ...]
    #: the label printed next to each bar (e.g. "~13.7" for an estimate); "–" when None
    labels: tuple[str, ...]


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def bar_chart(chart_id: str, title: str, desc: str, categories: list[str], series: list[Series],
              unit: str = "") -> str:
    """A horizontal grouped bar chart as an SVG string; bars are scaled to the largest value."""
    top = max((v for s in series for v in s.values if v is not None), default=0.0) or 1.0
    plot = WIDTH - LABEL_WIDTH - 70
    group_h = len(series) * BAR_HEIGHT + GAP
    legend_h = 22
    height = legend_h + len(categories) * group_h + 10
    out = [f'<svg class="chart" role="img" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
           f'<title id="{chart_id}-title">{escape(title)}</title>',
           f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']
    x = LABEL_WIDTH
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{x + 16}" y="14.5" class="legend">{escape(s.name)}</text>')
        x += 24 + 8 * len(s.name)
    for c, category in enumerate(categories):
        y0 = legend_h + c * group_h
        mid = y0 + len(series) * BAR_HEIGHT / 2 + 4
        out.append(f'<text x="{LABEL_WIDTH - 8}" y="{mid:.1f}" text-anchor="end" class="category">'
                   f'{escape(category)}</text>')
        for i, s in enumerate(series):
            y = y0 + i * BAR_HEIGHT
            value = s.values[c]
            label = s.labels[c] if value is not None else "–"
            width = 0.0 if value is None else plot * value / top
            if value is not None:
                out.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT - 3}" '
                           f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(s.name)}, {escape(category)}: '
                           f'{escape(label)}{" " + escape(unit) if unit else ""}</title></rect>')
            out.append(f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + BAR_HEIGHT - 5}" class="value">'
                       f'{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def data_table(caption: str, categories: list[str], series: list[Series], cell_attrs: list[list[str]] | None = None,
               head: str = "") -> str:
    """The chart's figures as an HTML table: one row per category, one column per series.
    ``cell_attrs[c][i]`` adds attributes to a cell (the report marks each figure's source)."""
    rows = [f"<table><caption>{escape(caption)}</caption>",
            "<thead><tr><th scope=\"col\">" + escape(head) + "</th>"
            + "".join(f'<th scope="col">{escape(s.name)}</th>' for s in series) + "</tr></thead><tbody>"]
    for c, category in enumerate(categories):
        cells = []
        for i, s in enumerate(series):
            attrs = (" " + cell_attrs[c][i]) if cell_attrs and cell_attrs[c][i] else ""
            cells.append(f"<td{attrs}>{escape(s.labels[c] if s.values[c] is not None else '–')}</td>")
        rows.append(f'<tr><th scope="row">{escape(category)}</th>{"".join(cells)}</tr>')
    rows.append("</tbody></table>")
    return "\n".join(rows)
