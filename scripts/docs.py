#!/usr/bin/env python3
"""Regenerate, or check, every command output shown in the documentation.

The pages are README.md and docs/**/*.md. In them:

- A ```console block holds commands, each on a line that starts with ``$ ``, each followed by
  its output (the lines up to the next ``$ `` line or the end of the block). Every command is
  run with /bin/sh from the repository root, with ``.venv/bin`` first on PATH and
  ``LC_ALL=C.UTF-8``; its output is its standard output followed by its standard error, with
  trailing spaces and trailing empty lines removed. Commands run in page order, pages in the
  order README.md, then docs/ sorted, so a command may use a file an earlier one wrote (under
  build/, never a temporary folder: outputs must be the same on every machine).
- A command line that ends with ``# docs: skip``, or with ``# docs: skip (the reason)``, is not
  run; its output is left as written. Use it only for a command that cannot run here (or must
  not: one that rewrites a committed image), and say why.
- An output line that is exactly ``...`` stands for any number of lines (an abbreviation). It is
  kept as long as the rest of the shown output still matches; when it no longer does, ``--write``
  replaces the whole output and says so, to be abbreviated again by hand.
- A line ``<!-- docs: file PATH -->`` followed by a fenced block (any language) shows the file
  PATH (relative to the repository root): the block's text is the file's text.

Usage (from anywhere):

    python scripts/docs.py --write [PAGE...]   # rewrite the shown outputs and files
    python scripts/docs.py --check [PAGE...]   # report every difference; exit 1 if any

Standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = re.compile(r"#\s*docs: skip(\s*\([^()]*\))?\s*$")  # optionally followed by (the reason)
ELLIPSIS = "..."
TIMEOUT = 600  # seconds for one command
FENCE_OPEN = re.compile(r"^( *)(```+)\s*([\w+-]*)\s*$")
FILE_MARK = re.compile(r"^\s*<!-- docs: file (\S+) -->\s*$")
# variables that would make a `make` run inside the docs print "Entering directory /abs/path"
DROP_ENV = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "COLUMNS", "LINES")


def pages() -> list[Path]:
    """README.md, then every Markdown page under docs/, sorted."""
    found = [ROOT / "README.md"] if (ROOT / "README.md").exists() else []
    return found + sorted((ROOT / "docs").rglob("*.md"))


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["LC_ALL"] = "C.UTF-8"
    env["PWD"] = str(ROOT)
    env["COLUMNS"] = "80"
    return env


def clean(lines: list[str]) -> list[str]:
    """Trailing spaces and trailing empty lines removed."""
    out = [line.rstrip() for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


def run(command: str, env: dict[str, str]) -> list[str]:
    try:
        done = subprocess.run(command, shell=True, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return [f"(docs.py: the command did not finish within {TIMEOUT} s)"]
    text = (done.stdout + done.stderr).decode("utf-8", errors="replace")
    return clean(text.splitlines())


def matches(shown: list[str], got: list[str]) -> bool:
    """True when `shown` equals `got`, a line `...` in `shown` standing for any run of lines."""
    if ELLIPSIS not in shown:
        return shown == got
    # reached[j]: the shown lines so far can match exactly the first j lines of `got`
    reached = [True] + [False] * len(got)
    for line in shown:
        if line == ELLIPSIS:
            for j in range(1, len(got) + 1):
                reached[j] = reached[j] or reached[j - 1]
        else:
            reached = [False] + [reached[j - 1] and got[j - 1] == line for j in range(1, len(got) + 1)]
    return reached[-1]


@dataclass
class Result:
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    commands: int = 0
    skipped: int = 0


def diff(where: str, shown: list[str], got: list[str]) -> str:
    lines = difflib.unified_diff(shown, got, "shown", "actual", lineterm="", n=2)
    return f"--- {where}\n" + "\n".join(lines)


def process_page(path: Path, env: dict[str, str], result: Result) -> str:
    """The page's new text; differences and notes go to `result`."""
    rel = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    i = 0
    pending_file: str | None = None
    while i < len(lines):
        line = lines[i]
        mark = FILE_MARK.match(line)
        if mark:
            pending_file = mark.group(1)
            out.append(line)
            i += 1
            continue
        opened = FENCE_OPEN.match(line)
        if not opened:
            if line.strip():
                pending_file = None
            out.append(line)
            i += 1
            continue
        indent, fence, lang = opened.groups()
        end = i + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        if end == len(lines):
            result.differences.append(f"--- {rel}:{i + 1}: a code block is never closed")
            out.extend(lines[i:])
            break
        body = [b[len(indent):] if b.startswith(indent) else b.lstrip() for b in lines[i + 1:end]]
        if pending_file is not None:
            new_body = file_block(rel, i + 1, pending_file, body, result)
        elif lang == "console":
            new_body = console_block(rel, i + 1, body, env, result)
        else:
            new_body = body
        out.append(line)
        out.extend(indent + b if b else b for b in new_body)
        out.append(lines[end])
        pending_file = None
        i = end + 1
    return "\n".join(out)


