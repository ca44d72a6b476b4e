"""Every worked-solution output written to a folder, to compare before and after a change.

``python tools/solution_snapshot.py OUTDIR`` writes one file per case (about 4,500, 260 MB,
two to three minutes): every built-in example and 46 random networks (every activation and
cost, biases, frozen weights, batches, skip connections; a 64-32-10, 5-7-3, 30-1 and 12-6-4-2
network) in every format with plain options, ``steps=2``, ``steps=3, step=2``, ``rounded``,
``notation="aima"``, ``decimals`` 6 and 1, no closed forms, another learning rate and a third
of the weights; the styled terminal output and plain text at widths 50, 80 and 120;
``--exact``; every unit's and weight's derivation (the web page's click) in four formats; the
notebook's HTML. Run it on the code before a change and after it, then ``diff -rq BEFORE
AFTER`` (no output: the same bytes). A refusal is written as its message (``ERR ...``), so
that it is compared too. (The renderers' speed work of issue 19 was checked so, with the
SHA-256 of ``chainrule solve`` of the 784-128-10 network of benchmarks/bench_render.py.)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_render  # noqa: E402
from rich.console import Console  # noqa: E402
from tests.strategies import random_network_dict  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.explain import derivation  # noqa: E402
from chainrule.explain.solution import explain  # noqa: E402
from chainrule.io.netfile import examples, load  # noqa: E402
from chainrule.render import formats  # noqa: E402
from chainrule.render import text as text_renderer  # noqa: E402
from chainrule.render.output import render_solution  # noqa: E402
from chainrule.teach.exact import render as render_exact  # noqa: E402

FORMATS = ["text", "markdown", "latex", "html", "json"]
OPTIONS: dict[str, dict[str, object]] = {
    "plain": {},
    "steps2": {"steps": 2},
    "steps3step2": {"steps": 3, "step": 2},
    "rounded": {"rounded": True},
    "aima": {"notation": "aima"},
    "dec6": {"decimals": 6},
    "dec1": {"decimals": 1},
    "nodep": {"dependency": False},
    "aima_rounded_steps2": {"notation": "aima", "rounded": True, "steps": 2},
    "lr": {"learning_rate": 0.37},
}


def networks() -> dict[str, cr.Network]:
    nets = {name: load(name) for name in examples()}
    for seed in range(40):
        nets[f"rand{seed}"] = cr.Network.from_dict(random_network_dict(seed))
    for seed in range(40, 46):
        nets[f"randbig{seed}"] = cr.Network.from_dict(random_network_dict(
            seed, max_inputs=8, max_width=7, max_outputs=4, max_samples=1))
    nets["n64"] = bench_render.network()
    nets["n5_7_3"] = bench_render.network((5, 7, 3), seed=3)
    nets["n30_1"] = bench_render.network((30, 1), seed=4)
    nets["n12_6_4_2"] = bench_render.network((12, 6, 4, 2), seed=5)
    return nets


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)

    def put(name: str, make: object) -> None:
        try:
            page = make() if callable(make) else str(make)
        except Exception as e:  # noqa: BLE001  (a refusal is an output too)
            page = f"ERR {type(e).__name__}: {e}"
        (out / name).write_text(page)

    nets = networks()
    for name, net in nets.items():
        for option, values in OPTIONS.items():
            if name == "n64" and option not in ("plain", "aima", "rounded", "steps2"):
                continue
            for fmt in FORMATS:
                put(f"{name}.{option}.{fmt}",
                    lambda net=net, fmt=fmt, values=values: render_solution(
                        net, format=fmt, **values))
        keys = list(net.weights)
        some = tuple(f"{a} -> {b}" for a, b in keys[: max(1, len(keys) // 3)])
        for fmt in ("text", "markdown"):
            put(f"{name}.weights.{fmt}", lambda net=net, fmt=fmt, some=some: render_solution(
                net, format=fmt, weights=some))
        for width, notation in ((80, "handout"), (120, "aima"), (50, "handout")):
            doc = explain(cr.solve(net, steps=2), notation=notation)
            buffer = io.StringIO()
            console = Console(file=buffer, width=width, force_terminal=True,
                              color_system="truecolor")
            text_renderer.print_document(doc, console)
            put(f"{name}.styled{width}{notation}", buffer.getvalue())
            put(f"{name}.textwidth{width}{notation}", text_renderer.render(doc, width=width))
    for name in [*examples(), "rand1", "rand2"]:
        for fmt in FORMATS:
            put(f"{name}.exact.{fmt}", lambda name=name, fmt=fmt: render_exact(
                nets[name], 1, fmt, max_digits=20000))
    for name in [*examples(), "rand3", "rand5", "n5_7_3"]:
        net = nets[name]
        trace = cr.solve(net, steps=2)
        for notation in ("handout", "aima"):
            asked = [({"unit": u.name}, u.name) for u in net.units]
            asked += [({"weight": f"{a} -> {b}"}, f"{a}-{b}") for a, b in net.weights]
            for about, label in asked:
                for fmt in ("text", "markdown", "latex", "html"):
                    put(f"{name}.deriv.{label}.{notation}.{fmt}",
                        lambda about=about, fmt=fmt, notation=notation, trace=trace:
                        formats.render_document(derivation.derivation(
                            trace, notation=notation, **about), fmt))
        put(f"{name}.nb.net", net._repr_html_)
        put(f"{name}.nb.trace", trace._repr_html_)
    print(f"{len(list(out.iterdir()))} files in {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
