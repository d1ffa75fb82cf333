"""service.cli: the `liveblog` command, for the paths that need no broker."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from service.cli import app

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ["broker", "worker", "sink", "replay", "demo", "quotes", "schemas", "topics"]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose environment names no broker, whatever the developer's shell exports."""
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "LIVEBLOG_BOOTSTRAP_SERVERS", "LIVEBLOG_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVEBLOG_LOG_FORMAT", "console")
    return CliRunner()


def test_help_lists_every_subcommand(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])

    assert result.exit_code == 0
    for name in SUBCOMMANDS:
        assert name in result.output


def test_no_arguments_shows_the_help(runner: CliRunner) -> None:
    result = runner.invoke(app, [])

    assert "replay" in result.output
    assert "worker" in result.output


def test_schemas_check_passes_on_the_committed_files(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schemas", "--check"])

    assert result.exit_code == 0, result.output
    assert "stale" not in result.output


def test_replay_refuses_both_speedup_and_rate(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["replay", "--speedup", "60", "--rate", "10", "--state-dir", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert "--speedup or --rate, not both" in result.output


def test_worker_without_a_broker_exits_2_and_says_how_to_start_one(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["worker", "--state-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert "no embedded broker running" in result.output
    assert "KAFKA_BOOTSTRAP_SERVERS" in result.output
    assert "liveblog broker start" in result.output


def test_replay_without_a_broker_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", "seeds", "--state-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert "liveblog broker start" in result.output


def test_broker_status_reports_not_running_for_a_fresh_state_dir(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["broker", "status", "--state-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "not running" in result.output


def test_invalid_partitions_in_the_environment_is_a_configuration_error(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEBLOG_PARTITIONS", "0")

    result = runner.invoke(app, ["worker", "--state-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert "invalid configuration" in result.output
    assert "LIVEBLOG_PARTITIONS" in result.output


def test_partitions_flag_below_one_is_rejected_by_the_command_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["worker", "--partitions", "0", "--state-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert "--partitions" in result.output


def test_a_broker_failure_ends_the_command_with_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli import main
    from service.kafka import admin
    from service.kafka.retry import BrokerAuthenticationFailed

    def refuse(_settings: object) -> list[str]:
        raise BrokerAuthenticationFailed("creating topics: authentication failed at broker:9092")

    monkeypatch.setattr(admin, "ensure_topics", refuse)
    monkeypatch.setenv("LIVEBLOG_LOG_FORMAT", "json")
    monkeypatch.setattr(
        "sys.argv", ["liveblog", "topics", "-b", "broker:9092", "--state-dir", str(tmp_path)]
    )

    with pytest.raises(SystemExit) as exited:
        main()

    assert exited.value.code == 2
    err = capsys.readouterr().err
    own = [line for line in err.splitlines() if not line.startswith("{")]  # not log events
    assert own == ["error: creating topics: authentication failed at broker:9092"]
    assert "Traceback" not in err


def test_version_is_the_packages_version(runner: CliRunner) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.output == f"liveblog-ingest {project['version']}\n"


def command_paths() -> list[list[str]]:
    """Every (sub)command, as the words that name it on the command line."""
    root = typer.main.get_command(app)
    paths = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_help_shows_boolean_flags_as_flags(runner: CliRunner, path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])

    assert result.exit_code == 0
    assert "<bool>" not in result.output


def test_quotes_help_shows_jsonl_as_a_flag(runner: CliRunner) -> None:
    result = runner.invoke(app, ["quotes", "--help"])

    assert re.search(r"^\s+--jsonl\s+Input is JSON lines", result.output, re.M)


def test_run_help_prints_the_command_list_and_nothing_else() -> None:
    result = subprocess.run(
        [str(ROOT / "run"), "help"], capture_output=True, text=True, timeout=30, check=True
    )

    lines = result.stdout.splitlines()
    assert lines[0].startswith("liveblog-ingest task runner")
    assert all(line.startswith("  ./run ") for line in lines[1:]), lines
    assert {line.split()[1] for line in lines[1:]} == {
        "demo",
        "test",
        "lint",
        "lock",
        "setup",
        "liveblog",
    }
