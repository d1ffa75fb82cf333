"""The wire contracts: committed JSON schemas, the topic registry, and real instances."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from schemas.api import (
    API_MODELS,
    Liveness,
    QuotesQuery,
    Readiness,
    ShareQuery,
    WindowKind,
    WorkerClock,
)
from schemas.dead_letters import DeadLetter
from schemas.dedup import AnswerBatch, Claimant, ProbeBatch
from schemas.entries import EntryVerdict, RawEntry
from schemas.export import JSON_DIR, exported_models, render_schema, stale_schemas
from schemas.follow import FollowState
from schemas.quotes import CanonicalQuote, QuoteMention, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerUpdate
from schemas.topics import TOPICS, TopicSpec
from service import pipeline
from service.core.claims import answer_batch, gather_batch
from service.core.ranking import (
    error_body,
    quote_page,
    quote_share,
    speaker_detail,
    speaker_page,
    speaker_share,
)
from service.core.tallies import add_occurrence, add_to_tally
from service.core.windows import add_to_series
from service.replay.source import read_entries
from service.settings import Settings
from service.stream.codec import decode
from service.web.health import is_ready

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PARAMS = pipeline.PipelineParams.default()
JUDGE = pipeline.judge(PARAMS)


def test_committed_json_schemas_match_the_models() -> None:
    stale = stale_schemas()

    assert stale == [], f"schemas/json is out of date ({stale}): run `liveblog schemas`"


def test_stale_schemas_notices_a_changed_and_a_missing_file(tmp_path: Path) -> None:
    models = exported_models()
    for model in models:
        (tmp_path / f"{model.__name__}.schema.json").write_text(render_schema(model), "utf-8")
    (tmp_path / f"{models[0].__name__}.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / f"{models[1].__name__}.schema.json").unlink()

    stale = stale_schemas(tmp_path)

    assert sorted(stale) == sorted(f"{m.__name__}.schema.json" for m in models[:2])


def test_every_topic_and_api_model_has_a_committed_schema_file() -> None:
    names = {spec.model.__name__ for spec in TOPICS} | {m.__name__ for m in API_MODELS}

    assert names == {p.name.removesuffix(".schema.json") for p in JSON_DIR.glob("*.schema.json")}


def _has_path(model: type[BaseModel], dotted: str) -> bool:
    head, _, rest = dotted.partition(".")
    field = model.model_fields.get(head)
    if field is None:
        return False
    if not rest:
        return True
    inner = field.annotation
    return isinstance(inner, type) and issubclass(inner, BaseModel) and _has_path(inner, rest)


@pytest.mark.parametrize("spec", TOPICS, ids=[t.name for t in TOPICS])
def test_topic_key_names_a_field_of_its_model(spec: TopicSpec) -> None:
    assert _has_path(spec.model, spec.key), f"{spec.name}: {spec.model.__name__} has no {spec.key}"


def test_topic_names_are_unique() -> None:
    names = [t.name for t in TOPICS]

    assert len(set(names)) == len(names)


# --- real instances validate against the committed schemas ----------------------------------


def _instances() -> dict[str, BaseModel]:
    """One instance of every exported model, produced by the real code from the seeds."""
    seeds = read_entries(SEEDS)
    entry = next(e for e in seeds if pipeline.quote_occurrences(e) and e.headline)
    claims: dict[str, list[Claimant]] = {}
    sketches: dict[str, Claimant] = {}
    answers: list[AnswerBatch] = []
    probes: list[ProbeBatch] = []
    for item in seeds:
        for batch in pipeline.probe_batches(item, PARAMS, shards=1):
            probes.append(batch)
            sketches[item.entry_id] = batch.sketch
            known = {ref.key: claims.get(ref.key, []) for ref in batch.signatures}
            sent, changed = answer_batch(batch, known, sketches, JUDGE)
            claims.update(changed)
            answers += sent
    gathered = None
    for answer in (a for a in answers if a.entry_id == entry.entry_id):
        gathered = gather_batch(gathered, answer)
    assert gathered is not None and gathered.complete
    verdict = pipeline.verdict_for_entry(entry, gathered, PARAMS)
    occ = next(q.occurrence for q in pipeline.quote_occurrences(entry) if q.occurrence.speaker_id)
    dead = decode(
        RawEntry, b"\xffnot json", key=b"k", topic="raw", partition=0, offset=1, stage="s"
    )
    assert isinstance(dead, DeadLetter)
    return {
        **_api_instances(occ),
        "RawEntry": entry,
        "ProbeBatch": probes[0],
        "AnswerBatch": next(a for a in answers if a.holders),
        "EntryVerdict": verdict,
        "QuoteOccurrence": occ,
        "CanonicalQuote": add_occurrence(None, occ),
        "SpeakerMention": SpeakerMention(occurrence=occ, new_quote=True),
        "QuoteMention": QuoteMention(occurrence=occ, retracted=True),
        "SpeakerUpdate": add_to_tally(None, occ, count=True, new_quote=True, window_s=86_400),
        "DeadLetter": dead,
        "FollowState": FollowState.of(entry, entry.event_time),
    }


def _api_instances(occ: QuoteOccurrence) -> dict[str, BaseModel]:
    """The API's answers, built by the functions the worker answers with."""
    assert occ.speaker_id is not None
    specs = Settings().series_specs
    update = add_to_tally(None, occ, count=True, new_quote=True, window_s=86_400)
    series = add_to_series(None, occ.speaker_id, occ.event_time, 0, specs)
    worker = "http://127.0.0.1:6066"
    query = ShareQuery(window=WindowKind.HOPPING, as_of=update.last_seen)
    share = speaker_share(worker, [(update, series)], query, specs)
    quotes = QuotesQuery(speaker=occ.speaker_id)
    found = quote_share(worker, [add_occurrence(None, occ)], quotes)
    return {
        "ApiError": error_body(404, "not_found", "no speaker 'nobody'"),
        "WorkerClock": WorkerClock(worker=worker, as_of=update.last_seen),
        "SpeakerShare": share,
        "SpeakerPage": speaker_page([share], query, specs, update.last_seen),
        "SpeakerDetail": speaker_detail(update, series, specs, worker),
        "QuoteShare": found,
        "QuotePage": quote_page([found], quotes),
        "Liveness": Liveness(),
        "Readiness": Readiness(
            ready=is_ready(4, rebalancing=False, tables_recovered=True),
            assigned_partitions=4,
            rebalancing=False,
            tables_recovered=True,
            workers=1,
        ),
    }


