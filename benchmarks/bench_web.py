"""Benchmark: one Step on the web page, over a real socket, against a running `chainrule serve`.

What the page asks when you press Step (or Play): ``POST /api/step`` with the network as the
run has it now, ``steps: 1``, the steps taken, 4 decimals and the view (the diagram with the
backward pass), one step after another as the run goes on, answered by ``chainrule serve``
(started here as a separate process, exactly as a user starts it, unless ``--url`` names one
already running),
timed from the request to the last byte of the answer over a kept-alive connection, as a
browser sends it. The target is under 10 ms for Exercise 2 and the AIMA network. Also shown:
the library's own work for it (no HTTP, no process), so the server's overhead is visible, and
the derivation of one weight (a click on an arrow).

Run: python benchmarks/bench_web.py [--url http://127.0.0.1:8000/]   (needs the web extra)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import chainrule as cr
from chainrule.web import work

TARGET_MS = 10.0
REPEATS = 200
NETWORKS = ("exercise-2", "aima-21")


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


@contextmanager
def running_server(url: str | None) -> Iterator[tuple[str, int]]:
    """The host and port of a `chainrule serve`: ``url``'s, or one started here on a free port."""
    if url:
        parts = urllib.parse.urlsplit(url)
        yield parts.hostname or "127.0.0.1", parts.port or 80
        return
    env = {**os.environ, "PYTHONPATH": str(Path(cr.__file__).resolve().parents[1])}
    server = subprocess.Popen([sys.executable, "-m", "chainrule", "serve", "--port", "0"],
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()  # chainrule serve: http://127.0.0.1:PORT/  (Ctrl-C...)
        if not line.startswith("chainrule serve: http://"):
            raise RuntimeError(f"chainrule serve did not start: {line}{server.stderr.read()}")
        parts = urllib.parse.urlsplit(line.split()[2])
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        deadline = time.monotonic() + 60
        while True:  # until it answers (its workers start with it)
            try:
                probe = http.client.HTTPConnection(host, port, timeout=5)
                probe.request("GET", "/api/examples")
                probe.getresponse().read()
                probe.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield host, port
    finally:
        server.terminate()
        server.wait(15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running `chainrule serve` (default: start one)")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    worst = 0.0
    print("load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with running_server(args.url) as (host, port):
        connection = http.client.HTTPConnection(host, port)  # kept alive, as a browser does

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
                # the page's requests, one per step of the run: the network as it is now
                run = [net]
                for _ in range(args.repeats + 10):
                    run.append(work.advance(run[-1], 1, "weights")["network"])
                bodies = iter([{"network": state, "steps": 1, "view": "backward", "taken": k,
                                "decimals": 4} for k, state in enumerate(run)])

                def step(bodies: Iterator[dict[str, object]] = bodies) -> None:
                    post("/api/step", next(bodies))

                weight = next(iter(net["weights"]))

                def derive(net: dict[str, object] = net, weight: str = weight) -> None:
                    post("/api/derivation", {"network": net, "weight": weight})

                def library(net: dict[str, object] = net) -> None:
                    work.advance_json(net, 1, "backward", decimals=4)

                http_median, http_p95 = timed(step, args.repeats)
                lib_median, _ = timed(library, args.repeats)
                derive_median, derive_p95 = timed(derive, 50)
                worst = max(worst, http_median)
                print(f"{name:11s} ({len(net['weights'])} weights): Step over a socket "
                      f"median {http_median:5.1f} ms, p95 {http_p95:5.1f} ms "
                      f"(the library's part {lib_median:4.1f} ms); derivation of "
                      f"{weight!r} median {derive_median:5.1f} ms, p95 {derive_p95:5.1f} ms")
        finally:
            connection.close()
    print("load average (1, 5, 15 min) after: {:.2f} {:.2f} {:.2f} on {} cores".format(
        *os.getloadavg(), os.cpu_count()))
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(f"slowest median Step {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
