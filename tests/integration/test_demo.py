"""`liveblog demo --serve`, run as a user runs it: the seeds processed and summarised, then the
worker kept up so that the README's API and dashboard examples can be tried, until Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from service.broker.embedded import free_port
from service.processes import alive
from tests.integration.conftest import REPO, Broker, settings_for
from tests.integration.service_runs import SEEDS

pytestmark = pytest.mark.integration

WAIT_S = 240.0


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def wait_for_line(log: Path, text: str, demo: subprocess.Popen[bytes]) -> None:
    """Until the demo has printed `text` (fails if it exits first, or after WAIT_S)."""
    deadline = time.monotonic() + WAIT_S
    while text not in log.read_text(errors="replace"):
        assert demo.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, f"no {text!r} after {WAIT_S} s"
        time.sleep(0.25)  # polling interval of the condition above


def test_demo_serve_keeps_the_api_up_until_ctrl_c(broker: Broker, tmp_path: Path) -> None:
    settings = settings_for(broker, tmp_path)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LIVEBLOG_", "KAFKA_"))},
        "LIVEBLOG_TOPIC_PREFIX": settings.topic_prefix,
        "LIVEBLOG_APP_ID": settings.app_id,
        "LIVEBLOG_WEB_PORT": str(port),
        "LIVEBLOG_LOG_FORMAT": "json",
        "PYTHONPATH": str(REPO),
    }
    log = tmp_path / "demo.out"
    command = [sys.executable, "-m", "service", "demo", "--serve", "--seeds", str(SEEDS)]
    command += ["-b", broker.bootstrap_servers, "--out-dir", str(settings.out_dir)]
    command += ["--state-dir", str(settings.state_dir)]
    with log.open("wb") as out:
        demo = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_line(log, "serving: ", demo)

        url = f"http://127.0.0.1:{port}"
        page = get_json(f"{url}/speakers?limit=1&points=3")
        ready = get_json(f"{url}/readyz")
        worker_pids = [
            json.loads(line)["pid"]
            for line in log.read_text().splitlines()
            if line.startswith("{") and '"process_started"' in line
        ]
        assert "entries in:" in log.read_text()  # the summary came first
        assert page["total"] > 0 and page["items"][0]["speaker_id"] == "vladimir-putin"
        assert ready["ready"] is True

        demo.send_signal(signal.SIGINT)

        assert demo.wait(timeout=60) == 0
        assert worker_pids and not any(alive(pid) for pid in worker_pids)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
