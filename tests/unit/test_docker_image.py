"""The runtime image installs the runtime dependencies only, at the versions the tests ran with."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_TOOLS = {"pytest", "pytest-timeout", "hypothesis", "selenium", "testcontainers", "ruff"}


def pins(lock: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (version, hashes) of a pip-compile lock file."""
    found: dict[str, tuple[str, set[str]]] = {}
    name = ""
    for line in lock.read_text().splitlines():
        if pinned := re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line):
            name = pinned.group(1).lower()
            found[name] = (pinned.group(2), set())
        elif digest := re.search(r"--hash=sha256:([0-9a-f]{64})", line):
            found[name][1].add(digest.group(1))
    return {n: (v, frozenset(h)) for n, (v, h) in found.items()}


def runtime_stage(dockerfile: str) -> str:
    """The Dockerfile's last stage: what the image is made of."""
    return dockerfile.rsplit("\nFROM ", 1)[1]


def test_the_runtime_image_installs_the_runtime_lock_only() -> None:
    stage = runtime_stage((REPO / "Dockerfile").read_text())

    installs = re.findall(r"pip install [^\n]*-r (\S+)", stage)

    assert installs == ["requirements-runtime.lock"]
    assert "COPY requirements-runtime.lock" in stage
    assert not re.search(r"^COPY requirements\.lock", stage, re.MULTILINE)


def test_the_runtime_lock_holds_no_test_tool() -> None:
    runtime = pins(REPO / "requirements-runtime.lock")

    assert TEST_TOOLS.isdisjoint(runtime)


def test_the_runtime_lock_pins_every_runtime_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = pins(REPO / "requirements-runtime.lock")

    wanted = {re.split(r"[=<>\[ ]", d)[0].lower() for d in project["dependencies"]}

    assert wanted <= set(runtime)


def test_the_runtime_lock_pins_what_the_tests_ran_with() -> None:
    everything = pins(REPO / "requirements.lock")
    runtime = pins(REPO / "requirements-runtime.lock")

    differing = {n: pin for n, pin in runtime.items() if everything.get(n) != pin}

    assert differing == {}
