"""The worker's HTTP routes (Faust web views): API, internal shares, dashboard, metrics,
probes and the OpenAPI document; no other route is served (service/web/server.py).

Read-only: every route answers GET (and HEAD) only. Every error is an ApiError JSON body with
its status: the views turn known failures into one, the middleware catches everything else
(unknown routes, other methods, bugs) so that no stack trace ever reaches a client.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import faust
import structlog
from aiohttp import web as aioweb
from faust.web.drivers import DRIVERS
from pydantic import BaseModel

from schemas.api import DashboardQuery, Liveness
from schemas.topics import DEAD_LETTERS
from service import __version__
from service.core.ranking import BadQuery, error_body, parse_query
from service.settings import Settings
from service.web.api import Answer, Api, NotFound, ServedTables
from service.web.health import readiness
from service.web.metrics import install_metrics
from service.web.openapi import STATIC_FILES, openapi_document
from service.web.routing import ROUTED_BY, SERVED_BY, Cluster, Unavailable

log = structlog.get_logger(__name__)

JSON = "application/json"
ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal_error",
    503: "unavailable",
}


def error_response(status: int, detail: str) -> aioweb.Response:
    body = error_body(status, ERROR_CODES.get(status, "http_error"), detail)
    return aioweb.Response(body=body.model_dump_json(), status=status, content_type=JSON)


@aioweb.middleware
async def json_errors(request: aioweb.Request, handler: Any) -> aioweb.StreamResponse:
    try:
        response: aioweb.StreamResponse = await handler(request)
        return response
    except aioweb.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, f"{exc.reason}: {request.method} {request.path}")
    except Exception:
        log.exception("request_failed", method=request.method, path=request.path)
        return error_response(500, "the request failed; the worker's log has the details")


async def _answer(produce: Callable[[], Awaitable[Answer]]) -> aioweb.Response:
    """Known failures as ApiError answers with their status."""
    try:
        answer = await produce()
    except BadQuery as exc:
        return error_response(400, str(exc))
    except NotFound as exc:
        return error_response(404, str(exc))
    except Unavailable as exc:
        return error_response(503, str(exc))
    return aioweb.Response(
        body=answer.body,
        status=answer.status,
        content_type=JSON,
        headers={SERVED_BY: answer.served_by},
    )


def _model(
    api: Api, make: Callable[[], BaseModel | Awaitable[BaseModel]]
) -> Callable[[], Awaitable[Answer]]:
    """An Answer made by this worker from a model (made at once, or awaited)."""

    async def produce() -> Answer:
        result = make()
        model = await result if inspect.isawaitable(result) else result
        return Answer.of(model, api.cluster.me)

    return produce


def _json(model: BaseModel, status: int = 200) -> aioweb.Response:
    return aioweb.Response(body=model.model_dump_json(), status=status, content_type=JSON)


def _static(name: str) -> aioweb.Response:
    body = resources.files("service.web").joinpath("static", name).read_bytes()
    return aioweb.Response(body=body, headers={"Content-Type": STATIC_FILES[name]})


def register_web(app: faust.App, tables: ServedTables, settings: Settings) -> None:
    """Routes on the worker's web server (started by Faust with the worker); Faust's own
    routes are not served. Called by the worker's entry point, before the web server exists."""
    DRIVERS.aliases["aiohttp"] = "service.web.server:ProjectRoutesOnly"
    cluster = Cluster(app, settings.partitions, settings.api_gather_timeout_s)
    api = Api(cluster, tables, settings.series_specs)
    metrics = install_metrics(app, DEAD_LETTERS.full_name(settings.topic_prefix))
    app.web.web_app.middlewares.append(json_errors)
    document = json.dumps(openapi_document(__version__)).encode("utf-8")

    @app.page("/speakers")
    class Speakers(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return await _answer(_model(api, lambda: api.speakers(request.query.items())))

    @app.page("/speakers/{speaker_id}")
    class Speaker(faust.web.View):
        async def get(self, request: aioweb.Request, speaker_id: str) -> aioweb.Response:
            forwarded = ROUTED_BY in request.headers
            return await _answer(lambda: api.speaker(speaker_id, forwarded))

    @app.page("/quotes")
    class Quotes(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return await _answer(_model(api, lambda: api.quotes(request.query.items())))

    @app.page("/internal/clock")
    class Clock(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return await _answer(_model(api, api.clock))

    @app.page("/internal/speakers")
    class SpeakerShares(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return await _answer(_model(api, lambda: api.speaker_share(request.query.items())))

    @app.page("/internal/quotes")
    class QuoteShares(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return await _answer(_model(api, lambda: api.quote_share(request.query.items())))

    @app.page("/dashboard")
    class Dashboard(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            # The page reads poll_ms itself; checked here so that it stays within bounds.
            try:
                parse_query(DashboardQuery, request.query.items())
            except BadQuery as exc:
                return error_response(400, str(exc))
            return _static("dashboard.html")

    @app.page("/static/{name}")
    class Static(faust.web.View):
        async def get(self, request: aioweb.Request, name: str) -> aioweb.Response:
            if name not in STATIC_FILES:
                return error_response(404, f"no static file {name!r}")
            return _static(name)

    @app.page("/healthz")
    class Healthz(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return _json(Liveness())

    @app.page("/readyz")
    class Readyz(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            state = readiness(app, len(cluster.holding(tables.speaker_tallies)))
            return _json(state, 200 if state.ready else 503)

    @app.page("/openapi.json")
    class OpenApi(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return aioweb.Response(body=document, content_type=JSON)

    @app.page("/metrics")
    class Metrics(faust.web.View):
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return aioweb.Response(
                body=metrics.exposition(),
                headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
            )
