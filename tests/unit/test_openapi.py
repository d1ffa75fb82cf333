"""The OpenAPI document: valid OpenAPI 3.1, generated from the models, and the worker serves
exactly the routes it documents (none of Faust's own)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis

from schemas.api import ApiError, DashboardQuery, SpeakerDetail, SpeakerPage, SpeakersQuery
from service import __version__
from service.settings import Settings
from service.web.openapi import REF, openapi_document

DOCUMENT = openapi_document(__version__)


def served_routes(tmp_path: Path) -> set[str]:
    """The routes a worker's web server would serve, read from its aiohttp router."""
    from service.stream.app import create_app
    from service.web.views import register_web

    app = create_app(Settings(bootstrap_servers="127.0.0.1:9", state_dir=tmp_path), register_web)
    app.web.init_server()  # mounts whatever Faust adds at start (its blueprints)
    return {resource.canonical for resource in app.web.web_app.router.resources()}


def test_the_document_is_valid_openapi_3_1() -> None:
    schema = schemathesis.openapi.from_dict(DOCUMENT)

    schema.validate()

    assert DOCUMENT["openapi"].startswith("3.1.")
    assert DOCUMENT["info"]["version"] == __version__


@pytest.mark.parametrize("model", [SpeakerPage, SpeakerDetail, ApiError])
def test_answer_schemas_are_the_models_own_json_schemas(model: type) -> None:
    own = model.model_json_schema(mode="serialization", ref_template=REF)
    own.pop("$defs", None)

    assert DOCUMENT["components"]["schemas"][model.__name__] == own


def test_query_parameters_are_the_query_models_fields() -> None:
    parameters = DOCUMENT["paths"]["/speakers"]["get"]["parameters"]

    assert {p["name"] for p in parameters} == set(SpeakersQuery.model_fields)
    limit = next(p for p in parameters if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)


def test_an_optional_query_parameter_is_never_null() -> None:
    parameters = DOCUMENT["paths"]["/quotes"]["get"]["parameters"]

    since = next(p for p in parameters if p["name"] == "since")
    assert since["schema"]["format"] == "date-time"
    assert "anyOf" not in since["schema"]


def test_the_dashboards_poll_interval_is_bounded() -> None:
    [poll] = DOCUMENT["paths"]["/dashboard"]["get"]["parameters"]
    bounds = DashboardQuery.model_fields["poll_ms"].metadata

    assert poll["name"] == "poll_ms"
    assert (poll["schema"]["minimum"], poll["schema"]["maximum"]) == (500, 60_000)
    assert bounds  # ge/le on the model, not only in the document


def test_the_worker_serves_exactly_the_documented_routes(tmp_path: Path) -> None:
    served = served_routes(tmp_path)

    assert served == set(DOCUMENT["paths"])
    # Faust's own blueprints expose the cluster layout and raw table rows.
    assert not {r for r in served if r == "/" or r.startswith(("/router", "/table", "/graph"))}
