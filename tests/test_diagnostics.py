"""The golden broken-file corpus: one tiny rule file per kind of defect, and what askless says.

Each file in ``tests/broken/`` is a valid skeleton plus one defect, named after the diagnostic
code it triggers (``unknown-reference.yaml``, ``expression-syntax-and.yaml``, ...). The table
:data:`CASES` gives the exact findings of each file as ``(code, line, col)``, 1-based, including
positions inside expressions. Inputs too big or too binary to commit (binary garbage, nesting
thousands deep, a 30 MB file) are generated into ``tmp_path``.
"""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import schema
from analyzer.diagnostics import CODES, Diagnostic
from analyzer.yamlread import MAX_DEPTH, read, to_plain
from cli import load_and_validate, main
from tests.conftest import BROKEN, ROOT, RULES

CATALOGUE = str(RULES / "registers.yaml")

#: ``file:line:col: [level] message (code)``, then an optional ``; hint: ...``
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<level>error|warning)\] "
                  r"(?P<message>.+?) \((?P<code>[a-z-]+)\)(?:; hint: .+)?$")


def findings(path: Path | str) -> list[Diagnostic]:
    """Every diagnostic of ``askless check`` for one file, sorted by location."""
    return load_and_validate((str(path),), CATALOGUE)[1]


def assert_finds(name: str, *expected: tuple[str, int, int]) -> list[Diagnostic]:
    """``tests/broken/NAME`` gives exactly the findings ``(code, line, col)``, in file order."""
    found = findings(BROKEN / name)
    assert [(d.code, d.line, d.col) for d in found] == list(expected), "\n".join(d.render() for d in found)
    return found


def the(name: str, code: str) -> Diagnostic:
    """The one finding with ``code`` in ``tests/broken/NAME``."""
    matching = [d for d in findings(BROKEN / name) if d.code == code]
    assert len(matching) == 1, matching
    return matching[0]


# -- the corpus, file by file -------------------------------------------------------------------

CASES: dict[str, tuple[tuple[str, int, int], ...]] = {
    # reading the file
    "unreadable.yaml": (("unreadable", 2, 34),),  # a Latin-1 'ø': the byte's own column
    "too-large.yaml": (("too-large", 8, 11),),  # billion laughs: the alias that passes the node limit
    "yaml-syntax.yaml": (("yaml-syntax", 7, 1),),  # an unclosed flow mapping, found at the end
    "yaml-syntax-empty.yaml": (("yaml-syntax", 1, 1),),
    "yaml-syntax-whitespace.yaml": (("yaml-syntax", 1, 1),),
    "yaml-syntax-tab.yaml": (("yaml-syntax", 4, 1),),
    "yaml-syntax-multiple-documents.yaml": (("yaml-syntax", 7, 1),),
    "duplicate-key.yaml": (("duplicate-key", 5, 3),),
    "yaml-boolean.yaml": (("yaml-boolean", 9, 20),),
    # structure
    "unknown-key.yaml": (("unknown-key", 4, 22),),
    "missing-key.yaml": (("missing-key", 1, 1),),
    "missing-key-ask.yaml": (("missing-key", 4, 3),),
    "invalid-value.yaml": (("invalid-value", 4, 17),),
    "invalid-value-top-level-list.yaml": (("invalid-value", 1, 1),),
    "invalid-value-top-level-scalar.yaml": (("invalid-value", 1, 1),),
    # expressions: the column is that of the offending token
    "expression-syntax.yaml": (("expression-syntax", 6, 18),),  # the '(' that is never closed
    "expression-syntax-unclosed.yaml": (("expression-syntax", 6, 30),),  # inside double quotes
    "expression-syntax-and.yaml": (("expression-syntax", 7, 24),),
    "expression-syntax-equals.yaml": (("expression-syntax", 6, 24),),
    "expression-syntax-percent.yaml": (("expression-syntax", 9, 10),),  # second line of a '>-' block
    # names and types
    "unknown-reference.yaml": (("unused-fact", 4, 3),  # alder is not used: the reference has a typo
                               ("unknown-reference", 10, 7)),  # second line of a '>-' block
    "unknown-reference-quoted.yaml": (("unknown-reference", 6, 28),),
    "duplicate-name.yaml": (("duplicate-name", 6, 3),),  # the fact, the later of the two
    "type-mismatch.yaml": (("type-mismatch", 7, 28),),
    "unknown-choice.yaml": (("unknown-choice", 6, 27),),  # the string literal, at its escaped quote
    "cycle.yaml": (("cycle", 5, 15),),
    "unknown-register.yaml": (("unknown-register", 4, 22),),
    "invalid-test.yaml": (("invalid-test", 9, 13),),
    # modelling defects (warnings)
    "unused-fact.yaml": (("unused-fact", 5, 3),),
    "constant-provenance.yaml": (("constant-provenance", 4, 3),),
    "outcome-without-law.yaml": (("outcome-without-law", 6, 3),),
    "never-applies.yaml": (("never-applies", 7, 25),),
}


