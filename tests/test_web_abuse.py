"""`chainrule serve` stays up under abuse (issue 18, "Stays up"): the formula bomb four times, 50
landscape requests at once and a foreign Host, over real sockets against a live server; after
them it answers a small request within a second, and its workers' memory stayed bounded."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

pytest.importorskip("fastapi")

import uvicorn  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.web.app import create_app  # noqa: E402

TIMEOUT_S = 1.0
BOMB = 'step = 1\n[dC_dw_formula]\n"i -> j" = "e^e^e^e^e^e^e^e*w"\n'


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[int, Any]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(timeout_s=TIMEOUT_S, workers=2, queue=4)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield port, app
    server.should_exit = True
    thread.join(10)


def post(port: int, path: str, body: dict[str, Any], host: str | None = None
         ) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/json"}
    if host is not None:
        headers["host"] = host
    try:
        connection.request("POST", path, json.dumps(body), headers)
        answer = connection.getresponse()
        data = json.loads(answer.read() or b"{}") if answer.getheader(
            "content-type", "").startswith("application/json") else {}
        return answer.status, data, time.monotonic() - started
    finally:
        connection.close()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def test_bombs_landscapes_and_a_foreign_host_leave_the_server_answering(
    live: tuple[int, Any],
) -> None:
    port, app = live
    small = {"network": cr.load("exercise-2").to_dict(), "steps": 1}
    assert post(port, "/api/step", small)[0] == 200  # the workers are up
    net = cr.load("aima-21").to_dict()
    landscape = {"network": net, "weights": list(net["weights"])[:2], "steps": 200}
    bomb = {"network": cr.load("exercise-2").to_dict(), "answers": BOMB}
    jobs: list[tuple[str, dict[str, Any], str | None]] = (
        [("/api/check", bomb, None)] * 4 + [("/api/landscape", landscape, None)] * 50
        + [("/api/step", small, f"evil.example:{port}")])
    with ThreadPoolExecutor(max_workers=len(jobs)) as clients:
        answers = list(clients.map(lambda job: post(port, *job), jobs))
    bombs, landscapes, foreign = answers[:4], answers[4:54], answers[54]
    for status, data, seconds in bombs:
        # refused by the formula's own budget (400) or stopped at the deadline (503)
        assert status in (400, 429, 503), data
        assert seconds < TIMEOUT_S + 3
    statuses = [status for status, _, _ in landscapes]
    assert set(statuses) <= {200, 429, 503}
    assert statuses.count(429) >= 40  # 2 at work and 4 waiting: the rest are told at once
    assert all("busy" in data["error"] for status, data, _ in landscapes if status == 429)
    assert foreign[0] == 421 and "not this server's address" in foreign[1]["error"]
    status, _, seconds = post(port, "/api/step", small)
    assert status == 200 and seconds < 1.0
    pool = app.state.pool()[0]
    assert all(rss_mb(pid) < pool.memory_mb + 200 for pid in pool.pids())
