"""The command line starts at once: `import chainrule.cli` (what `chainrule --help` runs) loads
no heavy library; each command imports what it uses when it runs. No timing here (that is
benchmarks/bench_cli.py): only what is loaded."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sympy", "mpmath", "matplotlib", "torch", "sklearn", "numpy", "rich", "latex2mathml")


def _loaded(code: str) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return eval(out.stdout.strip())  # a list of names printed by the probe above


def test_import_chainrule_cli_loads_no_heavy_library() -> None:
    assert _loaded("import chainrule.cli") == []


def test_help_loads_no_heavy_library() -> None:
    code = ("from chainrule.cli.main import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['--help']) == 0\n"
            "    assert main(['train', '--help']) == 0\n"
            "    assert main(['grade', '--help']) == 0")
    assert _loaded(code) == []


def test_solving_exercise_2_needs_no_numpy_or_sympy_in_any_format() -> None:
    for fmt in ("text", "markdown", "latex", "html", "json"):
        code = ("from chainrule.cli.main import main\n"
                "import contextlib, io\n"
                "with contextlib.redirect_stdout(io.StringIO()):\n"
                f"    assert main(['solve', 'exercise-2', '--format', '{fmt}']) == 0")
        # the scalar engine and the closed forms of a ReLU chain need none of them (HTML its
        # MathML converter)
        allowed = {"latex2mathml"} if fmt == "html" else set()
        assert set(_loaded(code)) <= allowed, fmt


def _modules(code: str, prefixes: tuple[str, ...]) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return eval(out.stdout.strip())  # a list of names printed by the probe above


def test_solve_loads_no_other_command() -> None:
    # each command's module is loaded when that command runs: solve loads neither the web
    # server's nor the teaching commands' nor the trainer's
    code = ("from chainrule.cli.main import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['solve', 'exercise-2']) == 0")
    others = ("chainrule.cli.serve", "chainrule.cli.teach", "chainrule.cli.train",
              "chainrule.cli.autograder", "chainrule.cli.pictures", "chainrule.web",
              "chainrule.teach", "chainrule.train.", "socket", "webbrowser")
    assert _modules(code, others) == []


def test_html_loads_the_mathml_converter_without_reading_package_metadata() -> None:
    # latex2mathml's __init__ reads its version with importlib.metadata (tens of ms): HTML
    # output loads the converter alone, and the version is still there when asked
    code = ("from chainrule.cli.main import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['solve', 'exercise-2', '--format', 'html']) == 0")
    assert _modules(code, ("importlib.metadata",)) == []
    assert "latex2mathml.converter" in _modules(code, ("latex2mathml",))
    version = ("from chainrule.render.html import mathml\n"
               "assert mathml('a_j').startswith('<math')\n"
               "import latex2mathml\n"
               "assert latex2mathml.__version__[0].isdigit()")
    assert "importlib.metadata" in _modules(version, ("importlib.metadata",))