@pytest.mark.parametrize(("name", "expected"), [pytest.param(n, e, id=n.removesuffix(".yaml")) for n, e in CASES.items()])
def test_broken_file_findings(name, expected):
    assert_finds(name, *expected)


#: (file, code, words the message must contain, words the hint must contain)
WORDING = [
    ("unknown-reference.yaml", "unknown-reference", ["'alde'"], ["did you mean 'alder'?"]),
    ("unknown-reference-quoted.yaml", "unknown-reference", ["'myndighedsalder'"], []),
    ("unknown-key.yaml", "unknown-key", ["'aks'", "'alder'"], ["did you mean 'ask'?"]),
    ("unknown-register.yaml", "unknown-register", ["'CRP'"], ["did you mean 'CPR'?"]),
    ("unknown-choice.yaml", "unknown-choice", ["'lejer'"], ["did you mean 'leje'"]),
    ("invalid-value.yaml", "invalid-value", ["'integer'", "'type'", "'alder'"], ["did you mean 'int'?"]),
    ("invalid-value-top-level-list.yaml", "invalid-value", ["mapping", "a list"], ["process:"]),
    ("invalid-value-top-level-scalar.yaml", "invalid-value", ["mapping", "'boligstoette'"], ["process:"]),
    ("missing-key.yaml", "missing-key", ["'outcomes'"], ["outcomes:"]),
    ("missing-key-ask.yaml", "missing-key", ["'alder'", "'ask'"], ["ask:"]),
    ("duplicate-key.yaml", "duplicate-key", ["'alder'", "line 4"], []),
    ("duplicate-name.yaml", "duplicate-name", ["'alder'", "constant", "line 4"], ["rename"]),
    ("cycle.yaml", "cycle", ["a -> b -> c -> a"], []),
    ("type-mismatch.yaml", "type-mismatch", ["'+'", "int", "bool"], []),
    ("invalid-test.yaml", "invalid-test", ["'voksen'", "alder", "'tyve'", "int"], []),
    ("expression-syntax.yaml", "expression-syntax", ["'('"], []),
    ("expression-syntax-unclosed.yaml", "expression-syntax", ["')'"], []),
    ("expression-syntax-and.yaml", "expression-syntax", ["'&&'"], ["'and'"]),
    ("expression-syntax-equals.yaml", "expression-syntax", ["'='"], ["'=='"]),
    ("expression-syntax-percent.yaml", "expression-syntax", ["'%'"], ["0.18"]),
    ("yaml-syntax-tab.yaml", "yaml-syntax", [], ["tabs"]),
    ("yaml-syntax-empty.yaml", "yaml-syntax", ["empty"], ["process:"]),
    ("yaml-syntax-multiple-documents.yaml", "yaml-syntax", ["more than one"], ["---"]),
    ("yaml-boolean.yaml", "yaml-boolean", ["'yes'", "True"], ["'yes'"]),
    ("unreadable.yaml", "unreadable", ["UTF-8", "0xf8"], ["UTF-8"]),
    ("too-large.yaml", "too-large", ["200000", "alias"], []),
    ("unused-fact.yaml", "unused-fact", ["'lejer'"], []),
    ("constant-provenance.yaml", "constant-provenance", ["'myndighedsalder'", "source", "valid_from"], ["valid_from:"]),
    ("outcome-without-law.yaml", "outcome-without-law", ["'voksen'"], ["law:"]),
    ("never-applies.yaml", "never-applies", ["'tillaeg'"], []),
]


@pytest.mark.parametrize(("name", "code", "message", "hint"),
                         [pytest.param(*w, id=w[0].removesuffix(".yaml")) for w in WORDING])
def test_message_names_the_bad_value_and_hint_helps(name, code, message, hint):
    d = the(name, code)
    for word in message:
        assert word in d.message, d.render()
    for word in hint:
        assert word in d.hint, d.render()


def test_every_code_has_a_broken_file_that_triggers_it():
    triggered = {d.code for path in BROKEN.glob("*.yaml") for d in findings(path)}
    assert sorted(set(CODES) - triggered) == []


