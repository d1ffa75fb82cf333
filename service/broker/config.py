"""The embedded broker's configuration: one Apache Kafka node in KRaft mode on loopback.

Every setting that departs from Kafka's defaults is here, with why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
NODE_ID = 1

# What makes a single node quick to start, quick to join and sound on its own.
SINGLE_NODE: dict[str, str] = {
    # A new consumer group is formed at once instead of after Kafka's 3 s wait for more members.
    "group.initial.rebalance.delay.ms": "0",
    # One broker: internal topics cannot have more replicas than that.
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
    # 50 partitions each (the defaults) are made on first use and slow the first group join
    # and the first transaction; a handful serves a single machine.
    "offsets.topic.num.partitions": "4",
    "transaction.state.log.num.partitions": "4",
    # The service creates every topic it uses, with its partition count (service/kafka/admin.py,
    # and the worker its changelogs); a typo in a topic name must fail, not create a topic.
    "auto.create.topics.enable": "false",
    "num.partitions": "1",
    # The log cleaner (compacted changelogs) reserves 128 MB by default; 16 MB is plenty here
    # and keeps the broker's heap small.
    "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
    # Retention is enforced every 10 s instead of every 5 min, so that a topic losing records
    # to it shows within a test run (tests/integration/test_topic_retention.py); a check over a
    # few hundred small logs costs next to nothing.
    "log.retention.check.interval.ms": "10000",
    # Fewer threads than the defaults (3 network, 8 I/O): the machine is small and shared.
    "num.network.threads": "2",
    "num.io.threads": "4",
}


@dataclass(frozen=True)
class Listener:
    """A client listener besides the default PLAINTEXT one, e.g. SASL_SSL for a secure test."""

    name: str  # upper case, e.g. "SECURE"
    protocol: str  # PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    port: int


@dataclass(frozen=True)
class NodeLayout:
    data_dir: Path
    port: int
    controller_port: int
    advertised_port: int
    listeners: Sequence[Listener] = ()
    extra: Mapping[str, str] = field(default_factory=dict)


def server_properties(layout: NodeLayout) -> dict[str, str]:
    """server.properties for one node that is both broker and controller."""
    names = ["PLAINTEXT", *(listener.name for listener in layout.listeners)]
    protocols = {"PLAINTEXT": "PLAINTEXT", "CONTROLLER": "PLAINTEXT"}
    protocols.update({listener.name: listener.protocol for listener in layout.listeners})
    bound = [f"PLAINTEXT://{LOOPBACK}:{layout.port}"]
    advertised = [f"PLAINTEXT://{LOOPBACK}:{layout.advertised_port}"]
    for listener in layout.listeners:
        bound.append(f"{listener.name}://{LOOPBACK}:{listener.port}")
        advertised.append(f"{listener.name}://{LOOPBACK}:{listener.port}")
    properties = {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        "controller.quorum.voters": f"{NODE_ID}@{LOOPBACK}:{layout.controller_port}",
        "controller.listener.names": "CONTROLLER",
        "listeners": ",".join([*bound, f"CONTROLLER://{LOOPBACK}:{layout.controller_port}"]),
        "advertised.listeners": ",".join(advertised),
        "listener.security.protocol.map": ",".join(f"{k}:{v}" for k, v in protocols.items()),
        "inter.broker.listener.name": names[0],
        "log.dirs": str(layout.data_dir),
        **SINGLE_NODE,
    }
    properties.update(layout.extra)
    return properties


def render_properties(properties: Mapping[str, str]) -> str:
    lines = [f"{key}={_escape(value)}" for key, value in properties.items()]
    return "# written by liveblog broker start; edits are overwritten\n" + "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    # java.util.Properties: a backslash escapes; JAAS lines hold none, paths on Linux neither.
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def log4j_properties(log_file: Path, level: str = "INFO") -> str:
    """Kafka's own log to one rolling file (3 x 10 MB): the broker runs in the background."""
    return "\n".join(
        [
            f"log4j.rootLogger={level}, file",
            "log4j.appender.file=org.apache.log4j.RollingFileAppender",
            f"log4j.appender.file.File={log_file}",
            "log4j.appender.file.MaxFileSize=10MB",
            "log4j.appender.file.MaxBackupIndex=2",
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
            # Per-request and state-change chatter; warnings still show.
            "log4j.logger.kafka.request.logger=WARN",
            "log4j.logger.state.change.logger=WARN",
            "log4j.logger.kafka.controller=WARN",
            "log4j.logger.org.apache.kafka.controller=WARN",
            "",
        ]
    )
