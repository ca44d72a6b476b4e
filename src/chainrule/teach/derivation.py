"""Each quantity's symbol and its one-line derivation with numbers, in the handout's notation:
``dC/da_k = 2(a_k - y_k) = 2(0.3973 - 1) = -1.2054``. Formulas come from the math table."""

from __future__ import annotations

from chainrule.core import mathtable
from chainrule.explain.notation import Numbers
from chainrule.teach.quantities import Graph, Node


def _w(key: tuple[str, str]) -> str:
    a, b = key
    return f"w_{a}{b}" if len(a) == len(b) == 1 else f"w_({a},{b})"


def symbol(graph: Graph, node: Node) -> str:
    """``a_j``, ``dC/dw_ij``, ``new w_jk``, ``C``; ``(sample 2) z_k`` in a batch."""
    kind, u = node.kind, node.unit
    prefix = f"(sample {node.sample + 1}) " if graph.n_samples > 1 and node.sample >= 0 else ""
    if node.key is not None:
        w = _w(node.key)
        return {"gw": f"{prefix}dC/d{w}", "dC_dw": f"dC/d{w}", "new_w": f"new {w}"}[kind]
    if kind == "C":
        return "C"
    if kind == "C_sample":
        return f"{prefix}C"
    text = {
        "input": "a_{u}", "z": "z_{u}", "a": "a_{u}", "da_dz": "da_{u}/dz_{u}",
        "dC_da": "dC/da_{u}", "dC_dz": "dC/dz_{u}", "gb": "dC/db_{u}", "dC_db": "dC/db_{u}",
        "new_b": "new b_{u}",
    }[kind].format(u=u)
    return prefix + text


def derivation(graph: Graph, node: Node, values: list[float], decimals: int = 4) -> str:
    """``symbol = formula = formula with numbers = value``, the numbers from ``values``."""
    num = Numbers(decimals)

    def f(i: int) -> str:
        text = num(values[i])
        return f"({text})" if text.startswith("-") else text

    def n(x: float) -> str:
        text = num(x)
        return f"({text})" if text.startswith("-") else text

    net = graph.network
    kind, u, s = node.kind, node.unit, node.sample
    lhs = symbol(graph, node)
    result = num(values[node.index])
    forms: list[str] = []
    if kind == "z" and u is not None:
        keys = [k for k in net.weights if k[1] == u]
        sym = [f"a_{k[0]} · {_w(k)}" for k in keys]
        nums = [f"{f(graph.at('a', s, k[0]))} · {n(graph.w[k])}" for k in keys]
        if u in graph.b:
            sym.append(f"b_{u}")
            nums.append(n(graph.b[u]))
        forms = [" + ".join(sym), " + ".join(nums)]
    elif kind == "a" and u is not None:
        unit = net.unit[u]
        fn = unit.function
        p = num(unit.parameter) if unit.parameter is not None else ""
        if fn.kind == "softmax":
            forms = [mathtable.fill(fn.formula, z=f"z_{u}")]
        elif unit.activation != "identity":
            z = graph.at("z", s, u)
            forms = [mathtable.fill(fn.formula, z=f"z_{u}", p=p),
                     mathtable.fill(fn.formula, z=f(z), p=p)]
        else:
            forms = [f"z_{u}"]
    elif kind == "da_dz" and u is not None:
        unit = net.unit[u]
        fn = unit.function
        p = num(unit.parameter) if unit.parameter is not None else ""
        z, a = graph.at("z", s, u), graph.at("a", s, u)
        forms = [f"g'(z_{u})"]
        if fn.slope_formula != "1":
            forms += [mathtable.fill(fn.slope_formula, z=f"z_{u}", a=f"a_{u}", p=p),
                      mathtable.fill(fn.slope_formula, z=f(z), a=f(a), p=p)]
    elif kind == "dC_da" and u is not None:
        if u in net.outputs:
            c = graph.cost
            y = float(net.samples[s].targets[u])
            k = str(len(net.outputs))
            forms = [mathtable.fill(c.slope_formula, a=f"a_{u}", y=f"y_{u}", K=k),
                     mathtable.fill(c.slope_formula, a=f(graph.at("a", s, u)), y=n(y), K=k)]
        else:
            keys = [k for k in net.weights if k[0] == u]
            forms = [" + ".join(f"{_w(k)} · dC/dz_{k[1]}" for k in keys),
                     " + ".join(f"{n(graph.w[k])} · {f(graph.at('dC_dz', s, k[1]))}"
                                for k in keys)]
    elif kind == "dC_dz" and u is not None:
        if ("da_dz", s, u) in graph.index:
            forms = [f"da_{u}/dz_{u} · dC/da_{u}",
                     f"{f(graph.at('da_dz', s, u))} · {f(graph.at('dC_da', s, u))}"]
        else:
            forms = [f"a_{u} (dC/da_{u} - sum_j a_j dC/da_j), through the whole softmax"]
    elif kind in ("gw", "dC_dw") and node.key is not None:
        src, dst = node.key
        if kind == "gw" or graph.n_samples == 1:
            sample = s if kind == "gw" else 0
            forms = [f"a_{src} · dC/dz_{dst}",
                     f"{f(graph.at('a', sample, src))} · {f(graph.at('dC_dz', sample, dst))}"]
        else:
            forms = [f"1/{graph.n_samples} ("
                     + " + ".join(f(d) for d in node.deps) + ")"]
    elif kind in ("gb", "dC_db") and u is not None:
        if kind == "gb" or graph.n_samples == 1:
            forms = [f"dC/dz_{u}"]
        else:
            forms = [f"1/{graph.n_samples} (" + " + ".join(f(d) for d in node.deps) + ")"]
    elif kind in ("new_w", "new_b"):
        name = _w(node.key) if node.key else f"b_{u}"
        old = graph.w[node.key] if node.key else graph.b[u or ""]
        forms = [f"{name} - r · dC/d{name}",
                 f"{n(old)} - {n(graph.r)} · {f(node.deps[0])}"]
    elif kind in ("C", "C_sample"):
        if kind == "C" and graph.n_samples > 1:
            forms = [f"1/{graph.n_samples} (" + " + ".join(f(d) for d in node.deps) + ")"]
        else:
            c = graph.cost
            k = str(len(net.outputs))
            sample = 0 if kind == "C" else s
            outs = net.outputs
            forms = [
                " + ".join(mathtable.fill(c.formula, a=f"a_{o}", y=f"y_{o}", K=k) for o in outs),
                " + ".join(
                    mathtable.fill(c.formula, a=f(graph.at("a", sample, o)),
                                   y=n(float(net.samples[sample].targets[o])), K=k)
                    for o in outs
                ),
            ]
    return " = ".join([lhs, *forms, result])
