"""Errors a person can act on: one line, exit code 2, no traceback, and no setting's value.

The commands run as the user runs them: `python -m service ...` for the exit code and the
whole of stderr, or main() in this process (with the file descriptors captured) where many
commands are run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.entries import DocumentKind, RawEntry
from service.cli import main

ROOT = Path(__file__).resolve().parents[2]
SENTINEL = "s3ntinel-Pa55word-never-shown"

# Every command that reads settings, with arguments that reach the settings.
COMMANDS = [
    ["broker", "start"],
    ["broker", "stop"],
    ["broker", "status"],
    ["broker", "reset"],
    ["broker", "install"],
    ["topics"],
    ["worker"],
    ["sink"],
    ["replay", str(ROOT / "seeds")],
    ["demo"],
]
# Broken in a field (pydantic prints that field's input) and across fields (pydantic prints
# every input, the password included); the password comes under both of its names.
BROKEN = {
    "cross-field": {
        "LIVEBLOG_SECURITY_PROTOCOL": "SASL_SSL",
        "LIVEBLOG_SASL_PASSWORD": SENTINEL,
    },
    "field": {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_USERNAME": "svc",
        "KAFKA_SASL_PASSWORD": SENTINEL,
        "LIVEBLOG_PARTITIONS": "abc",
    },
    "window": {
        "LIVEBLOG_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "LIVEBLOG_SASL_USERNAME": "svc",
        "LIVEBLOG_SASL_PASSWORD": SENTINEL,
        "LIVEBLOG_HOPPING_STEP_S": "7",
    },
}


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LIVEBLOG_/KAFKA_ variable of the developer's shell; state (and logs) under tmp_path."""
    for name in list(os.environ):
        if name.startswith(("LIVEBLOG_", "KAFKA_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LIVEBLOG_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("LIVEBLOG_LOG_FORMAT", "json")
    return tmp_path


def files_holding(folder: Path, text: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and text in p.read_text(errors="replace")]


@pytest.mark.parametrize("broken", sorted(BROKEN))
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_error_shows_the_password(
    command: list[str],
    broken: str,
    clean: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    for name, value in BROKEN[broken].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["liveblog", *command])

    with pytest.raises(SystemExit) as exited:
        main()

    out, err = capfd.readouterr()
    assert exited.value.code == 2
    assert err.startswith("error: invalid configuration: ")
    assert SENTINEL not in out + err
    assert "input_value" not in err
    assert not files_holding(clean, SENTINEL)


def test_a_settings_error_names_the_variable_and_what_is_wrong(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    for name, value in BROKEN["cross-field"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["liveblog", "topics"])

    with pytest.raises(SystemExit):
        main()

    assert capfd.readouterr().err == (
        "error: invalid configuration: a SASL LIVEBLOG_SECURITY_PROTOCOL needs "
        "LIVEBLOG_SASL_USERNAME and LIVEBLOG_SASL_PASSWORD\n"
    )


# --- each user error: one line, exit code 2 -------------------------------------------------


def run_liveblog(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LIVEBLOG_", "KAFKA_"))}
    base.update(
        LIVEBLOG_STATE_DIR=str(cwd / "state"),
        LIVEBLOG_LOG_FORMAT="json",
        PYTHONPATH=str(ROOT),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=base,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_lines(stderr: str) -> list[str]:
    """stderr without log events (JSON lines): what the command itself said."""
    lines = []
    for line in stderr.splitlines():
        try:
            json.loads(line)
        except ValueError:
            lines.append(line)
    return lines


def bad_jsonl(folder: Path) -> Path:
    """A good entry, an empty line, then an entry without most of its fields (line 3)."""
    good = RawEntry(
        entry_id="wire:1",
        document_id="wire",
        outlet="Wire",
        kind=DocumentKind.ARTICLE,
        position=0,
        event_time=datetime(2025, 3, 13, 12, tzinfo=UTC),
        paragraphs=["A paragraph."],
    )
    path = folder / "entries.jsonl"
    path.write_text(f"{good.model_dump_json()}\n\n" + '{"entry_id": "x:1", "outlet": "Wire"}\n')
    return path


# Each case: arguments (tmp_path filled in), environment, and what the one line must say.
CASES = {
    "missing path": (["replay", "{tmp}/nowhere"], {}, "nowhere: no such file or folder"),
    "folder without manifest": (["replay", "{tmp}"], {}, "manifest.json"),
    "jsonl with a bad line": (["replay", "{tmp}/entries.jsonl"], {}, "line 3: not a RawEntry"),
    "partitions not a number": (["topics"], {"LIVEBLOG_PARTITIONS": "abc"}, "LIVEBLOG_PARTITIONS"),
    "unknown log level": (["sink"], {"LIVEBLOG_LOG_LEVEL": "LOUD"}, "LIVEBLOG_LOG_LEVEL"),
    "unreachable broker": (
        ["replay", str(ROOT / "seeds")],
        {"LIVEBLOG_BROKER_RETRY_TIMEOUT_S": "1"},
        "no Kafka broker answered at 127.0.0.1:1 within 1s",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_user_error_is_one_line_and_exit_code_2(case: str, tmp_path: Path) -> None:
    args, env, says = CASES[case]
    bad_jsonl(tmp_path)
    args = [a.format(tmp=tmp_path) for a in args]

    # -b names a broker (nothing listens on port 1): no test depends on an embedded one.
    result = run_liveblog([*args, "-b", "127.0.0.1:1"], env, tmp_path)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    [line] = error_lines(result.stderr)
    assert line.startswith("error: ")
    assert says in line