def test_every_broken_file_is_named_after_a_code_and_is_in_the_table():
    names = sorted(p.name for p in BROKEN.iterdir())
    assert names == sorted(CASES)
    for name in names:
        code = next((c for c in sorted(CODES, key=len, reverse=True) if name.startswith(c)), None)
        assert code is not None, f"{name} is not named after a diagnostic code"
        assert code in {c for c, _, _ in CASES[name]}, f"{name} does not trigger {code}"


# -- positions inside expressions, in every YAML scalar style -----------------------------------

SKELETON = """\
process: mini
title: {da: Mini}
facts:
  alder: {type: int, ask: Hvor gammel er du?, min: 0, max: 120}
  bolig: {type: choice, choices: [leje, eje], ask: Hvordan bor du?}
outcomes:
  voksen: {when: alder >= 18, law: x}
  bor: {when: bolig == 'eje', law: x}
"""

STYLES = {
    "plain": "  o: {when: alder > 1 and aldre > 2, law: x}\n",
    "plain-two-lines": "  o: {when: alder > 1 and\n      aldre > 2, law: x}\n",
    "single-quoted-with-quotes": "  o: {when: 'bolig == ''eje'' and aldre > 2', law: x}\n",
    "double-quoted-with-escapes": '  o: {when: "bolig == \\"eje\\" and aldre > 2", law: x}\n',
    "double-quoted-unicode-escape": '  o: {when: "bolig == \\u0022eje\\u0022 and aldre > 2", law: x}\n',
    "double-quoted-line-continuation": '  o: {when: "bolig == \\"eje\\" and \\\n      aldre > 2", law: x}\n',
    "danish-letters-before": "  o: {when: \"bolig == 'eje' and alder != 'æøå' and aldre > 2\", law: x}\n",
    "literal-block": "  o:\n    law: x\n    when: |\n      alder > 1 and\n        aldre > 2\n",
    "folded-block-strip": "  o:\n    law: x\n    when: >-\n      alder > 1\n      and aldre > 2\n",
}


