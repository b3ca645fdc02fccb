"""The experiment behind the model card: what ``valpub evaluate`` runs.

:func:`evaluate` trains the classifier as :mod:`flows.train` does, once without and once
with the real-sentence annotations, and returns the figures of lexicon, classifier and
combined labels for both; nothing is stored in the registry. :func:`evaluation_card`
renders that report as Markdown, one model card per training.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.tagging import quiet_sklearn
from flows.train import TrainingInputs, train_and_measure
from flows.training_data import prepare


def evaluate(lexicons: Path, inputs: TrainingInputs) -> dict[str, Any]:
    """The figures without real annotations and, when some resolve, with them.

    The report's keys: ``real_annotations`` (resolved, unresolved, skipped),
    ``without_real`` and, when real sentences resolved, ``with_real``.
    """
    from nlp.model.learning import TrainConfig

    quiet_sklearn()
    data = prepare(lexicons, inputs.train_file, inputs.heldout, inputs.real, inputs.corpus, True)
    config = TrainConfig(c=inputs.c, folds=inputs.folds)
    report: dict[str, Any] = {
        "real_annotations": {
            "resolved": len(data.real.examples),
            "unresolved": len(data.real.unresolved),
            "skipped": data.real.skipped_reason,
        }
    }
    _clf, without = train_and_measure(data, config, with_real=False)
    report["without_real"] = without
    if data.real.examples:
        _clf, with_ = train_and_measure(data, config, with_real=True)
        report["with_real"] = with_
    return report


def evaluation_card(report: dict[str, Any]) -> str:
    """The model card of each training of an :func:`evaluate` report, in Markdown."""
    from nlp.model.card import model_card

    parts = []
    for key, block in report.items():
        if key.startswith("with"):
            parts.append(
                model_card(
                    {
                        **block,
                        "version": key,
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "real_annotations": report["real_annotations"],
                        "summary": {},
                    }
                )
            )
    return "\n\n".join(parts)
