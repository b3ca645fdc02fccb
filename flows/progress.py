"""The progress of a run on standard error: documents done, pages per second, time left.

On a terminal, a live bar (rich) with the log lines printed above it; elsewhere, one
plain line per finished document.
"""

from __future__ import annotations

import functools
import io
import logging
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO


class RunProgress:
    """Documents done out of the total, pages per second and time left, on a terminal.

    On a terminal, a live bar (rich); elsewhere (a log file, a pipe), one plain line per
    finished document. Disabled, it shows nothing.
    """

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.pages = 0
        self._stream = stream or sys.stderr
        self._start = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._restore: Callable[[], None] = lambda: None

    def __enter__(self) -> RunProgress:
        self._start = time.monotonic()
        if self.enabled and self._stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("documents"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("elapsed"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("run", total=self.total, rate="0.0 pages/s")
            self._restore = _print_logs_above(self._bar.console, self._stream)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._restore()
            self._bar.stop()
            self._bar = None

    @property
    def pages_per_second(self) -> float:
        """Pages of finished documents per second since the start."""
        return self.pages / max(time.monotonic() - self._start, 1e-6)

    def seconds_left(self) -> float | None:
        """Time left at the pace so far (None before the first document is done)."""
        if not self.done:
            return None
        elapsed = time.monotonic() - self._start
        return elapsed / self.done * (self.total - self.done)

    def advance(self, pages: int) -> None:
        """Count one finished document of ``pages`` pages."""
        self.done += 1
        self.pages += pages
        if not self.enabled:
            return
        rate = f"{self.pages_per_second:.1f} pages/s"
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rate=rate)
            return
        left = self.seconds_left()
        when = f", about {_hms(left)} left" if left is not None and self.done < self.total else ""
        self._stream.write(f"documents {self.done}/{self.total}, {rate}{when}\n")
        self._stream.flush()


class _AboveBar(io.TextIOBase):
    """A text stream whose lines a live rich console prints above its display."""

    def __init__(self, console: Any) -> None:
        self._console = console
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        from rich.text import Text

        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        for line in lines:
            self._console.print(Text.from_ansi(line), soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.write("\n")


def _print_logs_above(console: Any, stream: TextIO) -> Callable[[], None]:
    """Send the log handlers that write to ``stream`` through ``console`` (above its bar).

    Handlers keep the stream they were made with, so a live display cannot catch their
    lines by itself; they would be glued to the bar. Returns what undoes it.
    """
    proxy = _AboveBar(console)
    undo: list[Callable[[], None]] = []
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    for handler in {h for lg in loggers for h in lg.handlers}:
        if not isinstance(handler, logging.StreamHandler) or handler.stream is not stream:
            continue
        handler.setStream(proxy)
        undo.append(functools.partial(handler.setStream, stream))
        rich_console = getattr(handler, "console", None)  # Prefect's handler prints with rich
        if rich_console is not None and getattr(rich_console, "file", None) is stream:
            rich_console.file = proxy
            undo.append(functools.partial(setattr, rich_console, "file", stream))

    def restore() -> None:
        proxy.flush()
        for step in undo:
            step()

    return restore


def _hms(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