def file_block(rel: str, lineno: int, name: str, body: list[str], result: Result) -> list[str]:
    target = ROOT / name
    if not target.is_file():
        result.differences.append(f"--- {rel}:{lineno}: shows {name}, which does not exist")
        return body
    want = clean(target.read_text(encoding="utf-8").splitlines())
    if clean(body) != want:
        result.differences.append(diff(f"{rel}:{lineno}: the text of {name}", clean(body), want))
        return want
    return body


def console_block(rel: str, lineno: int, body: list[str], env: dict[str, str], result: Result) -> list[str]:
    new: list[str] = []
    k = 0
    while k < len(body):
        if not body[k].startswith("$ "):
            new.append(body[k])
            k += 1
            continue
        command = body[k][2:]
        end = k + 1
        while end < len(body) and not body[end].startswith("$ "):
            end += 1
        shown = clean(body[k + 1:end])
        new.append(body[k])
        where = f"{rel}:{lineno + 1 + k}: $ {command}"
        if SKIP.search(command):
            result.skipped += 1
            new.extend(body[k + 1:end])
        else:
            result.commands += 1
            got = run(command, env)
            if matches(shown, got):
                new.extend(shown)
            else:
                result.differences.append(diff(where, shown, got))
                if ELLIPSIS in shown:
                    result.notes.append(f"{where}: the abbreviated output no longer matches; "
                                        "the full output was written, abbreviate it again by hand")
                new.extend(got)
        k = end
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the shown outputs and files")
    mode.add_argument("--check", action="store_true", help="report every difference; exit 1 if any")
    parser.add_argument("pages", nargs="*", type=Path, help="pages to process (default: all)")
    args = parser.parse_args(argv)
    chosen = [p.resolve() for p in args.pages] if args.pages else pages()
    if not (ROOT / ".venv" / "bin").is_dir():
        print("docs.py: no .venv/bin; run `make run` first", file=sys.stderr)
        return 2
    env = environment()
    result = Result()
    changed = []
    for page in chosen:
        text = page.read_text(encoding="utf-8")
        new = process_page(page, env, result)
        if new != text:
            changed.append(page.relative_to(ROOT).as_posix())
            if args.write:
                page.write_text(new, encoding="utf-8")
    summary = f"{result.commands} commands run, {result.skipped} skipped, {len(chosen)} pages"
    if args.write:
        for note in result.notes:
            print(note)
        print(f"docs.py: {summary}; rewrote {', '.join(changed) if changed else 'nothing'}")
        return 0
    for difference in result.differences:
        print(difference)
        print()
    if result.differences:
        print(f"docs.py: {len(result.differences)} differences ({summary}); "
              "run `python scripts/docs.py --write` and proof-read the pages")
        return 1
    print(f"docs.py: every output is current ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
