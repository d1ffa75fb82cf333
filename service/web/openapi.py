"""The worker's OpenAPI 3.1 document (GET /openapi.json), generated from the schemas/api models.

Each route is one Operation: its query model, its answers by status and their media types.
Every schema in the document is pydantic's JSON Schema of a model (draft 2020-12, which is
OpenAPI 3.1's own dialect); nothing here describes a field by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from schemas.api import (
    ApiError,
    DashboardQuery,
    Liveness,
    QuotePage,
    QuoteShare,
    QuotesQuery,
    Readiness,
    ShareQuery,
    SpeakerDetail,
    SpeakerPage,
    SpeakerShare,
    SpeakersQuery,
    WorkerClock,
)
from schemas.base import Id

JSON = "application/json"
REF = "#/components/schemas/{model}"
STATIC_FILES = {  # file -> content type; only these are served
    "dashboard.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
TEXT = {"type": "string"}

Answer = type[BaseModel] | Mapping[str, dict[str, Any]]  # a JSON model, or media -> schema


@dataclass(frozen=True)
class Operation:
    """One GET route: what it takes and what it answers (errors are ApiError unless listed)."""

    path: str
    summary: str
    tag: Literal["api", "internal", "probes", "pages"]
    answers: Mapping[int, Answer]
    query: type[BaseModel] | None = None
    path_params: Mapping[str, dict[str, Any]] = field(default_factory=dict)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "/speakers",
        "Speakers ranked by occurrences in a window, across every worker",
        "api",
        {200: SpeakerPage, 400: ApiError, 503: ApiError},
        query=SpeakersQuery,
    ),
    Operation(
        "/speakers/{speaker_id}",
        "One speaker: totals, window series, latest quotes (served by the worker holding it)",
        "api",
        {200: SpeakerDetail, 400: ApiError, 404: ApiError, 503: ApiError},
        path_params={"speaker_id": TypeAdapter(Id).json_schema()},
    ),
    Operation(
        "/quotes",
        "Canonical quotes, most recently reported first, across every worker",
        "api",
        {200: QuotePage, 400: ApiError, 503: ApiError},
        query=QuotesQuery,
    ),
    Operation(
        "/internal/clock",
        "This worker's latest event time (asked by the worker gathering a ranking)",
        "internal",
        {200: WorkerClock},
    ),
    Operation(
        "/internal/speakers",
        "This worker's share of a speaker ranking",
        "internal",
        {200: SpeakerShare, 400: ApiError},
        query=ShareQuery,
    ),
    Operation(
        "/internal/quotes",
        "This worker's share of a quote list",
        "internal",
        {200: QuoteShare, 400: ApiError},
        query=QuotesQuery,
    ),
    Operation("/healthz", "The worker process is up", "probes", {200: Liveness}),
    Operation(
        "/readyz",
        "Partitions assigned and tables recovered (503 until then)",
        "probes",
        {200: Readiness, 503: Readiness},
    ),
    Operation(
        "/dashboard",
        "The live dashboard (HTML)",
        "pages",
        {200: {"text/html": TEXT}, 400: ApiError},
        query=DashboardQuery,
    ),
    Operation(
        "/static/{name}",
        "The dashboard's script and style sheet",
        "pages",
        {200: {media.split(";")[0]: TEXT for media in STATIC_FILES.values()}, 404: ApiError},
        path_params={"name": {"type": "string", "enum": sorted(STATIC_FILES)}},
    ),
    Operation(
        "/metrics", "Prometheus metrics of this worker", "pages", {200: {"text/plain": TEXT}}
    ),
    Operation(
        "/openapi.json",
        "This document",
        "pages",
        {200: {JSON: {"type": "object", "required": ["openapi", "paths"]}}},
    ),
)


def _models(operations: tuple[Operation, ...]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    """Every model the operations use: answers as serialised, queries as validated."""
    found: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for op in operations:
        if op.query is not None:
            found[(op.query, "validation")] = None
        for answer in op.answers.values():
            if isinstance(answer, type):
                found[(answer, "serialization")] = None
    return list(found)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null branch of an optional one."""
    options = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if not options or len(options) == len(schema.get("anyOf", [])):
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**rest, **options[0]} if len(options) == 1 else {**rest, "anyOf": options}


def _query_parameters(model_schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(model_schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", prop.get("title", name)),
            "schema": _without_null(prop),
        }
        for name, prop in model_schema["properties"].items()
    ]


def _content(answer: Answer, refs: Mapping[type[BaseModel], dict[str, str]]) -> dict[str, Any]:
    if isinstance(answer, type):
        return {JSON: {"schema": refs[answer]}}
    return {media: {"schema": schema} for media, schema in answer.items()}


def _description(answer: Answer) -> str:
    return answer.__name__ if isinstance(answer, type) else ", ".join(answer)


def _operation(
    op: Operation,
    refs: Mapping[type[BaseModel], dict[str, str]],
    components: Mapping[str, dict[str, Any]],
) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in op.path_params.items()
    ]
    if op.query is not None:
        name = refs[op.query]["$ref"].rsplit("/", 1)[1]
        parameters += _query_parameters(components[name])
    responses: dict[str, Any] = {
        str(status): {"description": _description(answer), "content": _content(answer, refs)}
        for status, answer in op.answers.items()
    }
    # Any other failure (an unknown route, a bug) is an ApiError too.
    responses["default"] = {"description": "ApiError", "content": _content(ApiError, refs)}
    return {
        "operationId": op.path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
        or "index",
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }


def openapi_document(version: str, operations: tuple[Operation, ...] = OPERATIONS) -> dict:
    """The OpenAPI 3.1 document of the worker's routes."""
    keys, top = models_json_schema(_models(operations), ref_template=REF)
    refs = {model: ref for (model, _mode), ref in keys.items()}
    components = top.get("$defs", {})
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "liveblog-ingest worker",
            "version": version,
            "description": "Read-only: GET only. Every error is an ApiError with its status.",
        },
        "paths": {op.path: {"get": _operation(op, refs, components)} for op in operations},
        "components": {"schemas": components},
    }