@pytest.fixture(scope="module")
def instances() -> dict[str, BaseModel]:
    return _instances()


def test_there_is_an_instance_for_every_exported_model(instances: dict[str, BaseModel]) -> None:
    assert set(instances) == {m.__name__ for m in exported_models()}
    assert all(type(v).__name__ == k for k, v in instances.items())


@pytest.mark.parametrize("path", sorted(JSON_DIR.glob("*.schema.json")), ids=lambda p: p.name)
def test_committed_schema_validates_a_real_instance(
    path: Path, instances: dict[str, BaseModel]
) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    instance = json.loads(instances[path.name.removesuffix(".schema.json")].model_dump_json())

    jsonschema.Draft202012Validator(schema).validate(instance)


@pytest.mark.parametrize("path", sorted(JSON_DIR.glob("*.schema.json")), ids=lambda p: p.name)
def test_committed_schema_rejects_an_instance_with_an_unknown_field(
    path: Path, instances: dict[str, BaseModel]
) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    instance = json.loads(instances[path.name.removesuffix(".schema.json")].model_dump_json())

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**instance, "surprise": 1}, schema)


def test_raw_entry_schema_and_model_both_reject_an_entry_without_paragraphs(
    instances: dict[str, BaseModel],
) -> None:
    schema = json.loads((JSON_DIR / "RawEntry.schema.json").read_text(encoding="utf-8"))
    empty = {**json.loads(instances["RawEntry"].model_dump_json()), "paragraphs": []}

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(empty, schema)
    with pytest.raises(ValidationError):
        RawEntry.model_validate(empty)


def test_models_round_trip_through_json(instances: dict[str, BaseModel]) -> None:
    for model in (EntryVerdict, CanonicalQuote, QuoteOccurrence, SpeakerUpdate):
        instance = instances[model.__name__]

        assert model.model_validate_json(instance.model_dump_json()) == instance
