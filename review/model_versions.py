"""The classifier versions of a run, compared for the model page.

This module owns the reading of a run's model registry (``models/``) for the app: which
version is current, which one it replaced and which newer ones were trained but not
promoted, the current version's model card, and the figures of ``metrics.json``
(summary figures and macro F1 per evaluation block and scheme) side by side, with the
difference between the current and the previous version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.model.card import model_card
from nlp.model.registry import CARD_FILE, Registry

#: Figures of ``metrics.json`` compared between versions, with their French names.
SUMMARY_FIGURES = {
    "heldout_macro_f1": "F1 macro moyen — jeu réservé (phrases rédigées)",
    "real_macro_f1": "F1 macro moyen — phrases réelles annotées",
    "review_macro_f1": "F1 macro moyen — phrases révisées",
    "train_size": "Phrases d'entraînement",
}
#: Evaluation blocks of ``metrics.json`` (scheme -> lexicon/classifier/combined figures).
BLOCK_TITLES = {
    "heldout": "jeu réservé",
    "real_cv": "phrases réelles (validation croisée)",
    "review": "phrases révisées",
    "cv": "entraînement (hors pli)",
}


@dataclass(frozen=True)
class ModelOverview:
    """The classifier versions of a run, as the model page shows them.

    Attributes:
        current: the promoted version (``None`` without one).
        previous: the version it replaced (promoted before it, or stored before it).
        newer: versions trained after the current one and not promoted.
        card: the current version's model card (Markdown; empty without a model).
        comparison: one row per figure, one column per version (previous, current,
            newer), and ``écart`` = current - previous.
        versions: every stored version with its summary figures.
    """

    current: str | None
    previous: str | None
    newer: tuple[str, ...]
    card: str
    comparison: pd.DataFrame
    versions: pd.DataFrame


def _is_block(block: Any) -> bool:
    return (
        isinstance(block, dict)
        and bool(block)
        and all(isinstance(v, dict) and "combined" in v for v in block.values())
    )


def _figures(metrics: Mapping[str, Any]) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    summary = metrics.get("summary", {})
    for key, title in SUMMARY_FIGURES.items():
        if key in summary:
            value = summary[key]
            out[(title, "")] = None if value is None else float(value)
    for key, block in metrics.items():
        if not _is_block(block):
            continue
        title = BLOCK_TITLES.get(key, key)
        for scheme, figures in block.items():
            value = figures["combined"].get("macro_f1")
            out[(f"F1 macro — {title}", scheme)] = None if value is None else float(value)
    return out


def compare_metrics(
    metrics: Mapping[str, Mapping[str, Any]], previous: str | None, current: str | None
) -> pd.DataFrame:
    """Side-by-side figures of several versions (``metrics``: version -> metrics.json).

    Columns: ``mesure``, ``grille``, one per version (in the order given), and ``écart``
    (current - previous) when both are given.
    """
    figures = {version: _figures(m) for version, m in metrics.items()}
    keys: list[tuple[str, str]] = []
    for fig in figures.values():
        keys.extend(k for k in fig if k not in keys)
    rows = []
    for title, scheme in keys:
        row: dict[str, Any] = {"mesure": title, "grille": scheme}
        for version, fig in figures.items():
            row[version] = fig.get((title, scheme))
        if previous and current and previous in figures and current in figures:
            a, b = figures[current].get((title, scheme)), figures[previous].get((title, scheme))
            row["écart"] = None if a is None or b is None else round(a - b, 4)
        rows.append(row)
    columns = ["mesure", "grille", *figures]
    if previous and current:
        columns.append("écart")
    return pd.DataFrame(rows, columns=columns)


def model_overview(models: Path) -> ModelOverview:
    """The current model's card and its figures beside the previous (and newer) versions."""
    registry = Registry(models)
    versions = registry.versions()
    current = registry.current()
    previous: str | None = None
    newer: tuple[str, ...] = ()
    if current is not None:
        stack = [v for v in registry.stack() if v in versions]
        if len(stack) >= 2 and stack[-1] == current:
            previous = stack[-2]
        else:
            older = [v for v in versions if v < current]
            previous = older[-1] if older else None
        newer = tuple(v for v in versions if v > current)
    card = ""
    if current is not None:
        path = Path(models) / current / CARD_FILE
        card = (
            path.read_text(encoding="utf-8")
            if path.is_file()
            else model_card(registry.metrics(current))
        )
    shown = [v for v in (previous, current, *newer) if v]
    comparison = compare_metrics({v: registry.metrics(v) for v in shown}, previous, current)
    listing = pd.DataFrame(
        [
            {
                "version": info.version,
                "actuelle": info.current,
                "créée": registry.metrics(info.version).get("created", ""),
                **{SUMMARY_FIGURES.get(k, k): v for k, v in info.summary.items()},
            }
            for info in registry.list_versions()
        ]
    )
    return ModelOverview(current, previous, newer, card, comparison, listing)
