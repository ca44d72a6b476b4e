"""The house: `import chainrule` stays light, and the layers hold (checked in make test)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sympy", "matplotlib", "torch", "sklearn", "latex2mathml", "chainrule.render",
         "chainrule.pictures", "chainrule.explain", "chainrule.cli", "rich", "click")


def test_import_chainrule_loads_no_renderer_and_no_heavy_library() -> None:
    code = (
        "import sys, chainrule\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_layers_contract_is_kept() -> None:
    from importlinter.cli import lint_imports

    assert lint_imports() == 0
