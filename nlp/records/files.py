"""Files written whole or not at all, the run lock, and the digest documents go by.

Every file is written to a temporary name in its final folder, flushed to disk, then
renamed over the final name (``os.replace`` is atomic on POSIX): a reader, or a run
killed at any moment, sees the old file or the new one, never a mix. A run holds its
output folder with :func:`run_lock`; :func:`sweep_temporary` removes what killed
writers left behind. Documents are known by the SHA-256 of their bytes
(:func:`file_sha256`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from nlp.records.errors import NlpError

#: Mode of the files written here (mkstemp alone would make them private, 0600).
_FILE_MODE = 0o644


def _tmp_prefix(path: Path) -> str:
    # The writer's process id is part of the name, so that a later run can tell the
    # leftovers of a killed process from files being written right now.
    return f".{path.name}.{os.getpid()}."


_TMP_NAME = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def sweep_temporary(root: Path, of: Path | None = None) -> list[Path]:
    """Remove the temporary files that killed writers left under ``root``; return them.

    Every file is written under a temporary name holding the writer's process id and
    renamed into place when complete (:func:`atomic_open`, :func:`temporary_beside`), so a
    run killed with SIGKILL leaves at most such files, never a half-written output. A
    temporary file whose process is gone can only be such a leftover. With ``of`` (a
    file), only the leftovers of that one file are looked for, beside it.
    """
    removed = []
    found = Path(of).parent.glob(f".{Path(of).name}.*.tmp") if of else Path(root).rglob(".*.tmp")
    for path in found:
        match = _TMP_NAME.match(path.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


class OutputBusyError(NlpError):
    """Another process is running the pipeline into the same output folder."""


@contextlib.contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """Hold the output folder for one run: a second run into it fails at once, clearly.

    An advisory lock on ``out/.valpub.lock``; the system releases it when the holder
    exits, even killed, so a crash never leaves the folder locked.
    """
    import fcntl

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".valpub.lock").open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise OutputBusyError(
                f"another valpub run (process {holder}) is writing to {out}; "
                "wait for it to finish or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def temporary_beside(path: Path) -> tuple[int, str]:
    """Create the temporary file that will be renamed over ``path``: ``(descriptor, name)``.

    It is in ``path``'s folder (so the rename stays on one file system), readable by all
    like any output, and named so that :func:`sweep_temporary` knows whose it is.
    """
    fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
    os.fchmod(fd, _FILE_MODE)
    return fd, tmp


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success, move it over ``path``.

    On an exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_beside(path)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None and exc.errno:
            # a failed write names no file: name the one that was being written
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    with atomic_open(path) as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
        fh.write("\n")


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
