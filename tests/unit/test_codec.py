"""service.stream.codec: raw Kafka bytes become a model, or a DeadLetter that says why not."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from schemas.dead_letters import DeadLetter
from schemas.entries import DocumentKind, RawEntry
from service.stream.codec import decode, encode

ENTRY = RawEntry(
    entry_id="doc-1:abc",
    document_id="doc-1",
    outlet="Example Times",
    kind=DocumentKind.ARTICLE,
    position=0,
    event_time=datetime(2025, 3, 13, 12, tzinfo=UTC),
    headline="Talks end without a truce",
    paragraphs=["Officials said the talks had ended.", "“We will meet again,” she said."],
)


def _decode(value: bytes | None, key: bytes | None = b"k") -> RawEntry | DeadLetter:
    return decode(
        RawEntry,
        value,
        key=key,
        topic="liveblog.raw-entries",
        partition=3,
        offset=42,
        stage="validate_entries",
    )


def _entry_dict(**changes: object) -> dict[str, object]:
    return {**json.loads(encode(ENTRY)), **changes}


def test_valid_entry_bytes_decode_to_the_model() -> None:
    value = encode(ENTRY)

    decoded = _decode(value)

    assert decoded == ENTRY


def test_encoding_a_decoded_entry_gives_the_same_bytes() -> None:
    value = encode(ENTRY)

    again = encode(_decode(value))

    assert again == value


def test_producer_json_with_other_spacing_and_field_order_decodes() -> None:
    data = _entry_dict()
    value = json.dumps(dict(reversed(data.items())), indent=2).encode("utf-8")

    decoded = _decode(value)

    assert decoded == ENTRY


MISSING_FIELD = _entry_dict()
del MISSING_FIELD["outlet"]

BAD_VALUES = {
    "invalid_utf8": (b"\xff\xfe{not utf-8", "invalid_utf8"),
    "not_json": (b"{this is not json", "invalid_json"),
    "json_array": (b'[{"entry_id": "x"}]', "not_an_object"),
    "json_string": (b'"a string"', "not_an_object"),
    "missing_field": (json.dumps(MISSING_FIELD).encode(), "validation_error"),
    "wrong_type": (json.dumps(_entry_dict(position="first")).encode(), "validation_error"),
    "unknown_field": (json.dumps(_entry_dict(extra=1)).encode(), "validation_error"),
    "schema_version_2": (
        json.dumps(_entry_dict(schema_version=2)).encode(),
        "unknown_schema_version",
    ),
}


@pytest.mark.parametrize(("value", "error_type"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_value_gives_a_dead_letter_with_its_error_type_and_a_reason(
    value: bytes, error_type: str
) -> None:
    decoded = _decode(value)

    assert isinstance(decoded, DeadLetter)
    assert decoded.error_type == error_type
    assert decoded.reason.strip()


@pytest.mark.parametrize("value", [v for v, _ in BAD_VALUES.values()], ids=BAD_VALUES.keys())
def test_dead_letter_keeps_the_original_bytes_recoverable(value: bytes) -> None:
    decoded = _decode(value)

    assert isinstance(decoded, DeadLetter)
    assert decoded.original_value() == value


def test_dead_letter_names_where_the_event_came_from() -> None:
    decoded = _decode(b"nope", key=b"the-key")

    assert isinstance(decoded, DeadLetter)
    assert (decoded.source_topic, decoded.partition, decoded.offset) == (
        "liveblog.raw-entries",
        3,
        42,
    )
    assert decoded.stage == "validate_entries"
    assert decoded.key_base64 is not None


def test_missing_field_reason_names_the_field() -> None:
    decoded = _decode(json.dumps(MISSING_FIELD).encode())

    assert isinstance(decoded, DeadLetter)
    assert "outlet" in decoded.reason


def test_wrong_type_reason_names_the_field() -> None:
    decoded = _decode(json.dumps(_entry_dict(position="first")).encode())

    assert isinstance(decoded, DeadLetter)
    assert "position" in decoded.reason


def test_none_value_gives_an_empty_value_dead_letter() -> None:
    decoded = _decode(None)

    assert isinstance(decoded, DeadLetter)
    assert decoded.error_type == "empty_value"
    assert decoded.reason.strip()
    assert decoded.original_value() == b""


def test_dead_letter_without_a_key_records_no_key() -> None:
    decoded = _decode(b"nope", key=None)

    assert isinstance(decoded, DeadLetter)
    assert decoded.key_base64 is None


def test_reason_is_bounded_even_for_a_huge_invalid_value() -> None:
    value = json.dumps(_entry_dict(paragraphs=[""] * 5000)).encode()

    decoded = _decode(value)

    assert isinstance(decoded, DeadLetter)
    assert 0 < len(decoded.reason) <= 2000


def test_dead_letter_round_trips_through_its_own_encoding() -> None:
    letter = _decode(b"\x00\x01 binary junk")

    again = decode(
        DeadLetter, encode(letter), key=None, topic="t", partition=0, offset=0, stage="s"
    )

    assert again == letter


@pytest.mark.parametrize("value", [b"[" * 100_000, b'{"a":' * 100_000], ids=["array", "object"])
def test_deeply_nested_json_gives_a_dead_letter_instead_of_raising(value: bytes) -> None:
    decoded = _decode(value)

    assert isinstance(decoded, DeadLetter)
    assert decoded.original_value() == value
