"""The embedded Apache Kafka's configuration, version pin and safety checks (no JVM started)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from service.broker import embedded, install
from service.broker.config import SINGLE_NODE, Listener, NodeLayout, server_properties
from service.broker.embedded import BrokerError, running_broker, start_broker, stop_broker

ROOT = Path(__file__).resolve().parents[2]


def test_the_pinned_kafka_version_is_the_one_docker_compose_runs() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    image = compose["services"]["kafka"]["image"]

    assert image == f"apache/kafka:{install.kafka_version()}"


def test_one_node_is_broker_and_controller_on_loopback(tmp_path: Path) -> None:
    layout = NodeLayout(tmp_path / "data", port=9101, controller_port=9102, advertised_port=9101)

    props = server_properties(layout)

    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9102"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9101,CONTROLLER://127.0.0.1:9102"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9101"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert {k: props[k] for k in SINGLE_NODE} == SINGLE_NODE


def test_an_extra_listener_gets_its_protocol_and_loopback_address(tmp_path: Path) -> None:
    secure = Listener("SECURE", "SASL_SSL", 9103)
    layout = NodeLayout(tmp_path, 9101, 9102, 9101, listeners=[secure], extra={"a.b": "c"})

    props = server_properties(layout)

    assert "SECURE://127.0.0.1:9103" in props["listeners"].split(",")
    assert "SECURE://127.0.0.1:9103" in props["advertised.listeners"].split(",")
    assert "SECURE:SASL_SSL" in props["listener.security.protocol.map"].split(",")
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["a.b"] == "c"


def test_clients_can_be_told_another_port_than_the_one_bound(tmp_path: Path) -> None:
    props = server_properties(NodeLayout(tmp_path, 9101, 9102, advertised_port=9200))

    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9200"


def test_a_pid_file_naming_another_process_is_never_signalled(tmp_path: Path) -> None:
    folder = tmp_path / "kafka"
    folder.mkdir()
    (folder / "node.json").write_text('{"port": 9101}')
    (folder / "broker.pid").write_text(str(os.getpid()))  # this test process: not a broker

    assert running_broker(tmp_path) is None
    assert stop_broker(tmp_path) is False
    assert not (folder / "broker.pid").exists()


@pytest.mark.parametrize("heap", ["lots", "512", "1.5g"])
def test_a_heap_java_would_refuse_is_an_error_before_anything_starts(
    heap: str, tmp_path: Path
) -> None:
    with pytest.raises(BrokerError, match="heap"):
        start_broker(tmp_path, heap=heap)

    assert not (tmp_path / "kafka").exists()


def test_missing_java_is_named_with_the_packages_that_provide_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BrokerError, match=r"java not found.*apt-get install openjdk-17"):
        install.find_java()


def test_missing_maven_is_named_with_the_packages_and_the_kafka_home_way_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # nothing resolved yet
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BrokerError, match=r"mvn not found.*maven.*KAFKA_HOME"):
        install.resolve_classpath()


def test_kafka_home_without_a_kafka_distribution_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path))

    with pytest.raises(BrokerError, match="no Kafka distribution"):
        install.resolve_classpath()


def test_kafka_home_libs_are_the_classpath(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs" / "kafka_2.13-3.9.1.jar").write_bytes(b"")
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path))

    assert install.resolve_classpath() == str(tmp_path / "libs" / "*")


def test_java_versions_are_read_in_both_numbering_schemes(tmp_path: Path) -> None:
    fake = tmp_path / "java"
    for banner, major in (
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_402"', 8),
    ):
        fake.write_text(f"#!/bin/sh\necho '{banner}' >&2\n")
        fake.chmod(0o755)

        assert install.java_major(fake) == major


def test_the_version_pin_is_a_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", install.kafka_version())


def test_cluster_ids_are_kafka_uuids_that_no_command_line_takes_for_an_option() -> None:
    ids = [embedded._cluster_id() for _ in range(2000)]  # 1 in 64 would start with "-"

    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", i) for i in ids)
    assert len(set(ids)) == len(ids)
