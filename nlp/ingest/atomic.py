"""Atomic files in a pull folder: each document, the state file and the manifest.

Each is written to a ``.valpub-pull-*.part`` temporary file beside its final name,
fsynced, then renamed with ``os.replace``, so no half-written file ever has its final
name, a reader sees the old file or the new one, and a failed write leaves nothing
behind. The temporary names are distinctive so that :func:`remove_stale_temps` can
clear what a killed run left in the folder without touching anything else there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final

logger = logging.getLogger(__name__)

__all__ = ["atomic_write_text", "commit", "remove_stale_temps", "temp_in"]

_TMP_PREFIX: Final = ".valpub-pull-"
_TMP_SUFFIX: Final = ".part"
_STALE_TMP_SECONDS: Final = 3600.0


@contextlib.contextmanager
def temp_in(directory: Path) -> Iterator[tuple[IO[bytes], Path]]:
    """Open a temporary file in ``directory``; it is deleted unless renamed away."""
    fd, name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=directory)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, tmp
    finally:
        tmp.unlink(missing_ok=True)


def commit(handle: IO[bytes], tmp: Path, final: Path) -> None:
    """Flush and fsync ``handle``, then rename ``tmp`` to ``final`` atomically."""
    handle.flush()
    os.fsync(handle.fileno())
    os.replace(tmp, final)
    _fsync_dir(final.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` (UTF-8) so that readers see the old or the new file."""
    with temp_in(path.parent) as (handle, tmp):
        handle.write(text.encode("utf-8"))
        commit(handle, tmp, path)


def remove_stale_temps(into: Path) -> None:
    """Delete temporary files an interrupted (killed) earlier run left behind."""
    now = time.time()
    for tmp in into.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                tmp.unlink()
                logger.warning("removed %s, left behind by an interrupted pull", tmp)
