"""service.kafka.admin: which topics have another partition count than the worker expects, and
the one line that says so."""

from __future__ import annotations

import pytest

from service.kafka.admin import (
    PartitionMismatch,
    _mismatch_line,
    expected_partitions,
    partition_mismatches,
)
from service.settings import Settings


def test_topics_with_the_expected_count_are_no_mismatch() -> None:
    mismatches = partition_mismatches({"a": 4, "b": 4}, {"a": 4, "b": 4, "other": 1})

    assert mismatches == []


@pytest.mark.parametrize(
    ("actual", "found"),
    [({"a": 4, "b": 8}, 8), ({"a": 4}, None)],
    ids=["another-count", "missing"],
)
def test_a_topic_with_another_count_or_none_is_a_mismatch(
    actual: dict[str, int], found: int | None
) -> None:
    mismatches = partition_mismatches({"a": 4, "b": 4}, actual)

    assert mismatches == [PartitionMismatch("b", 4, found)]


def test_the_refusal_names_the_topic_and_both_counts_in_one_line() -> None:
    line = _mismatch_line([PartitionMismatch("liveblog.entries", 4, 8)])

    assert line.startswith(
        "topic liveblog.entries has 8 partitions, expected 4 (LIVEBLOG_PARTITIONS)"
    )
    assert "\n" not in line


def test_the_worker_expects_every_topic_at_the_configured_count() -> None:
    settings = Settings(topic_prefix="p.", partitions=3)

    expected = expected_partitions(settings)

    assert expected["p.raw-entries"] == expected["p.dedup-probes"] == 3
    assert len(expected) == 12
