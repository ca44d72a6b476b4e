"""Every example in README.md and docs/*.md runs, so the docs cannot drift from the code.

Fenced blocks, by their info string:

- ``toml``: a complete network file; it must load. ``toml fragment``: a piece of one; it must
  parse as TOML. ``toml file=NAME``: a file the page's console blocks use, written as NAME into
  the page's scratch folder before they run; it must parse as TOML (and as an assignment when
  it has ``[[exercise]]`` tables).
- ``json``: must parse (no NaN). With ``units`` it is a network file and must load; with
  ``steps`` it is ``chainrule solve --format json`` output of the built-in whose title it has,
  and must match it to 1e-12.
- ``console``: each ``$ COMMAND`` line is run with bash, in a scratch folder shared by the
  blocks of one page (so a page can write a file and use it later). The lines shown after it
  must appear in its output in that order (``...`` skips lines). A command whose shown output
  starts with ``chainrule:`` (an error) must exit 2; the others must exit 0.
- ``pycon``: run by doctest, in the same scratch folder. ``python``: executed there.

And every command of the CLI is documented somewhere.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.core import mathtable, network

from .test_cli import COMMANDS
from .test_exercises import assert_same_json

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.S | re.M)


@dataclass
class Block:
    page: Path
    line: int
    info: str
    body: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(*kinds: str) -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            info = match.group(1).strip()
            if info.split(" ")[0] in kinds:
                line = text.count("\n", 0, match.start()) + 1
                found.append(Block(page, line, info, match.group(2)))
    return found


def test_the_pages_exist() -> None:
    names = {p.name for p in PAGES}
    assert {"README.md", "file-format.md", "json.md", "notation.md"} <= names
    for page in PAGES:
        assert page.read_text(encoding="utf-8").strip()


def test_the_pages_link_to_pages_that_exist() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), (page.name, target)


@pytest.mark.parametrize("block", blocks("toml"), ids=lambda b: b.id)
def test_toml_examples(block: Block) -> None:
    if block.info == "toml":
        net = cr.loads(block.body, name=block.id)
        cr.solve(net)
    elif block.info.startswith("toml file="):
        data = tomllib.loads(block.body)
        if "exercise" in data:
            from chainrule.teach import assignment

            assignment.parse(data, block.id)
    else:
        assert block.info == "toml fragment", block.info
        tomllib.loads(block.body)


@pytest.mark.parametrize("block", blocks("json"), ids=lambda b: b.id)
def test_json_examples(block: Block) -> None:
    def no_constant(name: str) -> None:
        raise AssertionError(f"{name} in a JSON example")

    data = json.loads(block.body, parse_constant=no_constant)
    if isinstance(data, dict) and "units" in data:
        cr.solve(cr.loads(block.body, name=block.id, fmt="json"))
    if isinstance(data, dict) and "steps" in data:
        titles = {cr.load(name).title: name for name in cr.examples()}
        name = titles[data["title"]]
        assert_same_json(data, cr.solve(name, steps=len(data["steps"])).to_json())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """One scratch folder per page."""
    return {page: tmp_path_factory.mktemp(page.stem) for page in PAGES}


def env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "COLUMNS": "80", "NO_COLOR": "1"}


def console_commands(body: str) -> list[tuple[str, list[str]]]:
    commands: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"output before any $ command: {line!r}"
            commands[-1][1].append(line.rstrip())
    return commands


def assert_shown_in_order(shown: list[str], actual: list[str], command: str) -> None:
    position = 0
    for line in shown:
        if not line.strip() or line.strip() == "...":
            continue
        while position < len(actual) and actual[position] != line:
            position += 1
        assert position < len(actual), f"`{command}` does not print {line!r} (in this order)"
        position += 1


CONSOLE = blocks("console")
Run = tuple[str, list[str], "subprocess.CompletedProcess[str]"]


@pytest.fixture(scope="module")
def console_runs(scratch: dict[Path, Path]) -> dict[str, list[Run]]:
    """Every console block's commands, run once, in page order (a page's later blocks may use
    the files its earlier blocks wrote)."""
    runs: dict[str, list[Run]] = {}
    for block in blocks("console", "toml"):
        if block.info.startswith("toml file="):
            name = block.info.removeprefix("toml file=").strip()
            assert "/" not in name and not name.startswith("."), block.id
            (scratch[block.page] / name).write_text(block.body, encoding="utf-8")
        if not block.info.startswith("console"):
            continue
        runs[block.id] = []
        for command, shown in console_commands(block.body):
            allowed = ("chainrule", "python", "cat", "ls", "echo", "sed")
            assert command.startswith(allowed), command
            done = in_process(command, scratch[block.page])
            if done is None:
                done = subprocess.run(["bash", "-o", "pipefail", "-c", command],
                                      cwd=scratch[block.page], env=env(), capture_output=True,
                                      text=True, timeout=120, check=False)
            runs[block.id].append((command, shown, done))
    return runs


SHELL_OPERATORS = ("|", "||", "&&", ";", ">", ">>", "<", "&", "(", ")")
OR_ECHO = ["||", "echo", "exit code $?"]


def in_process(command: str, cwd: Path) -> subprocess.CompletedProcess[str] | None:
    """``chainrule ARGS`` (optionally ``> FILE`` and ``|| echo "exit code $?"``) run by calling
    the CLI's ``main`` in this process, as bash would run it but without starting Python and
    importing chainrule again for each of the pages' 150 commands; None for anything else
    (pipes, other programs), which bash runs."""
    import contextlib
    import io
    import shlex

    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return None
    if not tokens or tokens[0] != "chainrule":
        return None
    or_echo = tokens[-3:] == OR_ECHO
    if or_echo:
        tokens = tokens[:-3]
    target = None
    if len(tokens) > 2 and tokens[-2] == ">":
        target, tokens = tokens[-1], tokens[:-2]
    if any(t in SHELL_OPERATORS or "$" in t for t in tokens):
        return None
    from chainrule.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in ("COLUMNS", "NO_COLOR")}
    os.environ.update({"COLUMNS": "80", "NO_COLOR": "1"})
    try:
        with contextlib.chdir(cwd), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = main(tokens[1:])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    stdout = out.getvalue()
    if target is not None:
        (cwd / target).write_text(stdout, encoding="utf-8")
        stdout = ""
    if or_echo and code != 0:
        stdout += f"exit code {code}\n"
        code = 0
    return subprocess.CompletedProcess(command, code, stdout, err.getvalue())


@pytest.mark.parametrize("block", CONSOLE, ids=lambda b: b.id)
def test_console_examples(block: Block, console_runs: dict[str, list[Run]]) -> None:
    for command, shown, done in console_runs[block.id]:
        expect_error = any(line.startswith("chainrule:") for line in shown)
        assert done.returncode == (2 if expect_error else 0), (command, done.stderr)
        if expect_error:
            assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        actual = [line.rstrip() for line in (done.stdout + done.stderr).splitlines()]
        assert_shown_in_order(shown, actual, command)


@pytest.mark.parametrize("block", blocks("pycon", "python"), ids=lambda b: b.id)
def test_python_examples(block: Block, scratch: dict[Path, Path],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(scratch[block.page])
    if block.info == "python":
        exec(compile(block.body, block.id, "exec"), {"__name__": "__docs__"})
        return
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.body, {}, block.id, str(block.page), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{block.id}: a doctest failed (run it to see the difference)"


def docs_text() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c], ids=" ".join)
def test_every_command_is_documented(command: tuple[str, ...]) -> None:
    name = f"chainrule {' '.join(command)}"
    if name not in docs_text():
        pytest.fail(f"`{name}` is not in README.md or docs/*.md: document it", pytrace=False)


def test_every_activation_and_cost_is_documented() -> None:
    page = (ROOT / "docs" / "file-format.md").read_text(encoding="utf-8")
    for name in [*mathtable.ACTIVATIONS, *mathtable.ACTIVATION_ALIASES, *mathtable.COSTS]:
        assert f"`{name}`" in page, name
    for key in network.TOP_LEVEL_KEYS:
        assert f"`{key}`" in page, key


def test_every_json_key_is_documented() -> None:
    page = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    data: Any = cr.solve("aima-21").to_json()
    keys: set[str] = set()

    def walk(node: Any, parent: str | None) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                # names of units and weights are data, not keys
                if parent not in ("units", "weights", "biases", "inputs", "targets"):
                    keys.add(key)
                walk(value, key)
        elif isinstance(node, list):
            for item in node:
                walk(item, parent)

    walk(data, None)
    for key in keys:
        assert f"`{key}`" in page, key
