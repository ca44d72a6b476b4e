"""``chainrule serve``: run the web page and API (:mod:`chainrule.web`) with uvicorn.

The CLI and the web app are sibling shells: this command does not import the app, it hands
uvicorn the app factory's import path (``chainrule.web.app:create_app``), as ``uvicorn
MODULE:APP`` would. It binds the socket itself, so a port in use is one clear line.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import threading
import time
import webbrowser

import click

from chainrule.core.errors import UsageError

APP = "chainrule.web.app:create_app"
EXTRA = "pip install 'chainrule[web]'"


def missing_web_extra() -> str | None:
    """The message for a missing ``web`` extra, or None when FastAPI and uvicorn are there."""
    missing = [name for name in ("fastapi", "uvicorn") if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f"`chainrule serve` needs the web extra ({', '.join(missing)} not installed): {EXTRA}"
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``, or a UsageError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UsageError(f"--host: cannot use {host!r} ({error.strerror})") from None
    family = infos[0][0]
    try:
        sock = _listen(host, port, family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {host} is already in use (another server?); "
                "choose another with --port"
            ) from None
        raise UsageError(f"cannot listen on {host}:{port} ({error.strerror})") from None
    sock.set_inheritable(True)
    return sock


def _listen(host: str, port: int, family: socket.AddressFamily) -> socket.socket:
    """A TCP listening socket made with ``IPPROTO_TCP`` and TCP_NODELAY: asyncio sets
    TCP_NODELAY on a connection only when its socket says it is TCP by its protocol number
    (``socket.create_server`` leaves it 0), and without it every answer waits ~40 ms for the
    client's delayed ACK (Nagle's algorithm)."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # as create_server
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by connections
        sock.bind((host, port))
        sock.listen(socket.SOMAXCONN)
    except BaseException:
        sock.close()
        raise
    return sock


@click.command("serve", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this computer only).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
def serve_command(host: str, port: int, open_browser: bool) -> None:
    """Serve the web page: step through backprop in a browser, click any weight for its
    derivation. Needs the web extra: pip install 'chainrule[web]'.

    \b
    Examples:
      chainrule serve                      http://127.0.0.1:8000
      chainrule serve --port 8080 --open
    """
    problem = missing_web_extra()
    if problem:
        raise UsageError(problem)
    import uvicorn

    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    server = uvicorn.Server(
        uvicorn.Config(APP, factory=True, log_level="warning", timeout_graceful_shutdown=2)
    )
    click.echo(f"chainrule serve: {url}  (Ctrl-C to stop)", err=True)
    if open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then passes the signal on
        pass
    click.echo("chainrule serve: stopped", err=True)


def _open_when_started(server: object, url: str) -> None:
    deadline = time.monotonic() + 30
    while not getattr(server, "started", False) and time.monotonic() < deadline:
        time.sleep(0.05)
    webbrowser.open(url)
