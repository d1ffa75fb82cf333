"""`liveblog follow` on the command line: its options, bad URLs, and --print."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from schemas.entries import RawEntry
from service.cli import app
from tests.pages_server import Pages, Reply, fixture, pages_server


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "LIVEBLOG_BOOTSTRAP_SERVERS", "LIVEBLOG_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVEBLOG_LOG_FORMAT", "json")
    monkeypatch.setenv("LIVEBLOG_FOLLOW_HOST_GAP_S", "0")
    return CliRunner()


@pytest.fixture
def server() -> Iterator[tuple[str, Pages]]:
    with pages_server() as served:
        yield served


def test_help_explains_every_option(runner: CliRunner) -> None:
    result = runner.invoke(app, ["follow", "--help"], terminal_width=200)

    assert result.exit_code == 0
    for option in ("--interval", "--once", "--print", "--outlet", "--bootstrap-servers"):
        assert option in result.output


@pytest.mark.parametrize("url", ["news.example.test/live", "ftp://example.test/x", "http://"])
def test_a_bad_url_is_a_clear_error_with_exit_code_2(runner: CliRunner, url: str) -> None:
    result = runner.invoke(app, ["follow", "--once", "--print", url])

    assert result.exit_code == 2
    assert "error: not an http or https URL" in result.output


def test_once_print_writes_the_entries_it_would_publish_as_json_lines(
    runner: CliRunner, server: tuple[str, Pages]
) -> None:
    base, pages = server
    pages.serve("/live", Reply(fixture("liveblog-3.html")))

    result = runner.invoke(
        app, ["follow", "--once", "--print", "--outlet", "Harbour Wire", f"{base}/live"]
    )

    assert result.exit_code == 0, result.output
    entries = [
        RawEntry.model_validate(json.loads(line))
        for line in result.stdout.splitlines()
        if line.startswith('{"schema_version"')
    ]
    assert [e.outlet for e in entries] == ["Harbour Wire"] * 3
