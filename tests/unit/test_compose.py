"""docker-compose.yml is valid Compose and every service runs a real `liveblog` subcommand.

No Docker engine is needed: the file is checked against the Compose Specification JSON schema
(shipped inside the docker-compose 1.29.2 wheel on PyPI, fetched once with its hash pinned).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
import typer.main
import yaml

from service.cli import app

REPO = Path(__file__).resolve().parents[2]
WHEEL = "docker-compose==1.29.2"
WHEEL_SHA256 = "8d5589373b35c8d3b1c8c1182c6e4a4ff14bffa3dd0b605fcd08f73c94cef809"


@pytest.fixture(scope="module")
def compose_schema(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cache = REPO / ".cache" / "compose-spec"
    wheels = list(cache.glob("docker_compose-1.29.2-*.whl"))
    if not wheels:
        requirements = tmp_path_factory.mktemp("req") / "requirements.txt"
        requirements.write_text(f"{WHEEL} --hash=sha256:{WHEEL_SHA256}\n")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(requirements),
                "-d",
                str(cache),
            ],
            check=True,
        )
        wheels = list(cache.glob("docker_compose-1.29.2-*.whl"))
    with zipfile.ZipFile(wheels[0]) as wheel:
        return json.loads(wheel.read("compose/config/compose_spec.json"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_file_follows_the_compose_specification(
    compose_schema: dict, compose: dict
) -> None:
    validator = jsonschema.Draft201909Validator(compose_schema)

    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))

    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_every_service_command_is_a_real_subcommand(compose: dict) -> None:
    subcommands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    ours = {name: s for name, s in compose["services"].items() if "build" in s}

    commands = {name: s["command"][0] for name, s in ours.items()}

    assert set(ours) == {"worker", "sink", "replay"}
    assert set(commands.values()) <= subcommands


def test_kafka_service_is_single_node_kraft_with_a_healthcheck(compose: dict) -> None:
    kafka = compose["services"]["kafka"]

    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "healthcheck" in kafka
    for name in ("worker", "sink", "replay"):
        assert compose["services"][name]["depends_on"]["kafka"]["condition"] == "service_healthy"


SECURITY = [
    "LIVEBLOG_SECURITY_PROTOCOL",
    "LIVEBLOG_SASL_MECHANISM",
    "LIVEBLOG_SASL_USERNAME",
    "LIVEBLOG_SASL_PASSWORD",
    "LIVEBLOG_SSL_CAFILE",
    "LIVEBLOG_SSL_CERTFILE",
    "LIVEBLOG_SSL_KEYFILE",
    "LIVEBLOG_SSL_CHECK_HOSTNAME",
]


def test_security_settings_pass_through_to_every_service_unset_by_default(compose: dict) -> None:
    for name in ("worker", "sink", "replay"):
        env = compose["services"][name]["environment"]

        # No value: Compose takes it from the host's environment, or leaves it unset.
        assert {var: env.get(var, "missing") for var in SECURITY} == dict.fromkeys(SECURITY)


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.settings import Settings

    monkeypatch.setenv("LIVEBLOG_SSL_CAFILE", "")
    monkeypatch.setenv("LIVEBLOG_SASL_USERNAME", "")

    settings = Settings()

    assert settings.ssl_cafile is None and settings.sasl_username is None


def test_the_worker_is_healthy_when_its_readiness_probe_answers(compose: dict) -> None:
    worker = compose["services"]["worker"]

    probe = " ".join(worker["healthcheck"]["test"])

    assert f"127.0.0.1:{worker['environment']['LIVEBLOG_WEB_PORT']}/readyz" in probe
