"""The worker's web server: Faust's aiohttp driver, serving only the project's own routes."""

from __future__ import annotations

from typing import ClassVar

from faust.web.drivers.aiohttp import Web as AiohttpWeb


class ProjectRoutesOnly(AiohttpWeb):
    """Faust mounts blueprints of its own next to an app's pages: `/router/` (every worker's URL
    and partitions), `/table/{name}/{key}/` (raw table rows, standby copies included) and `/`.
    They bypass the read-only API, its validation and its error bodies, so none is mounted:
    the worker serves exactly the routes of service/web/views.py (the OpenAPI document lists
    them, and tests/unit/test_openapi.py checks the two agree)."""

    default_blueprints: ClassVar[list] = []
    production_blueprints: ClassVar[list] = []
    debug_blueprints: ClassVar[list] = []
    optional_blueprints: ClassVar[list] = []
