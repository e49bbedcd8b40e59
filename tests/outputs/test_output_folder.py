"""All-or-nothing output folders: a folder appears complete or not at all, the previous one
survives any failure, and what may be replaced is checked before anything is computed."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loyalsim.errors import EXIT_OUTPUT, OutputError
from loyalsim.outputs import folder
from loyalsim.outputs.folder import STAGING_PREFIX, claim, staged

RECORD = {"command": "loyalsim run x.yaml", "overrides": {}, "seed": 1}


def write(out: Path, files: dict[str, str], kind: str = "run", subject: str = "S") -> None:
    with staged(claim(out, kind, subject), RECORD) as staging:
        for name, text in files.items():
            (staging / name).write_text(text)


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_a_new_folder_appears_complete_with_its_provenance(tmp_path: Path) -> None:
    out = tmp_path / "a" / "run"
    write(out, {"summary.json": "{}", "weekly.csv": "week\n"})
    assert sorted(p.name for p in out.iterdir()) == [
        "provenance.json",
        "summary.json",
        "weekly.csv",
    ]
    record = json.loads((out / "provenance.json").read_text())
    assert record["kind"] == "run" and record["subject"] == "S" and record["seed"] == 1
    assert leftovers(out.parent) == []


def test_a_failure_keeps_the_previous_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "run"
    write(out, {"summary.json": "old"})
    with pytest.raises(RuntimeError), staged(claim(out, "run", "S"), RECORD) as staging:
        (staging / "summary.json").write_text("new")
        raise RuntimeError("boom half-way")
    assert (out / "summary.json").read_text() == "old"
    assert leftovers(tmp_path) == []


def test_a_failure_on_a_new_folder_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(RuntimeError), staged(claim(out, "run", "S"), RECORD) as staging:
        (staging / "summary.json").write_text("new")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_replacing_drops_the_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(folder, "_exchange", lambda a, b: False)
    out = tmp_path / "run"
    write(out, {"summary.json": "old", "stale.png": "x"})
    write(out, {"summary.json": "new"})
    assert sorted(p.name for p in out.iterdir()) == ["provenance.json", "summary.json"]
    assert (out / "summary.json").read_text() == "new"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("kind", "subject", "fragment"),
    [("compare", "S", "results of a 'run' command"), ("run", "Other", "for 'S', not 'Other'")],
)
def test_another_kind_or_subject_is_refused_unless_forced(
    tmp_path: Path, kind: str, subject: str, fragment: str
) -> None:
    out = tmp_path / "run"
    write(out, {"summary.json": "old"})
    with pytest.raises(OutputError, match=fragment) as info:
        claim(out, kind, subject)
    assert info.value.exit_code == EXIT_OUTPUT and "--force" in (info.value.hint or "")
    place = claim(out, kind, subject, force=True)
    assert place.foreign
    with staged(place, RECORD) as staging:
        (staging / "comparison.csv").write_text("x")
    assert not (out / "summary.json").exists()
    assert json.loads((out / "provenance.json").read_text())["kind"] == kind


def test_a_folder_of_other_files_is_refused_and_force_never_deletes_an_input(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    log = tmp_path / "data" / "log.csv"
    log.write_text("customer,date,amount\n")
    with pytest.raises(OutputError, match="files loyalsim did not write"):
        claim(tmp_path / "data", "calibrate", "log.csv")
    with pytest.raises(OutputError, match="holds the input"):
        claim(tmp_path / "data", "calibrate", "log.csv", force=True, inputs=(log,))
    assert log.exists()


def test_an_empty_folder_and_a_live_study_may_be_used(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert claim(tmp_path / "empty", "run", "S").replaces
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt" / "study.db").write_text("")
    claim(tmp_path / "opt", "optimize", "S")
    with pytest.raises(OutputError):
        claim(tmp_path / "opt", "run", "S")


@pytest.mark.parametrize("bad", ["", "  "])
def test_an_empty_out_is_refused(bad: str) -> None:
    with pytest.raises(OutputError, match="give a folder name"):
        claim(bad, "run", "S")


def test_a_file_or_a_path_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        claim(tmp_path / "f", "run", "S")
    with pytest.raises(OutputError, match="is a file"):
        claim(tmp_path / "f" / "run", "run", "S")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "no space left"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only"),
    ],
)
def test_os_errors_become_one_line_and_leave_nothing(tmp_path: Path, code: int, words: str) -> None:
    out = tmp_path / "run"
    with pytest.raises(OutputError) as info, staged(claim(out, "run", "S"), RECORD) as staging:
        (staging / "summary.json").write_text("partial")
        raise OSError(code, os.strerror(code), str(staging / "weekly.csv"))
    message = str(info.value)
    assert words in message and "\n" not in message and "nothing was written" in message
    assert list(tmp_path.iterdir()) == []


def test_staging_of_a_dead_process_is_removed_by_the_next_writer(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f"{STAGING_PREFIX}{dead.stdout.strip()}-0000" / "run"
    stale.mkdir(parents=True)
    mine = tmp_path / f"{STAGING_PREFIX}{os.getpid()}-ffff"
    mine.mkdir()
    write(tmp_path / "run", {"summary.json": "x"})
    assert leftovers(tmp_path) == [mine.name]


def test_rewriting_swaps_in_a_changed_copy(tmp_path: Path) -> None:
    out = tmp_path / "run"
    write(out, {"summary.json": "data", "report.html": "old"})
    before = (out / "summary.json").stat().st_ino
    with folder.rewriting(out) as staging:
        (staging / "report.html").unlink()
        (staging / "report.html").write_text("new")
    assert (out / "report.html").read_text() == "new"
    assert (out / "summary.json").stat().st_ino == before  # carried by hard link
    assert leftovers(tmp_path) == []
