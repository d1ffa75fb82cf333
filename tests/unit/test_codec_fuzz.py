"""Bad input, fuzzed: every value either validates to a RawEntry or becomes a dead letter that says
why and keeps the original bytes; decoding never raises.

The categories follow issue 6: malformed JSON, wrong types, missing fields, unknown schema
version, invalid UTF-8, oversized texts, empty texts and control characters.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.dead_letters import TRUNCATED_HEAD_BYTES, DeadLetter
from schemas.entries import DocumentKind, RawEntry
from service.stream.codec import decode, encode

MAX_BYTES = 64 * 1024  # small, so that hypothesis can reach it cheaply
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONTROL = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]]
FIELDS = list(RawEntry.model_fields)
REQUIRED = [name for name, field in RawEntry.model_fields.items() if field.is_required()]


def _decode(value: bytes | None, max_bytes: int | None = MAX_BYTES) -> RawEntry | DeadLetter:
    return decode(
        RawEntry,
        value,
        key=b"key",
        topic="liveblog.raw-entries",
        partition=1,
        offset=7,
        stage="validate_entries",
        max_bytes=max_bytes,
    )


def _dead(value: bytes, max_bytes: int | None = MAX_BYTES) -> DeadLetter:
    result = _decode(value, max_bytes)
    assert isinstance(result, DeadLetter), f"accepted: {value[:200]!r}"
    assert result.reason.strip() and result.error_type
    assert result.stage == "validate_entries"
    assert (result.source_topic, result.partition, result.offset) == ("liveblog.raw-entries", 1, 7)
    return result


# Text a reporter could write: any printable character (letters, marks, emoji, RTL), spaces.
clean_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=80
).filter(str.strip)

entries = st.builds(
    RawEntry,
    entry_id=st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:@-]{0,40}\Z"),
    document_id=st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,20}\Z"),
    outlet=clean_text,
    kind=st.sampled_from(DocumentKind),
    position=st.integers(min_value=0, max_value=10_000),
    event_time=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    byline=st.none() | clean_text,
    dateline=st.none() | clean_text,
    headline=st.none() | clean_text,
    paragraphs=st.lists(clean_text, min_size=1, max_size=5),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _as_dict(entry: RawEntry) -> dict[str, Any]:
    return json.loads(encode(entry))


def _bytes(data: object) -> bytes:
    return json.dumps(data).encode("utf-8")


@FUZZ
@given(st.binary(max_size=2_000))
def test_any_bytes_give_an_entry_or_a_dead_letter_keeping_them(value: bytes) -> None:
    result = _decode(value)

    if isinstance(result, DeadLetter):
        assert result.reason.strip()
        assert result.original_value() == value
    else:
        assert isinstance(result, RawEntry)


@FUZZ
@given(json_values)
def test_any_json_value_gives_an_entry_or_a_dead_letter_keeping_it(data: object) -> None:
    value = _bytes(data)

    result = _decode(value)

    assert isinstance(result, DeadLetter)  # random JSON is never a whole valid entry
    assert result.original_value() == value


@FUZZ
@given(entries)
def test_valid_entries_round_trip(entry: RawEntry) -> None:
    result = _decode(encode(entry))

    assert result == entry
    assert _decode(encode(result)) == entry  # what validate_entries re-sends decodes again


@FUZZ
@given(entries, st.data())
def test_malformed_json_is_dead_lettered_as_invalid_json(
    entry: RawEntry, data: st.DataObject
) -> None:
    text = encode(entry).decode("utf-8")
    cut = data.draw(st.integers(min_value=1, max_value=len(text) - 1), label="cut")

    assert _dead(text[:cut].encode("utf-8")).error_type == "invalid_json"


@FUZZ
@given(entries, st.data())
def test_invalid_utf8_is_dead_lettered_as_invalid_utf8(
    entry: RawEntry, data: st.DataObject
) -> None:
    value = encode(entry)
    at = data.draw(st.integers(min_value=0, max_value=len(value)), label="at")
    junk = data.draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80"]))

    dead = _dead(value[:at] + junk + value[at:])

    assert dead.error_type == "invalid_utf8"
    assert dead.original_value() == value[:at] + junk + value[at:]


@FUZZ
@given(entries, st.sampled_from(REQUIRED))
def test_a_missing_required_field_is_named_in_the_reason(entry: RawEntry, field: str) -> None:
    data = _as_dict(entry)
    del data[field]

    dead = _dead(_bytes(data))

    assert dead.error_type == "validation_error"
    assert field in dead.reason


WRONG_TYPES: dict[str, Any] = {
    "entry_id": st.integers() | st.none() | st.just("has space"),
    "document_id": st.lists(st.integers(), max_size=2),
    "outlet": st.integers() | st.none(),
    "kind": st.text().filter(lambda s: s not in {"liveblog", "article"}),
    # (pydantic reads "12" as 12: a numeric string is not a wrong type)
    "position": st.sampled_from(["first", "", "1st", "one"])
    | st.integers(max_value=-1)
    | st.floats(allow_nan=False).filter(lambda f: not f.is_integer()),
    # (pydantic reads a number as a Unix time: not a wrong type)
    "event_time": st.booleans() | st.just("yesterday") | st.just("2025-03-13T12:00:00"),
    "paragraphs": st.text() | st.integers() | st.lists(st.integers(), min_size=1, max_size=3),
    "headline": st.integers() | st.lists(st.text(), max_size=2),
}


@FUZZ
@given(entries, st.sampled_from(sorted(WRONG_TYPES)), st.data())
def test_a_wrong_type_is_named_in_the_reason(
    entry: RawEntry, field: str, data: st.DataObject
) -> None:
    bad = data.draw(WRONG_TYPES[field], label=field)

    dead = _dead(_bytes({**_as_dict(entry), field: bad}))

    assert dead.error_type == "validation_error"
    assert field in dead.reason


@FUZZ
@given(entries, json_values.filter(lambda v: not (type(v) is int and v == 1)))
def test_an_unknown_schema_version_is_rejected_as_such(entry: RawEntry, version: object) -> None:
    dead = _dead(_bytes({**_as_dict(entry), "schema_version": version}))

    assert dead.error_type in {"unknown_schema_version", "validation_error"}
    assert "schema_version" in dead.reason


@FUZZ
@given(entries, st.sampled_from(["", " ", "\n", " \t "]), st.booleans())
def test_empty_texts_are_rejected(entry: RawEntry, blank: str, as_list: bool) -> None:
    paragraphs: list[str] = [] if as_list else [*entry.paragraphs, blank]

    dead = _dead(_bytes({**_as_dict(entry), "paragraphs": paragraphs}))

    assert dead.error_type == "validation_error"
    assert "paragraphs" in dead.reason


@FUZZ
@given(
    entries,
    st.sampled_from(["outlet", "headline", "byline", "dateline", "paragraphs"]),
    st.sampled_from(CONTROL),
    st.data(),
)
def test_control_characters_in_texts_are_rejected(
    entry: RawEntry, field: str, control: str, data: st.DataObject
) -> None:
    text = data.draw(clean_text, label="text")
    at = data.draw(st.integers(min_value=0, max_value=len(text)), label="at")
    dirty = text[:at] + control + text[at:]
    value = [dirty] if field == "paragraphs" else dirty

    dead = _dead(_bytes({**_as_dict(entry), field: value}))

    assert dead.error_type == "validation_error"
    assert field in dead.reason


@FUZZ
@given(entries, st.integers(min_value=1, max_value=4 * MAX_BYTES))
def test_oversized_entries_are_rejected_keeping_a_head_size_and_digest(
    entry: RawEntry, extra: int
) -> None:
    data = _as_dict(entry)
    room = MAX_BYTES - len(_bytes(data))
    value = _bytes({**data, "paragraphs": [*data["paragraphs"], "x" * (room + extra)]})

    dead = _dead(value)

    assert dead.error_type == "too_large"
    assert str(len(value)) in dead.reason and str(MAX_BYTES) in dead.reason
    assert dead.value_truncated
    assert (dead.value_size, dead.value_sha256) == (len(value), hashlib.sha256(value).hexdigest())
    assert value.startswith(dead.kept_value()) and dead.kept_value()


@FUZZ
@given(st.binary(max_size=MAX_BYTES // 4))
def test_a_dead_letter_survives_its_own_encoding(value: bytes) -> None:
    letter = _decode(b"\x00" + value)  # never valid JSON

    again = decode(
        DeadLetter, encode(letter), key=None, topic="t", partition=0, offset=0, stage="sink"
    )

    assert again == letter
    assert isinstance(again, DeadLetter) and again.original_value() == b"\x00" + value


def test_a_10_mb_text_gives_a_small_dead_letter_that_identifies_it() -> None:
    entry = _as_dict(
        RawEntry(
            entry_id="big:1",
            document_id="big",
            outlet="Example",
            kind=DocumentKind.ARTICLE,
            position=0,
            event_time=datetime(2025, 3, 13, tzinfo=UTC),
            paragraphs=["ok"],
        )
    )
    value = _bytes({**entry, "paragraphs": ["word " * 2_000_000]})

    dead = _dead(value, max_bytes=512 * 1024)

    assert len(value) > 10_000_000
    assert dead.value_truncated and len(dead.kept_value()) == TRUNCATED_HEAD_BYTES
    assert dead.value_sha256 == hashlib.sha256(value).hexdigest()
    assert len(encode(dead)) < 1_000_000  # fits the default message size of any broker


def test_a_value_at_the_limit_is_parsed_not_rejected_for_size() -> None:
    value = b"[" + b" " * (MAX_BYTES - 2) + b"]"

    dead = _dead(value)

    assert len(value) == MAX_BYTES
    assert dead.error_type == "not_an_object"
    assert not dead.value_truncated and dead.original_value() == value
