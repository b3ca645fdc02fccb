"""The corpus documents kept for evaluation: never annotated, trained or tuned on.

A corpus README may list them under a ``## Evaluation only`` heading, one bullet per
file name or glob pattern (``lannion__*.pdf``), possibly inside a sentence or backquotes.
Every command that draws, trains or tunes on a corpus reads that list here, so that they
all agree on which documents are out of bounds.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Collection
from pathlib import Path, PurePosixPath

_PDF_NAME = re.compile(r"[A-Za-z0-9_.\-*?\[\]/]+\.pdf", re.IGNORECASE)


def evaluation_only(corpus_dir: Path) -> set[str]:
    """File names and glob patterns listed under ``## Evaluation only`` in the corpus README.

    The README is looked for in the corpus folder, then in its parent (PDFs often sit in
    a ``pdf/`` sub-folder of the corpus). No README, or no such section, gives an empty
    set.
    """
    for folder in (Path(corpus_dir), Path(corpus_dir).parent):
        readme = folder / "README.md"
        if not readme.is_file():
            continue
        found: set[str] = set()
        inside = False
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("#"):
                inside = line.lstrip("#").strip().lower() == "evaluation only"
                continue
            if inside and line.lstrip().startswith(("-", "*", "+")):
                found.update(m.group(0) for m in _PDF_NAME.finditer(line))
        if found:
            return found
    return set()


def is_evaluation_only(file: str, patterns: Collection[str]) -> bool:
    """Whether a corpus file (path relative to the corpus) matches an evaluation pattern.

    A pattern matches the file's name or its whole relative path.
    """
    name = PurePosixPath(file).name
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(file, p) for p in patterns)