def position_of(text: str, word: str) -> tuple[int, int]:
    """1-based (line, col) of the only occurrence of ``word`` in ``text``."""
    assert text.count(word) == 1
    before = text[: text.index(word)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize("style", STYLES)
def test_unknown_name_is_located_inside_the_expression(tmp_path, style):
    text = SKELETON + STYLES[style]
    path = write(tmp_path, "styles.yaml", text)
    [d] = [d for d in findings(path) if d.code == "unknown-reference"]
    assert (d.line, d.col) == position_of(text, "aldre"), d.render()
    assert "'aldre'" in d.message and "did you mean 'alder'?" in d.hint


def test_spacing_and_comments_do_not_shift_the_column(tmp_path):
    text = SKELETON + "  o: {when: alder   >=    18   and   (  aldre  >  2  ), law: x}  # a comment\n"
    path = write(tmp_path, "spacing.yaml", text)
    [d] = [d for d in findings(path) if d.code == "unknown-reference"]
    assert (d.line, d.col) == position_of(text, "aldre")


# -- adversarial inputs, generated ---------------------------------------------------------------

def check_one(runner, path: Path, *options: str):
    """Run ``askless check`` on one file; never a traceback, whatever the input."""
    result = runner.invoke(main, ["check", *options, str(path)])
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_rejected(runner, path: Path, code: str, whole_file: bool = False) -> Diagnostic:
    """Exit 2 with a ``code`` finding that names the file and a line (0:0 when it concerns the
    whole file); returns that finding."""
    result = check_one(runner, path)
    assert result.exit_code == 2, result.output
    rendered = result.stdout.splitlines()
    assert rendered and all(LINE.match(line) for line in rendered), result.stdout
    [d] = [d for d in findings(path) if d.code == code]
    assert d.file == str(path), d.render()
    assert (d.line, d.col) == (0, 0) if whole_file else d.line >= 1 and d.col >= 1, d.render()
    assert f"{path}:{d.line}:{d.col}: [error]" in result.stdout
    return d


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_binary_garbage_with_nul_bytes(runner, tmp_path):
    data = b"process: mini\n" + random.Random(7).randbytes(4096) + b"\x00"
    d = assert_rejected(runner, write(tmp_path, "garbage.yaml", data), "unreadable")
    assert "binary" in d.message


def test_binary_garbage_without_nul_bytes(runner, tmp_path):
    path = write(tmp_path, "garbage.yaml", b"process: mini\n" + bytes(range(1, 256)) * 16)
    d = assert_rejected(runner, path, "unreadable")
    assert (d.line, d.col) == (3, 118) and "0x80" in d.message  # 0x0a ends line 2; 0x0b..0x7f are ASCII


def test_a_png_is_not_a_rule_file(runner, tmp_path):
    path = write(tmp_path, "logo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    assert_rejected(runner, path, "unreadable")


def test_alias_bomb_is_stopped(runner):
    d = assert_rejected(runner, BROKEN / "too-large.yaml", "too-large")
    assert (d.line, d.col) == (8, 11)


@pytest.mark.parametrize("text", [
    pytest.param("process: mini\ntitle: " + "[" * 5000 + "]" * 5000 + "\n", id="flow-sequences"),
    pytest.param("process: mini\ntitle: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", id="flow-mappings"),
    pytest.param("process: mini\ntitle:\n" + "- " * 5000 + "x\n", id="block-sequences"),
    pytest.param("process: mini\n" + "".join(" " * i + "k:\n" for i in range(2000)), id="block-mappings"),
])
def test_nesting_thousands_deep(runner, tmp_path, text):
    d = assert_rejected(runner, write(tmp_path, "deep.yaml", text), "too-large")
    assert f"deeper than {MAX_DEPTH} levels" in d.message
    assert d.line >= 2  # past the 'process:' line, where the nesting is


def test_thirty_megabyte_file(runner, tmp_path):
    row = "  f{:07d}: {{type: bool, ask: Spørgsmål?}}\n"
    text = "process: mini\ntitle: {da: Mini}\nfacts:\n" + "".join(row.format(i) for i in range(30 * 1024 * 1024 // 40))
    assert len(text.encode("utf-8")) > 30_000_000
    d = assert_rejected(runner, write(tmp_path, "huge.yaml", text), "too-large", whole_file=True)
    assert "5 MiB" in d.message  # found from the size alone: the file is not parsed


def test_expression_too_long(runner, tmp_path):
    text = SKELETON + "  o: {when: '" + " or ".join(["alder > 1"] * 1000) + "', law: x}\n"
    d = assert_rejected(runner, write(tmp_path, "long.yaml", text), "too-large")
    assert (d.line, d.col) == (9, 14) and "characters" in d.message
    assert [x.code for x in findings(tmp_path / "long.yaml")] == ["too-large"]  # and no echo


def test_expression_nested_too_deep(runner, tmp_path):
    text = SKELETON + "  o: {when: '" + "(" * 500 + "alder > 1" + ")" * 500 + "', law: x}\n"
    d = assert_rejected(runner, write(tmp_path, "deep.yaml", text), "too-large")
    assert d.line == 9 and 14 <= d.col < 14 + 500  # at one of the parentheses
    assert [x.code for x in findings(tmp_path / "deep.yaml")] == ["too-large"]


# -- the command line ------------------------------------------------------------------------------

def _errors(name: str) -> bool:
    return any(CODES[code][0] == "error" for code, _, _ in CASES[name])


@pytest.mark.parametrize("name", [pytest.param(n, id=n.removesuffix(".yaml")) for n in CASES])
def test_cli_exit_code_and_one_line_per_finding(runner, name):
    path = BROKEN / name
    result = check_one(runner, path, "--registers", CATALOGUE)
    assert result.exit_code == (2 if _errors(name) else 0), result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(CASES[name])
    for line, (code, row, col) in zip(lines, CASES[name]):
        m = LINE.match(line)
        assert m, line
        assert (m["file"], int(m["line"]), int(m["col"]), m["code"]) == (str(path), row, col, code)
        assert m["level"] == CODES[code][0]


@pytest.mark.parametrize("name", [pytest.param(n, id=n.removesuffix(".yaml")) for n in CASES if not _errors(n)])
def test_cli_strict_fails_on_warnings_only(runner, name):
    assert check_one(runner, BROKEN / name, "--registers", CATALOGUE).exit_code == 0
    assert check_one(runner, BROKEN / name, "--strict", "--registers", CATALOGUE).exit_code == 1


def test_cli_strict_keeps_exit_2_for_errors(runner):
    assert check_one(runner, BROKEN / "cycle.yaml", "--strict").exit_code == 2


def test_cli_whole_corpus_in_one_run(runner):
    result = check_one(runner, BROKEN, "--registers", CATALOGUE)
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == sum(len(v) for v in CASES.values())
    assert all(LINE.match(line) for line in lines), result.stdout
    assert {LINE.match(line)["code"] for line in lines} == set(CODES)
    assert f"checked {len(CASES)} files" in result.stderr


def test_cli_json_report(runner):
    result = check_one(runner, BROKEN / "unknown-reference.yaml", "--format", "json", "--registers", CATALOGUE)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert (report["errors"], report["warnings"]) == (1, 1)
    found = [(d["code"], d["line"], d["col"]) for d in report["diagnostics"]]
    assert found == list(CASES["unknown-reference.yaml"])
    assert report["diagnostics"][1]["hint"] == "did you mean 'alder'?"


def test_cli_json_for_unreadable_input(runner, tmp_path):
    path = write(tmp_path, "garbage.yaml", bytes(range(256)))
    result = check_one(runner, path, "--format", "json")
    assert result.exit_code == 2
    [d] = json.loads(result.stdout)["diagnostics"]
    assert (d["file"], d["code"], d["line"]) == (str(path), "unreadable", 1)


# -- the JSON Schemas and the bundled rules -----------------------------------------------------

PROCESS_FILES = sorted(p for p in RULES.glob("*.yaml") if p.name != "registers.yaml")


def test_there_are_bundled_process_files():
    assert PROCESS_FILES


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in PROCESS_FILES])
def test_process_schema_accepts_bundled_rules(path):
    jsonschema.Draft202012Validator.check_schema(schema.load_schema(schema.PROCESS))
    # read as askless and editors read it: dates stay text, no tag is constructed
    jsonschema.validate(to_plain(read(str(path)).root), schema.load_schema(schema.PROCESS),
                        cls=jsonschema.Draft202012Validator)


def test_registers_schema_accepts_the_catalogue():
    jsonschema.Draft202012Validator.check_schema(schema.load_schema(schema.REGISTERS))
    jsonschema.validate(to_plain(read(CATALOGUE).root), schema.load_schema(schema.REGISTERS),
                        cls=jsonschema.Draft202012Validator)


def test_process_schema_rejects_a_broken_file():
    data = to_plain(read(str(BROKEN / "unknown-key.yaml")).root)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema.load_schema(schema.PROCESS), cls=jsonschema.Draft202012Validator)


def test_builtin_catalogue_is_the_bundled_one():
    # the packaged copy differs only in its schema line, which points at the schema from its own folder
    bundled = (RULES / "registers.yaml").read_text(encoding="utf-8").split("\n", 1)
    packaged = (ROOT / "analyzer" / "data" / "registers.yaml").read_text(encoding="utf-8").split("\n", 1)
    assert bundled[1] == packaged[1]
    assert bundled[0] == "# yaml-language-server: $schema=../analyzer/schema/registers.schema.json"
    assert packaged[0] == "# yaml-language-server: $schema=../schema/registers.schema.json"


def _paths(node, path=()):
    """Every place in a plain document, as a path of keys and indices."""
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _jsonschema_accepts(data, name) -> bool:
    return not any(True for _ in schema._validator(name).iter_errors(data))


_REPLACEMENTS = [None, True, False, 0, -1, 2.5, "", "x", "2026-01-01", [], ["x"], {}, {"zz": 1}, {"da": "x"}]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in [*PROCESS_FILES, *sorted(BROKEN.glob("*.yaml"))]])
def test_the_fast_check_and_jsonschema_agree_on_every_bundled_and_broken_file(path):
    try:
        data = to_plain(read(str(path)).root)
    except Exception:  # not YAML at all: the schema is never asked
        return
    assert schema.accepts(data, schema.PROCESS) == _jsonschema_accepts(data, schema.PROCESS)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PROCESS_FILES), st.data())
