"""Where the tests find the repository's own files and the `valpub` command they run."""

from __future__ import annotations

import sys
from pathlib import Path

#: The repository's root (tests/ is one level below it).
ROOT = Path(__file__).resolve().parents[1]
#: The `valpub` command of the environment running the tests.
VALPUB = Path(sys.executable).parent / "valpub"
