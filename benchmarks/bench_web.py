"""Benchmark: one step on the web page of `chainrule serve`, for handout-sized networks.

What the page asks when you press Step: ``POST /api/step`` with the network, ``steps: 1`` and a
view (the diagram with the backward pass), answered by a real uvicorn server over HTTP on
127.0.0.1, from the request to the last byte of the answer. The target is under 50 ms (the
page feels immediate). Also shown: the library's own work for it (the step, the next step and
the SVG diagram, no HTTP), so the server's overhead is visible, and the derivation of one
weight (the click on an arrow).

Run: .venv/bin/python benchmarks/bench_web.py   (needs the web extra)
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable

import uvicorn

import chainrule as cr
from chainrule.web import work
from chainrule.web.app import create_app

TARGET_MS = 50.0
REPEATS = 200
NETWORKS = ("exercise-2", "exercise-3", "aima-21")


def timed(call: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Median and 95th percentile of ``call``'s wall time, in ms (after 10 warm-up calls)."""
    for _ in range(10):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * len(times)) - 1]


def main() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    worst = 0.0
    connection = http.client.HTTPConnection("127.0.0.1", port)  # kept alive, as a browser does

    def post(path: str, body: dict[str, object]) -> None:
        connection.request("POST", path, json.dumps(body),
                           {"content-type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}")

    try:
        for name in NETWORKS:
            net = cr.load(name).to_dict()
            body = {"network": net, "steps": 1, "view": "backward"}

            def step(body: dict[str, object] = body) -> None:
                post("/api/step", body)

            weight = next(iter(net["weights"]))

            def derive(net: dict[str, object] = net, weight: str = weight) -> None:
                post("/api/derivation", {"network": net, "weight": weight})

            def library(net: dict[str, object] = net) -> None:
                work.advance(net, 1, "backward")

            http_median, http_p95 = timed(step)
            lib_median, _ = timed(library)
            derive_median, derive_p95 = timed(derive, 50)
            worst = max(worst, http_median)
            print(f"{name:11s} ({len(net['weights'])} weights): Step over HTTP "
                  f"median {http_median:5.1f} ms, p95 {http_p95:5.1f} ms "
                  f"(the library's part {lib_median:4.1f} ms); derivation of "
                  f"{weight!r} median {derive_median:5.1f} ms, p95 {derive_p95:5.1f} ms")
    finally:
        connection.close()
        server.should_exit = True
        thread.join(10)
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(f"slowest median Step {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
