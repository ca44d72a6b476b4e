"""The web app: the JSON API over :mod:`chainrule.web.work` and the page (static files).

``create_app()`` builds it; ``chainrule serve`` runs it with uvicorn. The API's contract is in
CONTRACT.md ("The web API"): ``POST /api/solve`` answers exactly ``chainrule solve --format
json``; bad input answers 4xx ``{"error": "<the CLI's one-line message>"}``; a body over 1 MB
answers 413; ``GET /openapi.json`` is the schema.

Staying up: the work of a request runs in a worker process (:mod:`chainrule.web.pool`) and is
given :data:`~chainrule.web.limits.TIMEOUT_S` seconds from its arrival; past that it answers 503
and its worker is killed, so the work stops. At most ``workers`` requests run at once and
:data:`~chainrule.web.limits.QUEUE` more wait; beyond that a request answers 429 at once. The
event loop only checks, parses and answers. Only requests whose Host header names the address
the server listens on are answered (421 otherwise: no DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainrule import __version__
from chainrule.core.errors import ChainruleError, UnknownExampleError
from chainrule.core.options import DECIMALS, NOTATION
from chainrule.render.formats import FORMAT, FORMATS
from chainrule.web import edit as editing
from chainrule.web import limits, work
from chainrule.web.pool import Crashed, Done, Failed, Pool, Timeout

STATIC = Path(__file__).resolve().parent / "static"
T = TypeVar("T")

Steps = Annotated[int, Field(ge=1, le=limits.MAX_STEPS, description="gradient-descent steps")]
# the one definition of each option (core.options, explain.notation, render.formats)
Decimals = Annotated[int, Field(ge=DECIMALS.low, le=DECIMALS.high, description="decimals shown")]
Notation = Literal[NOTATION.choices]  # type: ignore[name-defined]
WEB_FORMATS = tuple(name for name in FORMAT.choices if name != "text")
"""The formats of ``POST /api/solution``: every one but the terminal's text."""
NetworkJson = Annotated[
    dict[str, Any],
    Field(description="a network file's structure as JSON (see docs/file-format.md)"),
]


class Error(BaseModel):
    """Every error: the one line the CLI prints (without its ``chainrule:`` prefix)."""

    error: str


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SolveRequest(_Request):
    """``chainrule solve``'s options by their long names (no file options: --output,
    --save-updated; no --max-steps: this server's limits hold). ``decimals``, ``weights`` and
    ``notation`` are checked but do not change the JSON."""

    network: NetworkJson
    steps: Steps | None = None
    learning_rate: float | None = None
    step: Annotated[int, Field(ge=1)] | None = None
    decimals: Decimals = 4
    weights: str | None = None
    notation: Notation = "handout"


class SolutionRequest(SolveRequest):
    format: Literal[WEB_FORMATS] = "html"  # type: ignore[valid-type]


class NetworkRequest(_Request):
    network: NetworkJson


class ParseRequest(_Request):
    text: Annotated[str, Field(description="the text of a network file")]
    format: Literal["toml", "json"] = "toml"
    name: Annotated[str, Field(max_length=200, description="the file's name, for messages")] = (
        "network"
    )


class CheckRequest(_Request):
    network: NetworkJson
    answers: Annotated[str, Field(description="an answers file's text (TOML or JSON)")]
    name: Annotated[str, Field(max_length=200, description="its name, for messages")] = "answers"
    taken: Annotated[int, Field(ge=0, le=10_000_000, description="steps the page took before "
                                "this network (the sheet's step counts them)")] = 0
    notation: Notation = "handout"
    """The feedback's symbols, as ``check --notation`` takes them."""


class TemplateRequest(NetworkRequest):
    taken: Annotated[int, Field(ge=0, le=10_000_000, description="steps the page took before "
                                "this network (the sheet is numbered after them)")] = 0


class StepRequest(_Request):
    network: NetworkJson
    steps: Annotated[int, Field(ge=0, le=limits.MAX_STEPS)] = 0
    view: Literal["weights", "forward", "backward"] = "forward"
    sample: Annotated[int, Field(ge=1)] = 1
    decimals: Decimals = 3
    taken: Annotated[int, Field(ge=0, le=10_000_000,
                                description="steps the page took before")] = 0


