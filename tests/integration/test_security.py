"""Security for real: the service over a SASL_SSL listener (SCRAM-SHA-512 over TLS) of an Apache
Kafka broker of this module's own, and a wrong password refused at once, in one line, with no
password in any output or log."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from service.broker.config import LOOPBACK
from service.broker.embedded import Listener, free_port, start_broker, stop_broker
from service.processes import child_env
from service.replay.source import read_entries
from service.settings import Settings
from service.sink.state import final_state
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import SEEDS, replay_and_wait, rows, worker_and_sink

pytestmark = pytest.mark.integration

USER = "liveblog"
LISTENER = "SECURE"  # the SASL_SSL listener's name; the broker's own PLAINTEXT one stays
MECHANISM = "SCRAM-SHA-512"
RETRY_TIMEOUT_S = 30.0  # what a retried wrong password would cost; refusing it takes ~1-3 s


@dataclass(frozen=True)
class SecureBroker:
    plaintext: str  # bootstrap servers of the PLAINTEXT listener
    secure: str  # bootstrap servers of the SASL_SSL listener
    ca_file: Path
    password: str
    state_dir: Path

    def settings(self, folder: Path, password: str | None = None) -> Settings:
        """A run of the service over the SASL_SSL listener, as user `liveblog`."""
        return settings_for(Broker(self.secure), folder).with_overrides(
            security_protocol="SASL_SSL",
            sasl_mechanism=MECHANISM,
            sasl_username=USER,
            sasl_password=password or self.password,
            ssl_cafile=self.ca_file,
        )


def broker_key_store(ca: trustme.CA, folder: Path) -> Path:
    """The broker's key and certificate chain in one PEM file (Kafka's PEM key store)."""
    leaf = ca.issue_cert(LOOPBACK)  # clients check the address they dial against it
    # trustme writes the traditional OpenSSL key format; Kafka reads PKCS#8 only.
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = folder / "broker-keystore.pem"
    path.write_bytes(pkcs8 + b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    return path


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    folder = tmp_path_factory.mktemp("secure-kafka")
    ca = trustme.CA()  # throw-away: made for this run, gone with its folder
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    password = secrets.token_hex(16)
    prefix = f"listener.name.{LISTENER.lower()}"
    port = free_port()
    handle = start_broker(
        folder,
        listeners=[Listener(LISTENER, "SASL_SSL", port)],
        properties={
            "sasl.enabled.mechanisms": MECHANISM,
            f"{prefix}.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            f"{prefix}.ssl.keystore.type": "PEM",
            f"{prefix}.ssl.keystore.location": str(broker_key_store(ca, folder)),
        },
        # The user exists from the first start: formatting the storage writes its salted
        # credential into the cluster metadata.
        scram_credentials=[f"{MECHANISM}=[name={USER},password={password}]"],
    )
    try:
        yield SecureBroker(
            handle.bootstrap_servers, f"{LOOPBACK}:{port}", ca_file, password, folder
        )
    finally:
        stop_broker(folder)


def logs_under(*folders: Path) -> dict[Path, str]:
    """Every log file (the service's children, the broker's own) under the folders."""
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".log", ".out"}:
                found[path] = path.read_text(errors="replace")
    assert found, f"no log files under {folders}"
    return found


def test_the_seeds_go_through_worker_and_sink_over_sasl_ssl_as_over_plaintext(
    secure_broker: SecureBroker, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    seeds = read_entries(SEEDS)
    secure = secure_broker.settings(tmp_path / "secure")
    plain = settings_for(Broker(secure_broker.plaintext), tmp_path / "plain")

    for settings in (secure, plain):
        with worker_and_sink(settings) as children:
            replay_and_wait(settings, seeds, children)

    # Only the SASL_SSL listener was given, and Kafka tells its clients that listener's
    # address: every connection of the secure run authenticated over TLS.
    assert secure.bootstrap_servers != plain.bootstrap_servers
    assert {v["entry_id"] for v in rows(secure, "entry_verdicts")} == {e.entry_id for e in seeds}
    assert rows(secure, "quotes") and rows(secure, "speaker_updates")
    assert final_state(secure) == final_state(plain)

    worker_log = (secure.state_dir / "worker-0" / "worker.log").read_text()
    assert '"security_protocol": "SASL_SSL"' in worker_log  # the settings it ran with
    output = capfd.readouterr()
    for path, text in logs_under(tmp_path, secure_broker.state_dir).items():
        assert secure_broker.password not in text, f"the password is in {path}"
    assert secure_broker.password not in output.out + output.err


@pytest.mark.parametrize("command", [["topics"], ["replay", str(SEEDS)], ["worker"]])
def test_a_wrong_password_is_refused_at_once_in_one_line_without_any_password(
    secure_broker: SecureBroker, tmp_path: Path, command: list[str]
) -> None:
    wrong = secrets.token_hex(16)
    settings = secure_broker.settings(tmp_path, password=wrong).with_overrides(
        broker_retry_timeout_s=RETRY_TIMEOUT_S
    )
    settings.state_dir.mkdir(parents=True)
    started = time.monotonic()

    done = subprocess.run(
        [sys.executable, "-m", "service", *command],
        env=child_env(settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RETRY_TIMEOUT_S + 60,
        check=False,
    )

    elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    assert done.returncode == 2, output[-3000:]  # a user error: see service.cli.main
    assert elapsed < RETRY_TIMEOUT_S / 2, f"took {elapsed:.1f} s: was the refusal retried?"
    assert "Traceback" not in output
    # Log events are JSON lines (LIVEBLOG_LOG_FORMAT=json); the command's own words are not.
    said = [line for line in output.splitlines() if not line.startswith("{")]
    assert len(said) == 1, said
    [line] = said
    assert line.startswith("error: ") and "authentication failed" in line
    assert f"{secure_broker.secure} (SASL_SSL, {MECHANISM}, user '{USER}')" in line
    assert "invalid credentials" in line  # the broker's own reason
    for secret in (wrong, secure_broker.password):
        assert secret not in output
        assert secret not in "".join(logs_under(secure_broker.state_dir).values())
