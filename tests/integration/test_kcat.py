"""The README's kcat lines, run as written against the broker after a seed replay: Debian's kcat
lists the service's topics and reads `speaker-updates`, whose latest update per key is the row
the sink stored for that speaker."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from schemas.topics import SPEAKER_UPDATES, TOPICS
from service.processes import Child
from service.replay.source import read_entries
from service.settings import Settings
from tests.integration.conftest import REPO, Broker, settings_for
from tests.integration.service_runs import SEEDS, replay_and_wait, rows, wait_until, worker_and_sink

pytestmark = pytest.mark.integration

README = REPO / "README.md"
KCAT_TIMEOUT_S = 60.0
README_TOPIC = "liveblog.speaker-updates"  # the default prefix; the test's topics have their own


@dataclass(frozen=True)
class Replayed:
    settings: Settings
    speakers: dict[str, dict]  # the sink's speaker_updates rows by speaker id


def readme_lines() -> list[str]:
    """The shell lines of the README's bash block that uses kcat, in order."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.DOTALL)
    [block] = [b for b in blocks if "kcat " in b]
    return [line for line in block.splitlines() if line.strip()]


def readme_line(starts: str, containing: str = "") -> str:
    """The one README line that starts so and holds `containing` (before its comment)."""
    [line] = [
        line
        for line in readme_lines()
        if line.startswith(starts) and containing in line.split("#")[0]
    ]
    return line


@pytest.fixture(scope="module")
def replayed(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replayed]:
    settings = settings_for(broker, tmp_path_factory.mktemp("kcat"))
    with worker_and_sink(settings) as children:
        replay_and_wait(settings, read_entries(SEEDS), children)
    speakers = {row["speaker_id"]: row for row in rows(settings, "speaker_updates")}
    assert speakers, "the seeds gave no speaker"
    yield Replayed(settings, speakers)


@pytest.fixture(scope="module")
def broker_address(broker: Broker) -> str:
    """$BROKER as the README's first line sets it (from the embedded broker's status)."""
    if broker.state_dir is None:  # a broker of KAFKA_BOOTSTRAP_SERVERS: no status to ask
        return broker.bootstrap_servers
    line = readme_line("BROKER=")
    done = shell(f'{line}\nprintf %s "$BROKER"', LIVEBLOG_STATE_DIR=str(broker.state_dir))
    return done.stdout


def shell(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run README lines with bash in the repository, as a reader would paste them."""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=KCAT_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"{script}\nexit {done.returncode}: {done.stderr[-2000:]}"
    return done


def for_test(line: str, settings: Settings) -> str:
    return line.replace(README_TOPIC, SPEAKER_UPDATES.full_name(settings.topic_prefix))


def updates(output: str) -> dict[str, dict]:
    """`%k\\t%s\\n` lines: the latest value of each key, parsed."""
    latest = {}
    complete, _, _being_written = output.rpartition("\n")
    for line in complete.splitlines():
        key, _, value = line.partition("\t")
        latest[key] = json.loads(value)
    return latest


def test_kcat_is_installed() -> None:
    # ./run test installs it (apt) when missing, like chromium for the dashboard test.
    assert shutil.which("kcat"), "kcat is missing: ./run test installs it (apt-get install kcat)"


def test_the_readme_broker_line_gives_the_embedded_broker_address(
    broker: Broker, broker_address: str
) -> None:
    assert broker_address == broker.bootstrap_servers


def test_kcat_lists_every_topic_of_the_service_with_its_partitions(
    replayed: Replayed, broker_address: str
) -> None:
    listed = shell(readme_line("kcat", " -L"), BROKER=broker_address).stdout

    partitions = {
        name: int(count)
        for name, count in re.findall(r'topic "([^"]+)" with (\d+) partitions', listed)
    }
    prefix = replayed.settings.topic_prefix
    for spec in TOPICS:
        assert partitions.get(spec.full_name(prefix)) == replayed.settings.partitions, spec.name
    # The tables' changelogs, made when the worker started, are there too.
    changelog = f"{replayed.settings.app_id}-speaker-tallies-changelog"
    assert partitions.get(changelog) == replayed.settings.partitions
    assert re.search(rf"broker \d+ at {re.escape(broker_address)}", listed)


def test_kcat_reads_each_speakers_latest_update_as_the_sink_stored_it(
    replayed: Replayed, broker_address: str
) -> None:
    line = for_test(readme_line("kcat", " -e "), replayed.settings)

    read = updates(shell(line, BROKER=broker_address).stdout)

    assert set(read) == set(replayed.speakers)
    assert read == replayed.speakers


def test_kcat_follows_speaker_updates_until_stopped(
    replayed: Replayed, broker_address: str, tmp_path: Path
) -> None:
    line = for_test(readme_line("kcat", " -C -u -f "), replayed.settings)
    out, err = tmp_path / "follow.out", tmp_path / "follow.err"

    with out.open("w") as stdout, err.open("w") as stderr:
        follow = subprocess.Popen(
            ["bash", "-c", line],
            cwd=REPO,
            env={**os.environ, "BROKER": broker_address},
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group: stopped whole below
        )
    try:
        wait_until(
            "kcat printed every speaker",
            lambda: set(updates(out.read_text())) == set(replayed.speakers),
            [Child("kcat", follow, err)],
            timeout_s=KCAT_TIMEOUT_S,
        )
        assert follow.poll() is None, "kcat exited: it should follow the topic"
    finally:
        os.killpg(follow.pid, signal.SIGTERM)
        follow.wait(timeout=10)
    assert updates(out.read_text()) == replayed.speakers
