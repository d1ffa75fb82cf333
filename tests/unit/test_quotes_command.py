"""`liveblog quotes`: files, stdin and JSON lines in; one JSON line per quote out."""

from __future__ import annotations

import io
import json
from pathlib import Path

from service.quotes_command import EXIT_BAD_INPUT, EXIT_OK, run_quotes

TEXT = "“We are ready,” Mayor Ana Ortiz said. “Let us begin.”"


def _run(paths: list[str], jsonl: bool = False, stdin: str = "") -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_quotes(paths, jsonl, io.StringIO(stdin), out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_plain_file_gives_one_line_per_quote_with_file_path_as_id(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(TEXT, encoding="utf-8")

    code, records, _ = _run([str(path)])

    assert code == EXIT_OK
    assert [(r["id"], r["quote"], r["speaker_id"]) for r in records] == [
        (str(path), "We are ready", "ana-ortiz"),
        (str(path), "Let us begin.", "ana-ortiz"),
    ]


def test_offsets_in_output_index_the_input_text(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(TEXT, encoding="utf-8")

    _, records, _ = _run([str(path)])

    assert all(TEXT[r["start"] : r["end"]] == r["quote"] for r in records)


def test_output_records_have_exactly_the_documented_fields() -> None:
    _, records, _ = _run([], stdin=TEXT)

    assert set(records[0]) == {
        "id", "quote", "start", "end", "speaker", "speaker_id", "speaker_resolved",
        "speaker_as_written", "cue", "kind",
    }  # fmt: skip


def test_no_path_reads_stdin_as_one_document() -> None:
    code, records, _ = _run([], stdin=TEXT)

    assert code == EXIT_OK and len(records) == 2


def test_jsonl_input_uses_the_given_ids() -> None:
    lines = json.dumps({"id": "a1", "text": TEXT}) + "\n" + json.dumps({"id": "b2", "text": "x"})

    _, records, _ = _run(["-"], jsonl=True, stdin=lines)

    assert {r["id"] for r in records} == {"a1"}


def test_bad_json_line_fails_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "ok", "text": TEXT}) + "\n{not json\n", encoding="utf-8")

    code, _, err = _run([str(path)], jsonl=True)

    assert code == EXIT_BAD_INPUT
    assert f"{path}:2" in err


def test_missing_file_fails_with_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "absent.txt"

    code, _, err = _run([str(missing)])

    assert code == EXIT_BAD_INPUT and str(missing) in err


def test_raw_seed_file_with_noise_lines_works() -> None:
    seed = Path(__file__).resolve().parents[2] / "seeds/002_b1bbc6edd01d96c1.txt"

    code, records, _ = _run([str(seed)])

    assert code == EXIT_OK and len(records) == 11