class DiagramRequest(_Request):
    network: NetworkJson
    values: Literal["forward", "backward"] | None = None
    step: Steps = 1
    sample: Annotated[int, Field(ge=1)] = 1
    decimals: Decimals = 3


class DerivationRequest(_Request):
    network: NetworkJson
    unit: str | None = None
    weight: str | None = None
    bias: str | None = None
    step: Steps = 1
    decimals: Decimals = 4
    notation: Notation = "handout"
    taken: Annotated[int, Field(ge=0, le=10_000_000,
                                description="steps the page took before")] = 0


class EditRequest(_Request):
    network: NetworkJson
    operation: Literal["activation", "cost", "add-unit", "remove-unit", "add-layer",
                       "remove-layer"]
    unit: Annotated[str | None, Field(max_length=200, description="the unit edited")] = None
    layer: Annotated[int | None, Field(ge=0, le=1000, description="a layer, 0 on the input "
                                       "side")] = None
    value: Annotated[str | None, Field(max_length=100, description="an activation or a cost")] = (
        None)


class DataSettings(_Request):
    set: Literal["circle", "xor", "gaussian", "spiral"]
    hidden: Annotated[list[Annotated[int, Field(ge=1, le=8)]], Field(max_length=4)] = [4, 2]
    activation: Literal["tanh", "relu", "sigmoid", "identity", "leaky_relu"] = "tanh"
    learning_rate: Annotated[float, Field(gt=0, le=10)] = 0.1


class DataRequest(_Request):
    network: NetworkJson | None = None
    data: DataSettings
    epochs: Annotated[int, Field(ge=0, le=500, description="epochs to train now")] = 1
    taken: Annotated[int, Field(ge=0, le=1_000_000, description="epochs trained before")] = 0
    sample: Annotated[int, Field(ge=0, le=99, description="the training point shown")] = 0


class LandscapeRequest(_Request):
    network: NetworkJson
    weights: Annotated[list[str], Field(min_length=1, max_length=2)]
    steps: Annotated[int, Field(ge=1, le=limits.MAX_LANDSCAPE_STEPS)] = 20
    batch: bool = False


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "bad input: the CLI's one-line message"},
    413: {"model": Error, "description": "the request body is over 1 MB"},
    421: {"model": Error, "description": "the Host header does not name this server"},
    422: {"model": Error, "description": "the request does not have the documented shape"},
    429: {"model": Error, "description": "too many requests are waiting; try again shortly"},
    503: {"model": Error, "description": "the work took longer (or more memory) than this "
                                         "server allows"},
}


def _svg(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}},
                  "description": description}, **ERRORS}


def _text(media: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media: {"schema": {"type": "string"}}},
                  "description": description}, **ERRORS}


class _Timeout(Exception):
    pass


class _Busy(Exception):
    pass


