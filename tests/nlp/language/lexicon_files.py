"""A minimal valid lexicon file and its writer, for the lexicon and `valpub lexicon` tests."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write(tmp_path: Path, stem: str, body: str) -> Path:
    path = tmp_path / f"{stem}.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


VALID = """\
scheme: coproduction
version: "1.2.3"
name: n
description: d
labels:
  - id: active
    name: a
    definition: a
    entries:
      - id: active.signalement
        terms: ["plateforme de signalement"]
  - id: participative
    name: p
    definition: p
    entries:
      - id: participative.budget
        terms: ["budget participatif"]
  - id: enhanced
    name: e
    definition: e
    entries:
      - id: enhanced.fablab
        patterns:
          - [{LOWER: "fablab"}]
"""
