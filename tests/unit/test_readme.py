"""The README, read as a newcomer reads it: every setting documented, and its examples of the
replay inputs accepted as they are written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from schemas.entries import RawEntry
from service.replay.seeds import parse_manifest
from service.settings import Settings, env_name

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text under a heading, up to the next heading of any level."""
    start = README.index(f"\n{title}\n")
    following = re.search(r"\n#{1,6} ", README[start + len(title) + 2 :])
    end = start + len(title) + 2 + following.start() if following else len(README)
    return README[start:end]


def json_blocks(text: str) -> list[str]:
    return re.findall(r"```json\n(.*?)```", text, re.S)


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_has_a_row_in_the_settings_table(field: str) -> None:
    rows = [line for line in section("### Settings").splitlines() if line.startswith("| `")]

    assert any(f"`{env_name(field)}`" in row.split("|")[1] for row in rows), env_name(field)


def test_the_manifest_example_is_a_valid_manifest() -> None:
    [manifest, _entry] = json_blocks(section("### What replay reads"))

    documents = parse_manifest(manifest, source="README")

    assert {d.kind.value for d in documents} == {"liveblog", "article"}


def test_the_raw_entry_example_is_one_valid_jsonl_line() -> None:
    [_manifest, entry] = json_blocks(section("### What replay reads"))
    [line] = entry.strip().splitlines()

    parsed = RawEntry.model_validate_json(line)

    assert json.loads(line)["entry_id"] == parsed.entry_id


def test_the_follow_example_page_is_a_live_blog_of_two_updates() -> None:
    from datetime import UTC, datetime

    from service.follow.jsonld import read_liveblog

    text = section("### Follow live pages and feeds")
    page = re.search(r"<<'HTML'\n(.*?)\nHTML\n", text, re.S)
    assert page is not None

    reading = read_liveblog(
        page.group(1), page_url="http://127.0.0.1:8000/liveblog.html", seen_at=datetime.now(UTC)
    )

    assert [f.entry.headline for f in reading.found] == ["Council meets", "Vote passes"]
    assert {f.entry.outlet for f in reading.found} == {"Harbour Gazette"}
