"""The embedded Apache Kafka's life cycle, driven as a user drives it: `liveblog broker
start|status|stop|reset`. Data survives stop and start (same address), reset wipes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

pytestmark = pytest.mark.integration


def liveblog(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "BOOTSTRAP_SERVERS" not in k}
    return subprocess.run(
        [sys.executable, "-m", "service", "broker", *args, "--state-dir", str(state_dir)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env | {"LIVEBLOG_LOG_FORMAT": "json"},
        check=False,
    )


def topics(bootstrap: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="lifecycle-test")
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def create_topic(bootstrap: str, name: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="lifecycle-test")
    try:
        admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        admin.close()


def test_data_survives_stop_and_start_on_the_same_address_and_reset_wipes_it(
    tmp_path: Path,
) -> None:
    try:
        started = liveblog(tmp_path, "start")
        assert started.returncode == 0, started.stderr
        bootstrap = started.stdout.strip()
        status = liveblog(tmp_path, "status")
        assert status.returncode == 0 and status.stdout.startswith(bootstrap)
        assert (tmp_path / "kafka" / "data" / "meta.properties").exists()
        create_topic(bootstrap, "kept-across-restarts")

        assert liveblog(tmp_path, "stop").stdout.strip() == "stopped"
        assert liveblog(tmp_path, "status").returncode == 1
        again = liveblog(tmp_path, "start")
        assert again.stdout.strip() == bootstrap
        assert "kept-across-restarts" in topics(bootstrap)

        assert liveblog(tmp_path, "reset").stdout.strip() == "reset"
        assert liveblog(tmp_path, "status").stdout.strip() == "not running"
        assert not (tmp_path / "kafka").exists()
        fresh = liveblog(tmp_path, "start").stdout.strip()
        assert "kept-across-restarts" not in topics(fresh)
    finally:
        liveblog(tmp_path, "stop")
