"""The web app: the JSON API over :mod:`chainrule.web.work` and the page (static files).

``create_app()`` builds it; ``chainrule serve`` runs it with uvicorn. The API's contract is in
CONTRACT.md ("The web API"): ``POST /api/solve`` answers exactly ``chainrule solve --format
json``; bad input answers 4xx ``{"error": "<the CLI's one-line message>"}``; a body over 1 MB
answers 413; ``GET /openapi.json`` is the schema.

The work of a request runs in a thread pool and is given :data:`~chainrule.web.limits.TIMEOUT_S`
seconds: a slow request is answered 503 and never holds up the others (the event loop only
parses and answers).
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainrule import __version__
from chainrule.core.errors import ChainruleError, UnknownExampleError
from chainrule.web import limits, work

STATIC = Path(__file__).resolve().parent / "static"
T = TypeVar("T")

Steps = Annotated[int, Field(ge=1, le=limits.MAX_STEPS, description="gradient-descent steps")]
Decimals = Annotated[int, Field(ge=0, le=17, description="decimals shown")]
Notation = Literal["handout", "aima"]
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
    format: Literal["markdown", "latex", "html", "json"] = "html"


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


class StepRequest(_Request):
    network: NetworkJson
    steps: Annotated[int, Field(ge=0, le=limits.MAX_STEPS)] = 0
    view: Literal["weights", "forward", "backward"] = "forward"
    sample: Annotated[int, Field(ge=1)] = 1
    decimals: Decimals = 3
    taken: Annotated[int, Field(ge=0, description="steps the page took before")] = 0


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
    taken: Annotated[int, Field(ge=0, description="steps the page took before")] = 0


class LandscapeRequest(_Request):
    network: NetworkJson
    weights: Annotated[list[str], Field(min_length=1, max_length=2)]
    steps: Annotated[int, Field(ge=1, le=limits.MAX_LANDSCAPE_STEPS)] = 20
    batch: bool = False


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "bad input: the CLI's one-line message"},
    413: {"model": Error, "description": "the request body is over 1 MB"},
    422: {"model": Error, "description": "the request does not have the documented shape"},
    503: {"model": Error, "description": "the work took longer than this server allows"},
}


def _svg(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}},
                  "description": description}, **ERRORS}


def _text(media: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media: {"schema": {"type": "string"}}},
                  "description": description}, **ERRORS}


class _Timeout(Exception):
    pass


def one_line(message: str) -> str:
    """The message on one line, as the CLI prints it."""
    return " ".join(message.split())


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
        else:
            given = e.get("input")
            shown = repr(given) if isinstance(given, (int, float, str, bool)) else type(
                given).__name__
            parts.append(f"{where}: {e.get('msg', 'invalid')}, got {shown}")
    return "; ".join(parts[:3]) or "the request is not valid"


def create_app(*, timeout_s: float = limits.TIMEOUT_S, workers: int | None = None) -> FastAPI:
    """The web app (an ASGI application). ``timeout_s`` bounds the work of one request."""
    size = workers or min(4, os.cpu_count() or 1)
    pools: list[ThreadPoolExecutor] = []  # made on first use, shut down with the app

    def pool() -> ThreadPoolExecutor:
        if not pools:
            pools.append(ThreadPoolExecutor(max_workers=size, thread_name_prefix="chainrule-web"))
        return pools[0]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        while pools:
            pools.pop().shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="chainrule",
        version=__version__,
        description="Backpropagation the way it is taught: every number of the chain rule, "
        "from the same library as the `chainrule` command.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(BodyLimit)

    async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(pool(), functools.partial(fn, *args, **kwargs))
        try:
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            raise _Timeout from None

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
            detail = "the request body cannot be read as JSON (is it nested too deeply?)"
        return error(exc.status_code, detail, exc.headers)

    @app.exception_handler(_Timeout)
    async def timeout(_: Request, exc: _Timeout) -> JSONResponse:
        return error(503, f"the request took longer than this server allows ({timeout_s:g} s); "
                          "ask for fewer steps or a smaller network")

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

    @app.post("/api/step", responses=ERRORS)
    async def step(body: StepRequest) -> dict[str, Any]:
        """Run ``steps`` steps (0 for none), then show the next one: the network after them,
        each step's cost, the next step's numbers and the diagram with the ``view``'s values."""
        return await run(work.advance, body.network, body.steps, body.view, body.sample,
                         body.decimals, body.taken)

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

    @app.post("/api/toml", responses=_text("application/toml", "the network file"))
    async def toml(body: NetworkRequest) -> Response:
        """The network as a TOML network file."""
        return Response(await run(work.toml, body.network), media_type="application/toml")

    @app.post("/api/answers-template", responses=_text("application/toml", "an answers file"))
    async def answers_template(body: NetworkRequest) -> Response:
        """The answers file to fill in for the network's next step."""
        text = await run(work.answers_template, body.network)
        return Response(text, media_type="application/toml")

    @app.post("/api/check", responses=ERRORS)
    async def check(body: CheckRequest) -> dict[str, Any]:
        """A student's answers marked as ``chainrule check`` marks them."""
        return await run(work.check, body.network, body.answers, body.name)

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
    "markdown": "text/markdown; charset=utf-8",
    "latex": "application/x-latex",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}

PAGE_HEADERS = {
    # Everything is served from here: no CDN, no inline scripts.
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; frame-src 'self' blob:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}
