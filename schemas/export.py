"""Write schemas/json/<Model>.schema.json for downstream consumers, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.api import API_MODELS
from schemas.topics import TOPICS

JSON_DIR = Path(__file__).parent / "json"


def exported_models() -> list[type[BaseModel]]:
    """Every model that travels on a topic or answers an HTTP request, once each, sorted."""
    seen: dict[str, type[BaseModel]] = {}
    for model in [*(spec.model for spec in TOPICS), *API_MODELS]:
        seen.setdefault(model.__name__, model)
    return [seen[name] for name in sorted(seen)]


def render_schema(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{model.__name__}.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = JSON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for model in exported_models():
        path = directory / f"{model.__name__}.schema.json"
        path.write_text(render_schema(model), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path = JSON_DIR) -> list[str]:
    """Names of schema files that are missing or differ from what the models generate."""
    stale = []
    for model in exported_models():
        path = directory / f"{model.__name__}.schema.json"
        if not path.exists() or path.read_text(encoding="utf-8") != render_schema(model):
            stale.append(path.name)
    return stale
