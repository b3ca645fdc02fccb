"""Exceptions raised by the library.

Every error keeps the context an operator needs (which file, which line, why) and
builds its own message, so that the command line can print it as is.
"""

from __future__ import annotations

from pathlib import Path


class NlpError(Exception):
    """Base class of every error valpub raises on purpose."""


class ManifestError(NlpError):
    """A manifest file or one of its rows is invalid."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class LexiconError(NlpError):
    """A lexicon file does not follow the schema in lexicons/README.md."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class FetchError(NlpError):
    """A document or corpus URL could not be read: the reason is the message.

    ``status`` is the document status it gives (see :data:`nlp.extract.document.STATUSES`).
    """

    def __init__(self, reason: str, status: str = "failed") -> None:
        super().__init__(reason)
        self.status = status
