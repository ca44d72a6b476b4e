"""The web API (`chainrule serve`): the same answers and the same one-line errors as the CLI,
the limits, and no file-system access. FastAPI's TestClient; schemathesis runs in
test_web_schema.py and the page in test_web_page.py."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.cli.main import main  # noqa: E402
from chainrule.explain.derivation import derivation, equations  # noqa: E402
from chainrule.explain.notation import Numbers  # noqa: E402
from chainrule.pictures.diagram import svg  # noqa: E402
from chainrule.web import limits  # noqa: E402
from chainrule.web.app import create_app  # noqa: E402

EXAMPLES = sorted(cr.examples())


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def example(name: str) -> dict[str, Any]:
    return cr.load(name).to_dict()


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", EXAMPLES)
def test_solve_answers_exactly_the_cli_json(
    name: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(example(name)))
    code, out, _ = cli(["solve", str(path), "--format", "json", "--steps", "3"], capsys)
    assert code == 0
    answer = client.post("/api/solve", json={"network": example(name), "steps": 3})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == out


def test_solve_takes_the_cli_options_by_their_long_names(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = cli(["solve", "exercise-1", "--format", "json", "--steps", "2",
                     "--learning-rate", "0.5", "--step", "2", "--decimals", "6",
                     "--notation", "aima"], capsys)
    answer = client.post("/api/solve", json={
        "network": example("exercise-1"), "steps": 2, "learning_rate": 0.5, "step": 2,
        "decimals": 6, "notation": "aima"})
    assert answer.status_code == 200 and answer.text == out


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_the_worked_solution_is_the_clis(
    fmt: str, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = cli(["solve", "exercise-2", "--format", fmt, "--steps", "2",
                     "--weights", "j -> k"], capsys)
    answer = client.post("/api/solution", json={
        "network": example("exercise-2"), "format": fmt, "steps": 2, "weights": "j -> k"})
    assert answer.status_code == 200
    assert answer.text == out


BAD = {
    "unknown unit": ('{"units": {"i": "input", "k": "relu"}, "weights": {"i -> q": 1}, '
                     '"samples": [{"inputs": {"i": 1}, "targets": {"k": 1}}]}'),
    "not finite": ('{"units": {"i": "input", "k": "relu"}, "weights": {"i -> k": NaN}, '
                   '"samples": [{"inputs": {"i": 1}, "targets": {"k": 1}}]}'),
    "unknown key": '{"units": {}, "wieghts": {}}',
    "cycle": ('{"units": {"i": "input", "a": "relu", "b": "relu"}, '
              '"weights": {"i -> a": 1, "a -> b": 1, "b -> a": 1}, '
              '"samples": [{"inputs": {"i": 1}, "targets": {}}]}'),
    "bad JSON": '{"units": {"i": "input",',
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_network_file_gets_the_clis_one_line_message(
    case: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "net.json"
    path.write_text(BAD[case])
    code, _, err = cli(["solve", str(path)], capsys)
    assert code == 2
    answer = client.post("/api/parse", json={"text": BAD[case], "format": "json",
                                             "name": str(path)})
    assert answer.status_code == 400
    assert answer.json() == {"error": err.strip().removeprefix("chainrule: ")}


@pytest.mark.parametrize("case", sorted(set(BAD) - {"bad JSON", "not finite"}))
def test_a_bad_network_structure_gets_the_loaders_message(
    case: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "net.json"
    path.write_text(BAD[case])
    _, _, err = cli(["solve", str(path)], capsys)
    answer = client.post("/api/solve", json={"network": json.loads(BAD[case])})
    assert answer.status_code == 400
    message = answer.json()["error"]
    assert message.startswith("network: ")
    # the CLI's line names the file (and the line); the rest is the same
    _, cli_rest = err.strip().split(": ", 1)
    assert message.removeprefix("network: ") == cli_rest.split(": ", 1)[-1] or (
        message.removeprefix("network: ") in cli_rest
    )
    assert "\n" not in message


def test_errors_are_one_line_json_for_every_kind_of_bad_request(client: TestClient) -> None:
    net = example("exercise-2")
    cases = [
        ({"network": net, "steps": 0}, 422, "steps"),
        ({"network": net, "steps": "3"}, 422, "steps"),
        ({"network": net, "output": "x.json"}, 422, "output: unknown option"),
        ({"network": "exercise-2"}, 422, "network"),
        ({}, 422, "network: missing"),
        ({"network": net, "steps": 2, "step": 3}, 400, "`step` 3 is past the last step"),
        ({"network": net, "learning_rate": -1}, 400,
         "`learning_rate` must be a finite number > 0"),
    ]
    for body, status, text in cases:
        answer = client.post("/api/solve", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert set(answer.json()) == {"error"} and text in answer.json()["error"], answer.text
        assert "\n" not in answer.json()["error"]
    answer = client.post("/api/solve", content=b"{not json", headers={
        "content-type": "application/json"})
    assert answer.status_code == 422 and "not valid JSON" in answer.json()["error"]
    deep = '{"network": {"title": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    answer = client.post("/api/solve", content=deep, headers={
        "content-type": "application/json"})
    assert answer.status_code == 400 and "nested too deeply" in answer.json()["error"]
    for body, words in (
        (b'{"network": {"title": "\xff\xfe"}}', "not UTF-8 text (byte 23"),
        (b"{\"network\": {\"title\": " + b"9" * 4301 + b"}}",
         "number in the request body is too long"),
        (b"{\"network\": {\"title\": " + b"9" * 4300 + b"}}", "title: must be a string"),
    ):
        answer = client.post("/api/solve", content=body,
                             headers={"content-type": "application/json"})
        assert answer.status_code == 400 and words in answer.json()["error"], answer.text
        assert "nested" not in answer.json()["error"]
        assert len(answer.json()["error"]) <= 400
    assert client.get("/api/nothing-here").json() == {"error": "Not Found"}
    unknown = client.get("/api/examples/nope")
    assert unknown.status_code == 404 and "built-ins are" in unknown.json()["error"]


def test_a_body_over_1_mb_is_refused_with_413(client: TestClient) -> None:
    big = b'{"network": {"title": "' + b"x" * limits.MAX_BODY_BYTES + b'"}}'
    answer = client.post("/api/solve", content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and "1 MB" in answer.json()["error"]

    def chunks() -> Any:  # no content-length: counted as it streams
        yield b'{"network": {"title": "'
        for _ in range(11):
            yield b"x" * 100_000
        yield b'"}}'

    answer = client.post("/api/solve", content=chunks(),
                         headers={"content-type": "application/json"})
    assert answer.status_code == 413 and "1 MB" in answer.json()["error"]


def test_steps_and_network_size_over_the_limits_are_refused_clearly(client: TestClient) -> None:
    answer = client.post("/api/solve", json={"network": example("exercise-1"),
                                             "steps": limits.MAX_STEPS + 1})
    assert answer.status_code == 422
    assert f"less than or equal to {limits.MAX_STEPS}" in answer.json()["error"]
    n = limits.MAX_UNITS
    units = {"i": "input", **{f"h{k}": "relu" for k in range(n)}}
    wide = {"units": units, "weights": {f"i -> h{k}": 0.1 for k in range(n)},
            "samples": [{"inputs": {"i": 1}, "targets": {f"h{k}": 0 for k in range(n)}}]}
    answer = client.post("/api/solve", json={"network": wide})
    assert answer.status_code == 400
    assert answer.json()["error"] == (
        f"network: {n + 1} units is more than this server works on (at most {n}); "
        "use `chainrule solve` or `chainrule train` on your own machine")


def test_no_request_reaches_the_file_system(client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "net.toml"
    secret.write_text(cr.example_text("exercise-2"))
    for network in (str(secret), "exercise-2"):
        answer = client.post("/api/solve", json={"network": network})
        assert answer.status_code == 422
    # a name is only used in messages
    answer = client.post("/api/parse", json={"text": "[units", "name": str(secret)})
    assert answer.status_code == 400 and "not valid TOML" in answer.json()["error"]


def test_the_page_step_runs_steps_and_shows_the_next(client: TestClient) -> None:
    net = example("exercise-2")
    answer = client.post("/api/step", json={"network": net, "steps": 3, "view": "backward"})
    assert answer.status_code == 200
    got = answer.json()
    trace = cr.solve("exercise-2", 4)
    assert got["costs"] == trace.costs[:3]
    assert got["network"] == cr.solve("exercise-2", 3).final.to_dict()
    assert got["cost"] == trace.step(4).cost
    assert got["step"]["gradients"] == trace.step(4).to_json()["gradients"]
    # the diagram of the next step, numbered as the page counts: 2 steps before, 3 taken now;
    # laid out steady (it stays put from step to step)
    assert got["diagram"] == svg(cr.solve(cr.solve("exercise-2", 3).final, 1), "backward",
                                 steps_before=3, steady=True)
    assert "backward pass, step 4" in got["diagram"]
    later = client.post("/api/step", json={"network": net, "steps": 3, "view": "backward",
                                           "taken": 2})
    assert "backward pass, step 6" in later.json()["diagram"]
    nothing = client.post("/api/step", json={"network": net, "steps": 0, "view": "weights"})
    assert nothing.json()["costs"] == [] and nothing.json()["network"] == net
    assert nothing.json()["diagram"] == svg(cr.solve("exercise-2", 1), steady=True)
    assert "weights before step 1" in nothing.json()["diagram"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_derivation_is_the_worked_solutions_lines_with_the_traces_numbers(
    name: str, client: TestClient
) -> None:
    net = cr.load(name)
    trace = cr.solve(net, 1)
    step = trace.to_json()["steps"][0]
    for weight in step["gradients"]["weights"]:
        got = client.post("/api/derivation", json={"network": net.to_dict(), "weight": weight})
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["values"]["gradient"] == step["gradients"]["weights"][weight]
        assert body["values"]["after"] == step["after"]["weights"][weight]
        doc = derivation(trace, weight=weight)
        assert [line["forms"] for line in body["lines"]] == [
            [f.text for f in eq.forms] for eq in equations(doc)]
        # the gradient line ends with the Trace's number, rounded as shown
        gradient = next(line for line in body["lines"] if line["lhs"].startswith("dC/dw"))
        assert float(gradient["forms"][-1]) == pytest.approx(
            step["gradients"]["weights"][weight], abs=1e-4)
        assert "<math" in body["html"]
    for unit, values in step["samples"][0]["units"].items():
        got = client.post("/api/derivation", json={"network": net.to_dict(), "unit": unit})
        assert got.json()["values"]["units"][0] == values


def test_a_derivation_is_numbered_as_the_page_counts_its_steps(client: TestClient) -> None:
    net = cr.solve("exercise-2", 30).final.to_dict()
    got = client.post("/api/derivation", json={"network": net, "weight": "j -> k",
                                               "taken": 30}).json()
    assert [line["label"] for line in got["lines"] if line["label"]] == [
        "31.3.1", "31.3.2", "31.3.3"]
    assert got["values"]["gradient"] == cr.solve("exercise-2", 31).step(31).gradients()[
        "weights"]["j -> k"]


def test_a_derivation_of_something_not_there_names_what_is(client: TestClient) -> None:
    net = example("exercise-2")
    answer = client.post("/api/derivation", json={"network": net, "weight": "i -> k"})
    assert answer.status_code == 400
    assert answer.json()["error"] == (
        "no weight 'i -> k' in this network; weights are i -> j, j -> k")
    answer = client.post("/api/derivation", json={"network": net})
    assert answer.json()["error"] == "give exactly one of unit, weight or bias to derive"


def test_diagram_landscape_and_toml_come_from_the_library(client: TestClient) -> None:
    net = example("aima-21")
    answer = client.post("/api/diagram", json={"network": net, "values": "forward"})
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.text == svg(cr.solve("aima-21", 1), "forward")
    answer = client.post("/api/toml", json={"network": net})
    assert answer.text == cr.dumps_toml(cr.load("aima-21"))
    assert cr.loads(answer.text).to_dict() == net
    answer = client.post("/api/landscape", json={"network": net, "weights": ["u3 -> u5"],
                                                 "steps": 5})
    assert answer.status_code == 200 and "<svg" in answer.text
    # its numbers as the page writes every number: 4 decimals, as the status line's C
    from chainrule.pictures.plot import landscape_data

    later = cr.solve("aima-21", 30).final
    answer = client.post("/api/landscape", json={"network": later.to_dict(),
                                                 "weights": ["u3 -> u5"], "steps": 5})
    data = landscape_data(later, ["u3 -> u5"], 5)
    for number in (data.gradient[0], data.current[0], data.current_cost):
        assert Numbers(4)(number) in answer.text, number
    assert Numbers(4)(data.current_cost) == "0.0132"
    assert f"{data.current_cost:.4g}" == "0.01317" not in answer.text
    answer = client.post("/api/landscape", json={"network": net, "weights": ["u3 -> u9"]})
    assert answer.status_code == 400 and "its weights are" in answer.json()["error"]


def test_examples_are_listed_and_served_as_json_and_toml(client: TestClient) -> None:
    listed = client.get("/api/examples").json()["examples"]
    assert [e["name"] for e in listed] == EXAMPLES
    one = client.get("/api/examples/exercise-3").json()
    assert one["network"] == example("exercise-3")
    assert one["toml"] == cr.example_text("exercise-3")


def test_a_slow_request_is_stopped_at_its_deadline_and_its_worker_killed() -> None:
    net = example("aima-21")
    slow = {"network": net, "weights": list(net["weights"])[:2], "steps": 20}  # ~1 s of work
    with TestClient(create_app(timeout_s=0.3, workers=1)) as quick:
        pool = quick.app.state.pool()[0]  # type: ignore[attr-defined]
        before = set(pool.pids())
        answer = quick.post("/api/landscape", json=slow)
        assert answer.status_code == 503
        assert "longer than this server allows (0.3 s) and was stopped" in answer.json()["error"]
        assert pool.killed == 1
        for pid in before - set(pool.pids()):  # the worker that ran it is gone, not running on
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        other = quick.post("/api/step", json={"network": example("exercise-1")})
        assert other.status_code == 200


def test_the_work_size_is_checked_before_the_work(client: TestClient) -> None:
    n = 60
    units = {"i": "input", **{f"h{k}": "sigmoid" for k in range(n)}}
    wide = {"units": units, "weights": {f"i -> h{k}": 0.1 for k in range(n)},
            "samples": [{"inputs": {"i": 1}, "targets": {f"h{k}": 0 for k in range(n)}}] * 200}
    started = time.monotonic()
    answer = client.post("/api/solve", json={"network": wide, "steps": 10_000})
    assert answer.status_code == 400, answer.text
    most = limits.MAX_SHOWN // (200 * (5 * (n + 1) + n) + 3 * n)
    assert answer.json()["error"].startswith(
        "steps: 10000 steps of a network of 60 weights, 61 units and 200 samples is more work "
        f"than this server does at once (at most {most} steps of this network)")
    answer = client.post("/api/step", json={"network": wide, "steps": most})
    assert answer.status_code == 200  # the page's Step writes out only the next step
    units = {"i": "input", **{f"h{k}": "sigmoid" for k in range(200)}}
    big = {"units": units, "weights": {f"i -> h{k}": 0.1 for k in range(200)},
           "samples": [{"inputs": {"i": 1}, "targets": {f"h{k}": 0 for k in range(200)}}]}
    answer = client.post("/api/landscape", json={"network": big, "weights": ["i -> h0",
                                                                             "i -> h1"]})
    assert answer.status_code == 400 and "landscape over 2 weights" in answer.json()["error"]
    assert time.monotonic() - started < 5


def test_pool_kills_a_task_at_its_deadline_and_bounds_memory() -> None:
    from chainrule.web.pool import Done, Failed, Pool, Timeout

    pool = Pool(1, memory_mb=64)
    try:
        assert pool.call(5, sum, [1, 2, 3]) == Done(6)
        (pid,) = pool.pids()
        started = time.monotonic()
        with pytest.raises(Timeout):
            pool.call(0.2, time.sleep, 30)
        assert time.monotonic() - started < 2
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert pool.call(5, sum, [4]) == Done(4)  # a fresh worker
        answer = pool.call(10, bytearray, 4_000_000_000)  # 4 GB: over its memory allowance
        assert isinstance(answer, Failed) and answer.status == 503
        assert "more memory than this server allows" in answer.message
        assert pool.call(5, sum, [5]) == Done(5)
    finally:
        pool.close()


def test_the_openapi_schema_and_the_page_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/solve", "/api/derivation", "/api/step", "/api/solution", "/api/diagram",
            "/api/landscape", "/api/parse", "/api/toml"} <= set(schema["paths"])
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    for answer in (page, client.get("/static/app.js"), client.get("/api/examples")):
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "form-action 'self'" in policy
        assert "base-uri 'none'" in policy and "frame-ancestors 'none'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_only_requests_to_this_servers_address_are_answered() -> None:
    from chainrule.web.app import host_allowed

    with TestClient(create_app(), base_url="http://127.0.0.1:8000") as local:
        assert local.get("/api/examples").status_code == 200
        for host in ("localhost:8000", "[::1]:8000", "127.0.0.1:8000"):
            assert local.get("/api/examples", headers={"host": host}).status_code == 200
        for host in ("evil.example:8000", "127.0.0.1:9999", "localhost", "127.0.0.1.evil:8000",
                     "", "[::1", "localhost:80x"):
            answer = local.get("/api/examples", headers={"host": host})
            assert answer.status_code == 421, host
            assert "is not this server's address" in answer.json()["error"]
    assert host_allowed("192.168.1.5:8000", ("192.168.1.5", 8000))
    assert not host_allowed("localhost:8000", ("192.168.1.5", 8000))
    assert host_allowed("example.org", ("127.0.0.1", 80), ["example.org"])
    assert host_allowed("[::1]:8000", ("::1", 8000))
    assert not host_allowed(None, ("127.0.0.1", 80))


def test_serve_says_when_the_port_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, _, err = cli(["serve", "--port", str(port)], capsys)
    assert code == 2
    assert err == (f"chainrule: port {port} on 127.0.0.1 is already in use (another server?); "
                   "choose another with --port\n")


def test_serve_listens_with_tcp_nodelay() -> None:
    from chainrule.cli.serve import bind

    sock = bind("127.0.0.1", 0)
    try:
        # asyncio sets TCP_NODELAY on a connection whose socket says it is TCP by number, and
        # Linux passes the listening socket's option on to the connections it accepts
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        with socket.create_connection(sock.getsockname()):
            accepted, _ = sock.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_serve_names_the_web_extra_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastapi" else real(name, *a))
    code, _, err = cli(["serve"], capsys)
    assert code == 2
    assert err == ("chainrule: `chainrule serve` needs the web extra (fastapi not installed): "
                   "pip install 'chainrule[web]'\n")


ANSWERS = """\
step = 1
C = 0.3632
[a]
j = 0.602
[dC_da]
k = -0.6027
[dC_dz]
k = -0.6027
"""


def test_check_marks_answers_as_chainrule_check_does(
    client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(ANSWERS)
    code, out, _ = cli(["check", "exercise-2", str(path), "--format", "json"], capsys)
    assert code == 3
    answer = client.post("/api/check", json={"network": example("exercise-2"),
                                             "answers": ANSWERS})
    assert answer.status_code == 200
    got = answer.json()
    assert "dropped-two" in got["html"] and got["all_right"] is False
    assert {k: v for k, v in got.items() if k not in ("html", "all_right")} == json.loads(out)
    sheet = client.post("/api/answers-template", json={"network": example("exercise-2")})
    _, template, _ = cli(["answers-template", "exercise-2"], capsys)
    assert sheet.text == template
    bad = client.post("/api/check", json={"network": example("exercise-2"),
                                          "answers": "[a]\nq = 1\n"})
    assert bad.status_code == 400 and "no unit named q" in bad.json()["error"]
    # the page's notation reaches the feedback, as check --notation aima
    code, out, _ = cli(["check", "exercise-2", str(path), "--format", "json",
                        "--notation", "aima"], capsys)
    aima = client.post("/api/check", json={"network": example("exercise-2"),
                                           "answers": ANSWERS, "notation": "aima"}).json()
    assert {k: v for k, v in aima.items() if k not in ("html", "all_right")} == json.loads(out)
    assert "Delta" in aima["html"] and "Delta" not in got["html"]
    odd = client.post("/api/check", json={"network": example("exercise-2"),
                                          "answers": ANSWERS, "notation": "latin"})
    assert odd.status_code in (400, 422) and "notation" in odd.text


def test_chainrule_serve_serves_until_interrupted(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    env = {**os.environ, "PYTHONPATH": str(Path(cr.__file__).parents[1])}
    server = subprocess.Popen([sys.executable, "-m", "chainrule", "serve", "--port", "0"],
                              stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        assert line.startswith("chainrule serve: http://127.0.0.1:"), line
        url = line.split()[2]
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url + "api/examples", timeout=5) as answer:
                    listed = json.load(answer)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert [e["name"] for e in listed["examples"]] == EXAMPLES
        with urllib.request.urlopen(url, timeout=5) as page:
            assert "chainrule" in page.read().decode()
        # Every connection has TCP_NODELAY: an answer does not wait ~40 ms for a delayed ACK.
        import http.client
        import statistics

        port = int(url.rstrip("/").rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = json.dumps({"network": example("exercise-2"), "steps": 1, "view": "backward"})
        times = []
        for _ in range(15):
            started = time.perf_counter()
            connection.request("POST", "/api/step", body, {"content-type": "application/json"})
            answer = connection.getresponse()
            assert answer.status == 200 and answer.read()
            times.append(time.perf_counter() - started)
        connection.close()
        assert statistics.median(times) < 0.030, times
        server.send_signal(signal.SIGINT)  # Ctrl-C: the normal way to stop it
        assert server.wait(15) == 0
        assert server.stderr.read().strip() == "chainrule serve: stopped"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


def test_the_structure_edits_give_valid_networks_or_one_line(client: TestClient) -> None:
    net = example("aima-21")
    answer = client.post("/api/edit", json={"network": net, "operation": "add-unit", "layer": 1})
    assert answer.status_code == 200
    grown = answer.json()["network"]
    assert list(grown["units"]) == ["x1", "x2", "u3", "u4", "u6", "u5"]
    assert {w: grown["weights"][w] for w in ("x1 -> u6", "x2 -> u6", "u6 -> u5")} == {
        "x1 -> u6": 0.1, "x2 -> u6": 0.1, "u6 -> u5": 0.1}
    assert grown["biases"]["u6"] == 0.0
    cr.solve(grown, 1)  # a network the library runs
    back = client.post("/api/edit", json={"network": grown, "operation": "remove-unit",
                                          "unit": "u6"}).json()["network"]
    assert back == net
    for body, words in (
        ({"operation": "remove-unit", "unit": "u5"}, "only unit of its layer"),
        ({"operation": "remove-layer", "layer": 0}, "is not a hidden layer"),
        ({"operation": "activation", "unit": "x1", "value": "relu"}, "an input has no"),
        ({"operation": "activation", "unit": "u3", "value": "nope"}, "valid activations are"),
        ({"operation": "cost", "value": "binary_cross_entropy"}, None),
    ):
        answer = client.post("/api/edit", json={"network": net, **body})
        if words is None:
            assert answer.status_code == 200
        else:
            assert answer.status_code == 400 and words in answer.json()["error"], answer.text
    assert client.post("/api/edit", json={"network": net, "operation": "x"}).status_code == 422
    assert client.get("/api/choices").json()["costs"][0] == "squared_error"


def test_docs_web_md_documents_every_endpoint_and_status() -> None:
    """docs/web.md is where the API beyond CONTRACT.md is written down: every endpoint of the
    app in its table and in "Each request and its answer", every status code it answers in
    "Status codes"."""
    import re

    from chainrule.web.app import ERRORS

    page = (Path(__file__).resolve().parent.parent / "docs" / "web.md").read_text("utf-8")
    table = page[page.index("| endpoint | answers |"):page.index("### Each request")]
    each = page[page.index("### Each request"):page.index("### Status codes")]
    statuses = page[page.index("### Status codes"):page.index("## Limits")]
    app = create_app()
    routes = {(method, route.path) for route in app.routes
              for method in getattr(route, "methods", ()) or ()
              if route.path.startswith("/api/")}
    assert len(routes) >= 14
    for method, path in routes:
        shown = path.replace("{name}", "NAME")
        assert f"`{method} {shown}`" in table or f"`{method} {shown}" in table, (method, path)
        assert f"**`{method} {shown}`**" in each, (method, path)
    documented = {int(code) for code in re.findall(r"^\| (\d{3}) \|", statuses, re.M)}
    assert documented >= {200, 400, 404, 413, 421, 422, 429, 500, 503}
    assert {int(code) for code in ERRORS} <= documented


def test_the_steps_taken_before_are_bounded(client: TestClient) -> None:
    # a 4,000-digit `taken` would be written into the diagram's subtitle: refused, by name
    net = example("exercise-2")
    for path, extra in (("/api/step", {}), ("/api/derivation", {"weight": "i -> j"})):
        answer = client.post(path, json={"network": net, "taken": 10**12, **extra})
        assert answer.status_code == 422
        assert answer.json()["error"].startswith("taken: ")
        assert client.post(path, json={"network": net, "taken": 10**7, **extra}).status_code == 200


def test_json_under_another_content_type_is_named(client: TestClient) -> None:
    # curl -d without -H, or a form posted from another site: nothing is worked on, and the
    # message says what to send
    body = json.dumps({"network": example("exercise-2"), "steps": 1})
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        answer = client.post("/api/solve", content=body, headers={"content-type": kind})
        assert answer.status_code == 422
        assert answer.json()["error"] == ("the request body is not read as JSON: send it with "
                                          "the header content-type: application/json")
    for body, got in (("[1, 2]", "list"), ('"text"', "str"), ("3", "int")):
        answer = client.post("/api/solve", content=body,
                             headers={"content-type": "application/json"})
        assert answer.status_code == 422
        assert answer.json()["error"] == (
            f"the request body must be a JSON object ({{...}}), got {got}")


WRITTEN = [("1e-999999999999999999", "is too small (it would read as 0)"),
           ("1e999", "is too large"),
           ("-4.5e-320", "is too small (its digits would be lost)")]


@pytest.mark.parametrize(("number", "says"), WRITTEN)
@pytest.mark.parametrize(("path", "extra"), [
    ("/api/solve", {"steps": 1}),
    ("/api/check", {"answers": "C = 0.5\n"}),
    ("/api/edit", {"operation": "cost", "value": "squared_error"}),
    ("/api/step", {"steps": 0}),
    ("/api/toml", {}),
])
def test_a_number_json_would_read_as_0_or_inf_is_refused_with_the_clis_line(
        client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        path: str, extra: dict[str, Any], number: str, says: str) -> None:
    """JSON's parser reads ``1e-999999999999999999`` as 0.0 (and a share link's network is sent
    as JSON): the server reads each number as written and refuses it as ``solve`` refuses it
    in a network file, naming the key."""
    body = json.dumps({"network": example("exercise-2"), **extra})
    weight = '"i -> j": 0.86'  # exercise-2's first weight, replaced as written
    assert weight in body
    body = body.replace(weight, f'"i -> j": {number}', 1)
    answer = client.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]
    assert message.startswith(f'network: [weights] "i -> j": {number} {says}'), message
    # the CLI's own line for the same number in a network file
    toml = tmp_path / "net.toml"
    toml.write_text(cr.dumps_toml(cr.load("exercise-2")).replace('"i -> j" = 0.86',
                                                                 f'"i -> j" = {number}'))
    code, _, err = cli(["solve", str(toml)], capsys)
    assert code == 2 and message.removeprefix("network: ") in err


def test_other_numbers_of_a_body_are_read_as_written_too(client: TestClient) -> None:
    net = example("exercise-2")
    body = json.dumps({"network": net, "learning_rate": 0.25}).replace("0.25", "1e-99999")
    answer = client.post("/api/solve", content=body,
                         headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("learning_rate: 1e-99999 is too small")
    body = json.dumps({"data": {"set": "moons", "hidden": [3], "activation": "tanh",
                                "learning_rate": 0.25}, "epochs": 1}).replace("0.25", "1e-400")
    answer = client.post("/api/dataset", content=body,
                         headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("[data] learning_rate: 1e-400 is too small")
    # the usual small and large numbers, written with exponents, still work
    net["weights"]["i -> j"] = 1.5e-7
    answer = client.post("/api/solve", json={"network": net, "learning_rate": 1e-3})
    assert answer.status_code == 200, answer.text


def test_a_number_written_with_hundreds_of_zeros_is_refused_too(client: TestClient) -> None:
    body = json.dumps({"network": example("exercise-2")}).replace(
        '"i -> j": 0.86', '"i -> j": 0.' + "0" * 400 + "1", 1)
    answer = client.post("/api/solve", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"].startswith('network: [weights] "i -> j": 0.000')
    assert "is too small (it would read as 0)" in answer.json()["error"]
