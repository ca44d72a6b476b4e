"""What chainrule writes, and only that (issue 10, items 2-6): regular files atomically with
their mode kept, through links, to devices and pipes; never an input or another output; every
file it writes it reads back; no raw HTML from a description in Markdown."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.core.errors import NetworkError, UsageError
from chainrule.io.atomic import check_outputs, write_atomic
from chainrule.io.netfile import example_text, load


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_umasks_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.txt", "a")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.txt") == 0o640
    assert (tmp_path / "a.txt").read_text() == "a"


@pytest.mark.parametrize("permissions", [0o600, 0o640, 0o755])
def test_an_existing_file_keeps_its_mode(tmp_path: Path, permissions: int, umask: None) -> None:
    target = tmp_path / "private.txt"
    target.write_text("old")
    target.chmod(permissions)
    write_atomic(target, "new")
    assert target.read_text() == "new" and mode(target) == permissions


def test_a_link_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to("created.json")
    write_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "created.json").read_text() == "made"


def test_a_device_is_streamed_to_and_stays_a_device() -> None:
    write_atomic(os.devnull, "nothing")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_pipe_is_streamed_to(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_anything_else_is_refused_with_one_line(tmp_path: Path) -> None:
    sock_path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(sock_path))
        with pytest.raises(UsageError, match="not a regular file, a device or a pipe"):
            write_atomic(sock_path, "x")
    with pytest.raises(UsageError, match="is a directory"):
        write_atomic(tmp_path, "x")
    with pytest.raises(UsageError, match="does not exist"):
        write_atomic(tmp_path / "no" / "x.txt", "x")
    with pytest.raises(UsageError, match="empty"):
        write_atomic("", "x")
    with pytest.raises(UsageError, match="name too long"):
        write_atomic(tmp_path / ("n" * 300 + ".txt"), "x")


def test_a_failure_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UsageError, match="No space left on device"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and sorted(tmp_path.iterdir()) == [target]


def test_outputs_that_are_inputs_or_each_other_are_refused(tmp_path: Path) -> None:
    net = tmp_path / "net.toml"
    net.write_text("x")
    link = tmp_path / "link.toml"
    link.symlink_to(net)
    for spelling in (str(net), str(tmp_path / "." / "net.toml"), str(link)):
        with pytest.raises(UsageError, match="which this command reads"):
            check_outputs({"--output": spelling}, {"NETWORK": str(net)})
    with pytest.raises(UsageError, match="are the same file"):
        check_outputs({"--output": str(tmp_path / "x"), "--save-updated": str(tmp_path / "x")})
    check_outputs({"--output": os.devnull, "--save-updated": os.devnull}, {"NETWORK": "exercise-2"})
    with pytest.raises(UsageError, match="--output is empty"):
        check_outputs({"--output": ""})


@pytest.fixture
def net_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "net.toml"
    path.write_text(example_text("exercise-2"))
    return path


def one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_solve_never_overwrites_its_network(
    net_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = net_file.read_text()
    one_line_exit_2(capsys, ["solve", "net.toml", "--format", "json", "--output", "net.toml"],
                    "--output net.toml is NETWORK")
    one_line_exit_2(capsys, ["solve", "net.toml", "--save-updated", "./net.toml"],
                    "--save-updated ./net.toml is NETWORK")
    one_line_exit_2(capsys, ["solve", "net.toml", "-o", "X", "--save-updated", "X"],
                    "are the same file")
    assert net_file.read_text() == before and not Path("X").exists()


def test_nothing_is_written_when_a_later_output_is_bad(
    net_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_line_exit_2(capsys, ["solve", "net.toml", "-o", "out.md", "--save-updated", "no/x.toml"],
                    "does not exist")
    assert not Path("out.md").exists()
    one_line_exit_2(capsys, ["solve", "net.toml", "--output", ""], "--output is empty")
    one_line_exit_2(capsys, ["diff", "x^2", "--output", ""], "--output is empty")


@pytest.mark.parametrize("name", ["upd.json", "upd.toml", "upd.npz", "upd.txt"])
def test_save_updated_writes_what_its_name_says_and_reads_back(
    net_file: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["solve", "net.toml", "--steps", "2", "--save-updated", name,
                 "--format", "json"]) == 0
    capsys.readouterr()
    if name.endswith(".json"):
        json.loads(Path(name).read_text())
    again = load(name) if not name.endswith(".txt") else cr.loads(Path(name).read_text())
    assert again.weights == cr.solve(load("net.toml"), 2).final.weights


TITLES = ["DEL \x7f here", "bell \x07 and tab \t", "quote \" and backslash \\", "é ü ß ∂ 😀"]


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_odd_titles_are_written_so_they_read_back(
    tmp_path: Path, title: str, suffix: str
) -> None:
    from chainrule.io.netfile import save

    net = cr.loads(example_text("exercise-2")).to_dict()
    net["title"] = title
    net["description"] = f"line one {title}\nline two \x7f"
    path = tmp_path / f"odd{suffix}"
    save(cr.load(net), path, comment=f"made from a file called {title}")
    again = load(path)
    assert again.title == title and again.description == net["description"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html", "json"])
def test_a_del_in_a_title_renders_in_every_format(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    net = cr.loads(example_text("exercise-1")).to_dict()
    net["title"] = "odd \x7f title"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(net))
    assert main(["solve", str(path), "--format", fmt, "-o", str(tmp_path / f"out.{fmt}")]) == 0
    assert main(["draw", str(path), "-o", str(tmp_path / "d.svg")]) == 0


def test_a_lone_surrogate_is_refused_where_it_enters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net = cr.loads(example_text("exercise-1")).to_dict()
    text = json.dumps(net).replace('"title": "', '"title": "\\ud800', 1)
    path = tmp_path / "surrogate.json"
    path.write_text(text)
    with pytest.raises(NetworkError, match="U\\+D800, half of a surrogate pair"):
        load(path)
    one_line_exit_2(capsys, ["solve", str(path)], "surrogate")


def test_markdown_carries_no_raw_html_from_a_description() -> None:
    import re

    from chainrule.render import solution
    from chainrule.render.markdown import description

    text = (
        "Look: <img src=x onerror=alert(1)> <iframe src='https://evil'></iframe>\n"
        "[click](javascript:alert(1)) [ok](https://example.org) and `a < b`"
    )
    net = cr.loads(example_text("exercise-1")).to_dict()
    net["description"] = text
    out = solution("markdown", cr.solve(cr.load(net)))
    assert not re.search(r"(?<![\\])<(img|iframe)", out)
    assert not re.search(r"(?<![\\])\[[^\]]*\]\(javascript:", out)
    kept = description(text)
    assert "&lt;img src=x" in kept and "[ok](https://example.org)" in kept and "`a < b`" in kept
    assert "[click]\\(javascript:" in kept


def test_pictures_get_the_umasks_mode(net_file: Path, umask: None,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    assert main(["draw", "net.toml", "-o", "d.png"]) == 0
    assert main(["plot", "cost", "net.toml", "--steps", "3", "-o", "c.pdf"]) == 0
    assert mode(Path("d.png")) == 0o644 and mode(Path("c.pdf")) == 0o644
    one_line_exit_2(capsys, ["draw", "net.toml", "-o", "net.toml"], "unknown picture type")


def test_weights_with_json_is_refused_not_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2(capsys, ["solve", "exercise-2", "--weights", "q -> z", "--format", "json"],
                    "--weights chooses the weights a worked solution explains")
