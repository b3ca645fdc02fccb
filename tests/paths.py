"""Where the tests find the repository's own files and the shared corpus beside it."""

from __future__ import annotations

from pathlib import Path

#: The repository's root (tests/ is one level below it).
ROOT = Path(__file__).resolve().parents[1]
