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

__all__ = ["Unsupported", "literal", "text_of"]


def literal(value, true: str, false: str, language: str) -> str:
    """A constant in SurveyJS's or XPath's expression syntax (both write numbers and quoted text
    alike; ``true`` / ``false`` are the language's booleans). A negative number is ``(0 - n)``;
    a text holding both kinds of quotes cannot be written and raises Unsupported."""
    if isinstance(value, bool):
        return true if value else false
    if isinstance(value, (int, float)):
        text = repr(value)
        return f"(0 - {text[1:]})" if value < 0 else text
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise Unsupported(f"the text {value!r} holds both kinds of quotes, which {language} cannot write")


def text_of(text, fallback: str) -> tuple[str, str | None]:
    """(Danish, English or None) of a model Text, or the fallback when there is none."""
    if text is None:
        return fallback, None
    return text.da, text.en
