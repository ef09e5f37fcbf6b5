"""The flow exports of ``askless flow --format ...``, one module a target:

- :mod:`analyzer.exports.surveyjs`: a SurveyJS form (JSON, ``visibleIf`` and ``calculatedValues``),
  rendered from the visibility program of :mod:`analyzer.flowcompile`;
- :mod:`analyzer.exports.xlsform`: an XLSForm workbook (``relevant`` and ``calculate`` rows),
  rendered from the same program;
- :mod:`analyzer.exports.html`: one self-contained HTML page (with ``flow.js``, ``page.js``,
  ``page.css``).

All are pure: they return data (a dict, text, bytes); ``cli.py`` writes the file.
"""

from __future__ import annotations

from ..flowcompile import Unsupported

__all__ = ["Unsupported", "text_of"]


def text_of(text, fallback: str) -> tuple[str, str | None]:
    """(Danish, English or None) of a model Text, or the fallback when there is none."""
    if text is None:
        return fallback, None
    return text.da, text.en
