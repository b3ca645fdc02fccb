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

from nlp.store import OutputBusyError, atomic_open, run_lock, sweep_temporary

WRITER = """
import sys, time
from pathlib import Path
from nlp.store import atomic_open
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
from nlp.store import run_lock
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
