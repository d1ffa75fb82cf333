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


OURS = ("worker-1", "worker-2", "sink", "replay", "follow")
WORKERS = ("worker-1", "worker-2")


def ours(compose: dict) -> dict[str, dict]:
    """The services built from this repository's image."""
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_every_service_command_is_a_real_subcommand(compose: dict) -> None:
    subcommands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]

    commands = {name: s["command"][0] for name, s in ours(compose).items()}

    assert set(commands) == set(OURS)
    assert set(commands.values()) <= subcommands


@pytest.mark.parametrize("service", OURS)
def test_every_service_command_parses_with_the_cli(compose: dict, service: str) -> None:
    cli = typer.main.get_command(app)
    name, *args = compose["services"][service]["command"]
    command = cli.commands[name]  # type: ignore[attr-defined]

    context = command.make_context(name, list(args))  # raises on an unknown option or argument

    assert context.command is command


def test_kafka_service_is_single_node_kraft_with_a_healthcheck(compose: dict) -> None:
    kafka = compose["services"]["kafka"]

    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "healthcheck" in kafka
    for name in OURS:
        assert compose["services"][name]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_kafka_keeps_its_data_in_a_volume(compose: dict) -> None:
    kafka = compose["services"]["kafka"]

    mounts = dict(v.split(":", 1) for v in kafka["volumes"])

    data = kafka["environment"]["KAFKA_LOG_DIRS"]
    assert data in mounts.values()
    assert {v for v, path in mounts.items() if path == data} <= set(compose["volumes"])


def test_ports_are_published_on_the_hosts_loopback_only(compose: dict) -> None:
    published = [p for s in compose["services"].values() for p in s.get("ports", [])]

    assert published
    assert all(str(p).startswith("127.0.0.1:") for p in published), published


def test_each_worker_has_a_canonical_url_of_its_own_naming_itself(compose: dict) -> None:
    from service.settings import Settings

    urls = {}
    for name in WORKERS:
        env = compose["services"][name]["environment"]
        urls[name] = Settings(canonical_url=env["LIVEBLOG_CANONICAL_URL"]).canonical_url

    for name, url in urls.items():
        port = compose["services"][name]["environment"]["LIVEBLOG_WEB_PORT"]
        assert url == f"http://{compose['services'][name]['hostname']}:{port}"
    assert len(set(urls.values())) == len(WORKERS)
    assert compose["services"]["worker-1"]["hostname"] == "worker-1"


def test_worker_healthcheck_asks_readyz_and_replay_waits_for_ready_workers(compose: dict) -> None:
    for name in WORKERS:
        service = compose["services"][name]
        port = service["environment"]["LIVEBLOG_WEB_PORT"]

        check = " ".join(service["healthcheck"]["test"])

        assert f"http://127.0.0.1:{port}/readyz" in check
        replay = compose["services"]["replay"]["depends_on"]
        assert replay[name]["condition"] == "service_healthy"


def test_sink_writes_to_a_named_volume_owned_by_the_images_user(compose: dict) -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    sink = compose["services"]["sink"]

    source, target = sink["volumes"][0].split(":")[:2]

    assert source in compose["volumes"]  # named, not a host folder the image's user cannot write
    assert target == "/app/out"  # WORKDIR /app, LIVEBLOG_OUT_DIR's default "out"
    assert "WORKDIR /app" in dockerfile
    assert "useradd --create-home --uid 10001 liveblog" in dockerfile
    assert "chown -R liveblog /app/out" in dockerfile
    assert "USER liveblog" in dockerfile


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
    for name in OURS:
        env = compose["services"][name]["environment"]

        # No value: Compose takes it from the host's environment, or leaves it unset.
        assert {var: env.get(var, "missing") for var in SECURITY} == dict.fromkeys(SECURITY)


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.settings import Settings

    monkeypatch.setenv("LIVEBLOG_SSL_CAFILE", "")
    monkeypatch.setenv("LIVEBLOG_SASL_USERNAME", "")

    settings = Settings()

    assert settings.ssl_cafile is None and settings.sasl_username is None


def test_follow_is_off_unless_its_profile_is_asked_for(compose: dict) -> None:
    services = compose["services"]

    always_on = {name for name, service in services.items() if not service.get("profiles")}

    assert services["follow"]["profiles"] == ["follow"]
    assert "follow" not in always_on and set(OURS) - {"follow"} <= always_on
