"""Crash safety of the stores: temporary files of killed writers, and the run lock.

Real processes are killed with SIGKILL; nothing is simulated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nlp.records.files import OutputBusyError, atomic_open, run_lock, sweep_temporary

WRITER = """
import sys, time
from pathlib import Path
from nlp.records.files import atomic_open
with atomic_open(Path(sys.argv[1])) as fh:
    fh.write("half of it")
    fh.flush()
    print("writing", flush=True)
    time.sleep(60)
    fh.write(" and the rest")
"""

HOLDER = """
import sys, time
from pathlib import Path
from nlp.records.files import run_lock
with run_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def _start(script: str, arg: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(arg)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() in {"writing", "locked"}
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def test_a_killed_writer_leaves_no_file_under_the_final_name_and_its_leftover_is_swept(
    tmp_path: Path,
) -> None:
    target = tmp_path / "sub" / "table.json"
    proc = _start(WRITER, target)
    leftovers = list(target.parent.glob(".*.tmp"))
    assert len(leftovers) == 1 and str(proc.pid) in leftovers[0].name
    assert sweep_temporary(tmp_path) == []  # its writer is alive: left alone
    _kill(proc)
    assert not target.exists()  # never half-written under its name
    assert sweep_temporary(tmp_path) == leftovers
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_leftovers_of_one_file_only(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # a writer that no longer runs
    mine = tmp_path / f".memo.json.{gone.pid}.a1b2.tmp"
    other = tmp_path / f".table.json.{gone.pid}.c3d4.tmp"
    for path in (mine, other):
        path.write_text("partial")
    assert sweep_temporary(tmp_path, of=tmp_path / "memo.json") == [mine]
    assert other.exists()


def test_a_file_being_written_by_this_process_is_not_swept(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    with atomic_open(target) as fh:
        fh.write("en cours")
        assert sweep_temporary(tmp_path) == []
    assert target.read_text() == "en cours"


def test_the_run_lock_refuses_a_second_run_and_is_freed_by_a_kill(tmp_path: Path) -> None:
    proc = _start(HOLDER, tmp_path)
    try:
        with pytest.raises(OutputBusyError, match=f"process {proc.pid}"), run_lock(tmp_path):
            pass
    finally:
        _kill(proc)
    deadline = time.monotonic() + 5
    while True:  # the kernel frees the lock with the process
        try:
            with run_lock(tmp_path):
                assert (tmp_path / ".valpub.lock").read_text() == str(os.getpid())
            break
        except OutputBusyError:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_run_key_changes_with_every_input_and_state_needs_intact_outputs(tmp_path: Path) -> None:
    from nlp.results.store import (
        PUBLISHED_FILES,
        corpus_documents,
        outputs_up_to_date,
        run_key,
        run_options,
        save_run_state,
    )

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(b"%PDF-1.4 first")
    (corpus / "manifest.csv").write_text("file,territory_code\na.pdf,99001\n", encoding="utf-8")

    def key(**change: object) -> str:
        args: dict[str, object] = {
            "lexicon_fingerprint": "lex1",
            "model_version": "v1",
            "options": run_options(100, False),
        }
        args.update(change)
        return run_key(corpus, corpus_documents(corpus), **args)  # type: ignore[arg-type]

    base = key()
    assert key() == base  # deterministic
    assert len({base, key(lexicon_fingerprint="lex2"), key(model_version=None)}) == 3
    assert key(options=run_options(100, True)) != base
    assert key(options=run_options(100, False, extractor="pdfplumber")) == base
    pdfium_key = key(options=run_options(100, False, extractor="pdfium"))
    auto_key = key(options=run_options(100, False, extractor="auto"))
    assert len({base, pdfium_key, auto_key}) == 3
    (corpus / "a.pdf").write_bytes(b"%PDF-1.4 other")  # same size, new content
    assert key() != base
    changed = key()
    (corpus / "manifest.csv").write_text("file,territory_code\na.pdf,99002\n", encoding="utf-8")
    assert key() != changed
    changed = key()
    (corpus / "b.pdf").write_bytes(b"%PDF-1.4 new")
    assert key() != changed

    out = tmp_path / "out"
    out.mkdir()
    for name in PUBLISHED_FILES:
        (out / name).write_bytes(b"0123456789")
    assert not outputs_up_to_date(out, base)  # no state yet
    save_run_state(out, base)
    assert outputs_up_to_date(out, base)
    assert not outputs_up_to_date(out, key())
    (out / "report.html").write_bytes(b"01234")  # a damaged output is not reused
    assert not outputs_up_to_date(out, base)
    (out / "report.html").unlink()
    assert not outputs_up_to_date(out, base)


def test_stored_extraction_is_reused_only_by_the_same_page_reader(tmp_path: Path) -> None:
    from nlp.extract.document import DocumentReport, extractor_version
    from nlp.records.files import write_json
    from nlp.results.store import cached_report, report_path

    sha = "ab" * 32
    for reader in ("pdfplumber", "pdfium", "auto"):
        report = DocumentReport("x.pdf", sha, 10, status="empty")
        report.extractor_version = extractor_version(reader)
        write_json(report_path(tmp_path, sha), report.as_dict())
        for other in ("pdfplumber", "pdfium", "auto"):
            found = cached_report(tmp_path, sha, extractor_version(other))
            assert (found is not None) == (other == reader), (reader, other)
    assert extractor_version("pdfplumber") == extractor_version()  # old stores stay valid