class _Failed(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


MAX_MESSAGE = 400


def one_line(message: str) -> str:
    """The message on one line, as the CLI prints it (a long value in it shortened)."""
    text = " ".join(message.split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    return text


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers)


class BodyLimit:
    """Answers 413 to a request body over ``limit`` bytes (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int = limits.MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
        too_large = _too_large(self.limit)
        if not declared.isdigit() or int(declared) > self.limit:
            await too_large(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, _too_large_message(self.limit))
            return message

        await self.app(scope, counted, send)


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _host_and_port(value: str) -> tuple[str, int | None] | None:
    """A Host header's name (lower case, IPv6 without brackets) and port; None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1:]
    else:
        name, _, port_text = value.partition(":")
        rest = ":" + port_text if _ else ""
    if rest and not (rest.startswith(":") and rest[1:].isdigit()):
        return None
    return name.rstrip("."), int(rest[1:]) if rest else None


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name == "localhost"


def host_allowed(header: str | None, server: tuple[str, int] | None,
                 extra: Iterable[str] = ()) -> bool:
    """Whether a request's Host header names the address it came in on (``server``: the
    connection's local address), as a browser sends it: the address itself (or, on a loopback
    address, ``localhost``), with its port unless it is 80. ``extra`` names more host names."""
    if header is None or server is None:
        return False
    parsed = _host_and_port(header)
    if parsed is None:
        return False
    name, port = parsed
    address, server_port = server
    address = address.lower().strip("[]")
    if (port or 80) != server_port:
        return False
    if name == address or name in extra:
        return True
    return _is_loopback(address) and name in LOOPBACK_NAMES


class HostCheck:
    """Answers 421 to a request whose Host header does not name this server (DNS rebinding: a
    page elsewhere whose name was pointed at 127.0.0.1 sends its own name), and adds the
    security headers to every answer."""

    def __init__(self, app: ASGIApp, extra_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.extra = frozenset(h.lower() for h in extra_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        host = headers.get(b"host")
        server = scope.get("server")
        if not host_allowed(host.decode("latin-1") if host is not None else None,
                            tuple(server) if server else None, self.extra):
            shown = host.decode("latin-1")[:100] if host is not None else "(none)"
            answer = error(421, f"Host {shown!r} is not this server's address; open the page "
                                "at the address `chainrule serve` printed")
            await answer(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                    if k.lower().encode() not in names]
            await send(message)

        await self.app(scope, receive, secured)


def _too_large_message(limit: int) -> str:
    return f"the request body is over this server's limit of {limit // 1_000_000} MB"


def _too_large(limit: int) -> JSONResponse:
    return error(413, _too_large_message(limit))


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "request body"
        kind = e.get("type", "")
        if kind == "json_invalid":
            parts.append(f"the request body is not valid JSON ({e.get('ctx', {}).get('error')})")
        elif kind == "extra_forbidden":
            parts.append(f"{where}: unknown option")
        elif kind == "missing":
            parts.append(f"{where}: missing")
        elif where == "request body" and isinstance(e.get("input"), bytes):
            # JSON sent under another content type (curl -d without -H, a form): not read
            parts.append("the request body is not read as JSON: send it with the header "
                         "content-type: application/json")
        elif where == "request body" and kind in ("dict_type", "model_type",
                                                  "model_attributes_type"):
            given = e.get("input")
            parts.append("the request body must be a JSON object ({...}), got "
                         f"{type(given).__name__ if given is not None else 'null'}")
        else:
            given = e.get("input")
            shown = repr(given) if isinstance(given, (int, float, str, bool)) else type(
                given).__name__
            parts.append(f"{where}: {e.get('msg', 'invalid')}, got {shown}")
    return "; ".join(parts[:3]) or "the request is not valid"


def _body_error(exc: BaseException | None) -> str:
    """What is wrong with a request body that could not be read as JSON."""
    if isinstance(exc, UnicodeDecodeError):
        return (f"the request body is not UTF-8 text (byte {exc.start}: "
                f"{exc.object[exc.start:exc.start + 1]!r}); send JSON in UTF-8")
    if isinstance(exc, RecursionError):
        return "the request body is nested too deeply to read (arrays or objects within each other)"
    if isinstance(exc, ValueError) and "digits" in str(exc):
        return (f"a number in the request body is too long to read ({exc}); numbers in a network "
                "are at most a few dozen digits")
    if exc is not None:
        return f"the request body cannot be read as JSON ({type(exc).__name__}: {exc})"
    return "the request body cannot be read as JSON"


def create_app(*, timeout_s: float = limits.TIMEOUT_S, workers: int | None = None,
               queue: int = limits.QUEUE, memory_mb: int = limits.WORKER_MEMORY_MB,
               allowed_hosts: Iterable[str] = ()) -> FastAPI:
    """The web app (an ASGI application). ``timeout_s`` bounds each request from its arrival
    (its worker process is killed past it); ``workers`` processes work at once and ``queue``
    requests more may wait (429 beyond); each worker may grow by ``memory_mb`` before it is
    replaced. ``allowed_hosts``: host names answered besides the server's own address."""
    size = workers or max(2, min(4, os.cpu_count() or 1))
    made: dict[str, Any] = {}  # the pool and its threads: made on first use, closed with the app
    made_lock = threading.Lock()
    pending = [0]

    def workers_pool() -> tuple[Pool, ThreadPoolExecutor]:
        with made_lock:
            if not made:
                made["pool"] = Pool(size, memory_mb=memory_mb)
                made["threads"] = ThreadPoolExecutor(max_workers=size,
                                                     thread_name_prefix="chainrule-web")
            return made["pool"], made["threads"]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool, _threads = workers_pool()
        await asyncio.get_running_loop().run_in_executor(None, pool.start)
        yield
        with made_lock:
            if made:
                made["threads"].shutdown(wait=False, cancel_futures=True)
                made["pool"].close()
                made.clear()

    async def numbers_as_written(request: Request) -> None:
        """A body's numbers read as written: ``1e-999999999999999999`` is refused with the
        CLI's line, not read as 0 (JSON's parser would)."""
        if request.method == "POST":
            work.check_numbers(await request.body())

    app = FastAPI(
        title="chainrule",
        dependencies=[Depends(numbers_as_written)],
        version=__version__,
        description="Backpropagation the way it is taught: every number of the chain rule, "
        "from the same library as the `chainrule` command.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(BodyLimit)
    app.add_middleware(HostCheck, extra_hosts=list(allowed_hosts))
    app.state.pool = workers_pool  # for tests: app.state.pool()[0] is the Pool

    def release(_: object) -> None:
        with made_lock:
            pending[0] -= 1

    def call(deadline: float, fn: Callable[..., T], args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> Done | Failed:
        left = deadline - time.monotonic()
        if left <= 0:  # it waited in the queue for all of its time
            raise Timeout
        return workers_pool()[0].call(left, fn, *args, **kwargs)

    async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a worker process, within the deadline."""
        deadline = time.monotonic() + timeout_s
        _, threads = workers_pool()
        with made_lock:
            if pending[0] >= size + queue:
                raise _Busy
            pending[0] += 1
        future = threads.submit(call, deadline, fn, args, kwargs)
        future.add_done_callback(release)
        try:
            answer = await asyncio.wrap_future(future)
        except Timeout:
            raise _Timeout from None
        except Crashed:
            raise _Failed(503, "the work of this request stopped before it was done (it needed "
                               "more memory than this server allows?); ask for fewer steps or a "
                               "smaller network") from None
        if isinstance(answer, Failed):
            raise _Failed(answer.status, answer.message)
        return answer.value  # type: ignore[no-any-return]

    @app.exception_handler(ChainruleError)
    async def library_error(_: Request, exc: ChainruleError) -> JSONResponse:
        return error(404 if isinstance(exc, UnknownExampleError) else 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def shape_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if detail == "There was an error parsing the body":  # FastAPI's words for it
            detail = _body_error(exc.__cause__)
        return error(exc.status_code, detail, exc.headers)

    @app.exception_handler(_Timeout)
    async def timeout(_: Request, exc: _Timeout) -> JSONResponse:
        return error(503, f"the request took longer than this server allows ({timeout_s:g} s) "
                          "and was stopped; ask for fewer steps or a smaller network")

    @app.exception_handler(_Busy)
    async def busy(_: Request, exc: _Busy) -> JSONResponse:
        return error(429, f"this server is busy ({size} requests at work and {queue} waiting); "
                          "try again in a moment", {"Retry-After": "1"})

    @app.exception_handler(_Failed)
    async def failed(_: Request, exc: _Failed) -> JSONResponse:
        return error(exc.status, str(exc))

    @app.exception_handler(Exception)
    async def bug(_: Request, exc: Exception) -> JSONResponse:
        return error(500, f"internal error ({type(exc).__name__}: {exc}); this is a bug, "
                          "please report it")

    def json_text(text: str) -> Response:
        return Response(text, media_type="application/json")

    @app.post("/api/solve", responses={200: {"description": "exactly `chainrule solve --format "
                                             "json`", "content": {"application/json": {
                                                 "schema": {"type": "object"}}}}, **ERRORS})
    async def solve(body: SolveRequest) -> Response:
        """The network solved for ``steps`` steps: exactly ``chainrule solve --format json``."""
        options = {**body.model_dump(exclude={"network"}), "format": "json"}
        return json_text(await run(work.solution, body.network, options))

    @app.post("/api/solution", responses=_text("text/html", "the worked solution"))
    async def solution(body: SolutionRequest) -> Response:
        """The worked solution: exactly ``chainrule solve --format FORMAT``."""
        options = body.model_dump(exclude={"network"})
        text = await run(work.solution, body.network, options)
        return Response(text, media_type=MEDIA[body.format])

    @app.post("/api/step", responses={200: {"description": "the network after the steps, "
                                            "their costs, the next step and the diagram",
                                            "content": {"application/json": {
                                                "schema": {"type": "object"}}}}, **ERRORS})
    async def step(body: StepRequest) -> Response:
        """Run ``steps`` steps (0 for none), then show the next one: the network after them,
        each step's cost, the next step's numbers and the diagram with the ``view``'s values."""
        return json_text(await run(work.advance_json, body.network, body.steps, body.view,
                                   body.sample, body.decimals, body.taken))

    @app.post("/api/derivation", responses=ERRORS)
    async def derivation(body: DerivationRequest) -> dict[str, Any]:
        """The worked solution's lines about one unit, weight or bias, as math."""
        return await run(work.derivation, body.network, unit=body.unit, weight=body.weight,
                         bias=body.bias, step=body.step, decimals=body.decimals,
                         notation=body.notation, taken=body.taken)

    @app.post("/api/diagram", responses=_svg("the network drawn as `chainrule draw` draws it"))
    async def diagram(body: DiagramRequest) -> Response:
        """The network drawn, with the forward or backward values of step ``step``."""
        picture = await run(work.diagram, body.network, body.values, body.step, body.sample,
                            body.decimals)
        return Response(picture, media_type="image/svg+xml")

    @app.post("/api/landscape", responses=_svg("the loss landscape over one or two weights"))
    async def landscape(body: LandscapeRequest) -> Response:
        """The cost over one or two weights, with the tangent and the descent."""
        picture = await run(work.landscape, body.network, body.weights, body.steps, body.batch)
        return Response(picture, media_type="image/svg+xml")

    @app.post("/api/parse", responses=ERRORS)
    async def parse(body: ParseRequest) -> dict[str, Any]:
        """A network file's text (TOML or JSON), validated as ``chainrule solve FILE`` does."""
        return {"network": await run(work.parse, body.text, body.format, body.name)}

    @app.post("/api/edit", responses=ERRORS)
    async def edit_network(body: EditRequest) -> dict[str, Any]:
        """The network with one edit of its structure: an activation, the cost, a unit or a
        layer added or removed (see docs/web.md); checked by the loader as a file is."""
        return {"network": await run(editing.edit, body.network, body.operation,
                                     unit=body.unit, layer=body.layer, value=body.value)}

    @app.get("/api/choices")
    async def choices() -> dict[str, list[str]]:
        """The activations and costs a network may use."""
        return editing.choices()

    @app.post("/api/dataset", responses=ERRORS)
    async def dataset(body: DataRequest) -> dict[str, Any]:
        """The data-set mode: train ``epochs`` epochs of the network (None: the settings'
        initial one) on a 2-D data set with chainrule's trainer; the network (with the training
        point ``sample`` as its sample), each epoch's training and test loss, the decision
        boundary and the points."""
        from chainrule.web import datasets

        return await run(datasets.run, body.network, body.data.model_dump(), body.epochs,
                         body.sample, body.taken)

    @app.post("/api/toml", responses=_text("application/toml", "the network file"))
    async def toml(body: NetworkRequest) -> Response:
        """The network as a TOML network file."""
        return Response(await run(work.toml, body.network), media_type="application/toml")

    @app.post("/api/answers-template", responses=_text("application/toml", "an answers file"))
    async def answers_template(body: TemplateRequest) -> Response:
        """The answers file to fill in for the network's next step."""
        text = await run(work.answers_template, body.network, body.taken)
        return Response(text, media_type="application/toml")

    @app.post("/api/check", responses=ERRORS)
    async def check(body: CheckRequest) -> dict[str, Any]:
        """A student's answers marked as ``chainrule check`` marks them."""
        return await run(work.check, body.network, body.answers, body.name, body.taken,
                         body.notation)

    @app.get("/api/examples")
    async def examples() -> dict[str, list[dict[str, str]]]:
        """The built-in examples' names and titles."""
        return {"examples": work.examples_list()}

    @app.get("/api/examples/{name}", responses={404: {"model": Error}, **ERRORS})
    async def example(name: str) -> dict[str, Any]:
        """A built-in example: its network as JSON and its TOML text."""
        return work.example(name)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


MEDIA = {
    name: FORMATS[name].media_type
    + ("; charset=utf-8" if FORMATS[name].media_type.startswith("text/") else "")
    for name in WEB_FORMATS
}

SECURITY_HEADERS = {
    # Everything is served from here: no CDN, no inline scripts, no forms sent elsewhere, and
    # no other site may frame the page.
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
PAGE_HEADERS = SECURITY_HEADERS  # the page's (every answer gets them: see HostCheck)
