"""The seed manifest and the seed loader (service.replay.seeds)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from schemas.entries import DocumentKind, RawEntry
from service.replay.seeds import (
    MANIFEST_NAME,
    SeedError,
    load_manifest,
    parse_manifest,
    read_seed_entries,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
BODY = (
    "Officials in Geneva told reporters on Thursday evening that the talks between the two "
    "delegations had ended without an agreement on a truce."
)


def row(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "file": "a.txt",
        "document_id": "doc-a",
        "outlet": "Example",
        "kind": "article",
        "published": "2025-03-13T12:00:00Z",
    }
    return {**base, **overrides}


def write_seeds(tmp_path: Path, rows: list[dict[str, object]], files: dict[str, str]) -> Path:
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(rows), encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def seed_entries() -> list[RawEntry]:
    return read_seed_entries(SEEDS)


# --- The real manifest ----------------------------------------------------------------------


def test_manifest_lists_every_seed_file_once() -> None:
    documents = load_manifest(SEEDS / MANIFEST_NAME)

    assert sorted(d.file for d in documents) == sorted(p.name for p in SEEDS.glob("*.txt"))


def test_manifest_has_one_live_blog_and_four_articles() -> None:
    documents = load_manifest(SEEDS / MANIFEST_NAME)

    assert [d.kind for d in documents] == [DocumentKind.LIVEBLOG] + [DocumentKind.ARTICLE] * 4


def test_manifest_times_are_all_on_the_thirteenth() -> None:
    documents = load_manifest(SEEDS / MANIFEST_NAME)
    times = [d.published for d in documents] + [d.updated for d in documents if d.updated]

    assert {t.date() for t in times} == {date(2025, 3, 13)}


def test_seed_entries_are_the_live_blog_entries_plus_one_per_article(
    seed_entries: list[RawEntry],
) -> None:
    assert len(seed_entries) == 24 + 4


def test_seed_entries_are_sorted_by_event_time(seed_entries: list[RawEntry]) -> None:
    keys = [(e.event_time, e.document_id, e.position) for e in seed_entries]

    assert keys == sorted(keys)


def test_seed_entry_ids_are_unique(seed_entries: list[RawEntry]) -> None:
    assert len({e.entry_id for e in seed_entries}) == len(seed_entries)


def test_syndicated_copies_come_after_the_live_blog_entries_they_copy(
    seed_entries: list[RawEntry],
) -> None:
    by_headline = {e.headline: e for e in seed_entries if e.headline}
    original = by_headline["The U.S.-backed cease-fire offer poses a dilemma for Putin."]
    copy = by_headline["US-backed ceasefire offer poses dilemma for Putin"]

    assert copy.event_time > original.event_time


# --- Loader behaviour on synthetic seed directories -----------------------------------------


def test_loader_reads_a_minimal_seed_directory(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, [row()], {"a.txt": f"Truce talks end without a deal\n{BODY}\n"})

    (entry,) = read_seed_entries(seeds)

    assert (entry.document_id, entry.outlet, entry.headline) == (
        "doc-a",
        "Example",
        "Truce talks end without a deal",
    )


def test_missing_manifest_error_names_the_manifest(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"manifest\.json: cannot read manifest"):
        read_seed_entries(tmp_path)


def test_missing_seed_file_error_names_the_file(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, [row(file="gone.txt")], {})

    with pytest.raises(SeedError, match=r"gone\.txt: listed in manifest\.json but missing"):
        read_seed_entries(seeds)


def test_invalid_json_is_reported_with_the_manifest_path(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text("[{", encoding="utf-8")

    with pytest.raises(SeedError, match=r"manifest\.json: not valid JSON"):
        load_manifest(tmp_path / MANIFEST_NAME)


def test_manifest_that_is_not_a_list_is_rejected() -> None:
    with pytest.raises(SeedError, match="expected a JSON list"):
        parse_manifest(json.dumps(row()))


def test_bad_field_error_names_row_file_and_field() -> None:
    with pytest.raises(SeedError, match=r"row 0 \(a\.txt\) kind"):
        parse_manifest(json.dumps([row(kind="podcast")]))


def test_naive_published_time_is_rejected() -> None:
    with pytest.raises(SeedError, match="published"):
        parse_manifest(json.dumps([row(published="2025-03-13T12:00:00")]))


def test_live_blog_without_updated_is_rejected() -> None:
    with pytest.raises(SeedError, match="liveblog needs 'updated'"):
        parse_manifest(json.dumps([row(kind="liveblog")]))


def test_article_with_updated_is_rejected() -> None:
    with pytest.raises(SeedError, match="only meaningful for a liveblog"):
        parse_manifest(json.dumps([row(updated="2025-03-13T13:00:00Z")]))


def test_file_outside_the_seeds_directory_is_rejected() -> None:
    with pytest.raises(SeedError, match="file"):
        parse_manifest(json.dumps([row(file="../secrets.txt")]))


def test_duplicate_document_ids_are_rejected() -> None:
    rows = [row(), row(file="b.txt")]

    with pytest.raises(SeedError, match="duplicate document_id doc-a"):
        parse_manifest(json.dumps(rows))


def test_unknown_manifest_field_is_rejected() -> None:
    with pytest.raises(SeedError, match="author: Extra inputs"):
        parse_manifest(json.dumps([row(author="someone")]))


def test_seed_file_without_body_error_names_the_file(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, [row()], {"a.txt": "Advertisement\nComments\n"})

    with pytest.raises(SeedError, match=r"a\.txt: document 'doc-a': no body paragraphs"):
        read_seed_entries(seeds)


def test_seed_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, [row()], {})
    (seeds / "a.txt").write_bytes(b"\xff\xfe\x00bad")

    with pytest.raises(SeedError, match=r"a\.txt: not UTF-8"):
        read_seed_entries(seeds)
