"""service.web.routing: where a key lives, and who holds which partitions."""

from __future__ import annotations

import pytest
from kafka.partitioner.default import murmur2

from service.web.routing import holder_of, holders, key_partition, same_worker

HOSTS = {
    "http://127.0.0.1:7001": {"app-speaker-tallies-changelog": [0, 1], "other": [2, 3]},
    "http://127.0.0.1:7002": {"app-speaker-tallies-changelog": [2, 3]},
    "http://127.0.0.1:7003": {"other": [0, 1]},
}
TOPIC = "app-speaker-tallies-changelog"


@pytest.mark.parametrize("key", ["putin", "zelensky", "trump", "q:ee2ba25aa88d9c900324bd37", "é"])
@pytest.mark.parametrize("partitions", [1, 4, 12])
def test_key_partition_is_where_kafka_clients_put_the_key(key: str, partitions: int) -> None:
    # kafka-python (the replay producer) and aiokafka (Faust) both hash like the Java client.
    expected = (murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions

    assert key_partition(key, partitions) == expected


def test_the_holder_of_a_partition_is_the_worker_assigned_it() -> None:
    assert holder_of(0, TOPIC, HOSTS) == "http://127.0.0.1:7001"
    assert holder_of(3, TOPIC, HOSTS) == "http://127.0.0.1:7002"
    assert holder_of(7, TOPIC, HOSTS) is None  # not assigned (yet)


def test_only_workers_with_partitions_of_the_table_are_asked_for_shares() -> None:
    assert holders(TOPIC, HOSTS) == ["http://127.0.0.1:7001", "http://127.0.0.1:7002"]
    assert holders("absent", HOSTS) == []


def test_same_worker_compares_host_and_port_only() -> None:
    assert same_worker("http://127.0.0.1:7001", "http://127.0.0.1:7001/")
    assert not same_worker("http://127.0.0.1:7001", "http://127.0.0.1:7002")
