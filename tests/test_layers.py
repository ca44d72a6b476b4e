"""The house: `import chainrule` stays light, and the layers hold (checked in make test)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def _cycles(graph: object) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    imports = {m: sorted(graph.find_modules_directly_imported_by(m))  # type: ignore[attr-defined]
               for m in graph.modules}  # type: ignore[attr-defined]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(imports[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in imports:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(imports[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_module_imports_itself_round_a_circle() -> None:
    """Zero import cycles between chainrule's modules, counting every import (a function's
    own too: grimp cannot tell them apart, and a lazy import is still a circle)."""
    import grimp

    graph = grimp.build_graph("chainrule")
    cycles = _cycles(graph)
    assert cycles == [], "\n".join(
        " -> ".join(group) for group in cycles
    )
    # the test can fail: a made-up circle is found
    class Toy:
        modules = {"a", "b", "c"}

        @staticmethod
        def find_modules_directly_imported_by(m: str) -> set[str]:
            return {"a": {"b"}, "b": {"a"}, "c": {"a"}}[m]

    assert _cycles(Toy()) == [["a", "b"]]


FORBIDDEN_AT_TOP = ("click", "fastapi", "matplotlib", "torch")


def _top_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """The modules a file imports when it is imported: its body, classes and if/try blocks
    included, functions and ``if TYPE_CHECKING:`` left out."""
    out: list[tuple[int, str]] = []

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                out.extend((node.lineno, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                out.append((node.lineno, node.module))
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.Try):
                walk(node.body)
                walk(node.orelse)
                walk(node.finalbody)
                for handler in node.handlers:
                    walk(handler.body)
            elif isinstance(node, (ast.With, ast.ClassDef)):
                walk(node.body)

    walk(tree.body)
    return out


def test_the_lower_layers_import_no_shell_plotting_or_torch_at_module_level() -> None:
    """core, io, explain and train load no click, fastapi, matplotlib or torch when imported
    (import-linter's forbidden contract checks every import; this is the module-level rule)."""

    root = Path(__file__).resolve().parents[1] / "src" / "chainrule"
    bad = []
    for layer in ("core", "io", "explain", "train"):
        for path in sorted((root / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            bad += [f"{path.relative_to(root)}:{line}: {name}"
                    for line, name in _top_level_imports(tree)
                    if name.split(".")[0] in FORBIDDEN_AT_TOP]
    assert bad == []
    toy = ast.parse("import click\ndef f():\n    import torch\nif TYPE_CHECKING:\n"
                    "    import fastapi\ntry:\n    import matplotlib.pyplot\nexcept ImportError:"
                    "\n    pass\n")
    assert [n for _, n in _top_level_imports(toy)] == ["click", "matplotlib.pyplot"]


def _paragraphs_about(doc: str, package: str) -> str:
    """The paragraphs of docs/architecture.md whose bold head names ``package/``."""
    import re

    return "\n".join(p for p in doc.split("\n\n")
                     if re.match(r"\*\*[^*]*`" + re.escape(package) + r"/`", p))


def test_the_architecture_page_names_every_module() -> None:
    """docs/architecture.md names each module under src/chainrule in its package's paragraph
    (or by its path), so a new module cannot go undocumented."""
    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for path in sorted((root / "src" / "chainrule").rglob("*.py")):
        rel = path.relative_to(root / "src" / "chainrule")
        if path.name == "__init__.py" and len(rel.parts) > 1:
            continue
        package = "/".join(rel.parts[:-1])
        named = f"`{rel.as_posix()}`" in doc or f"`chainrule/{rel.as_posix()}`" in doc or (
            package and f"`{path.name}`" in _paragraphs_about(doc, package)
        )
        if not named:
            missing.append(rel.as_posix())
    assert missing == [], f"docs/architecture.md does not name {', '.join(missing)}"
    # and the check can fail: a module no paragraph names is found
    assert "`nowhere.py`" not in _paragraphs_about(doc, "core")