def test_the_fast_check_and_jsonschema_agree_on_mutated_rule_files(path, data):
    """One change anywhere in a bundled rule file (a value replaced, a key removed or added):
    fastjsonschema, the fast path of schema.validate, accepts exactly what jsonschema accepts."""
    doc = copy.deepcopy(_plain(path))
    where = data.draw(st.sampled_from(list(_paths(doc))[1:]))
    parent = doc
    for step in where[:-1]:
        parent = parent[step]
    action = data.draw(st.sampled_from(["replace", "remove", "add"]))
    if action == "remove" and isinstance(parent, dict):
        del parent[where[-1]]
    elif action == "add" and isinstance(parent[where[-1]], dict):
        parent[where[-1]][data.draw(st.sampled_from(["zz", "when", "type", "ask", "value", "da"]))] = \
            data.draw(st.sampled_from(_REPLACEMENTS))
    else:
        parent[where[-1]] = data.draw(st.sampled_from(_REPLACEMENTS))
    assert schema.accepts(doc, schema.PROCESS) == _jsonschema_accepts(doc, schema.PROCESS), (where, action)


_PLAIN: dict = {}


def _plain(path):
    if path not in _PLAIN:
        _PLAIN[path] = to_plain(read(str(path)).root)
    return _PLAIN[path]
