"""A small real run for the review app's tests, built once per test session.

The sample corpus (``corpus/``) goes through the real pipeline (Prefect flow,
pdfplumber, spaCy, lexicons, classifier) into a temporary folder. The classifier is
trained first, by the real training command, on a slice of the shipped training
sentences (240 + 80 held out, two folds: about 15 s instead of a minute or more), so that
the run has a model version, a model card and classifier labels; the tests are about the
app, not about the model's quality.

Both review test files import :func:`review_run`; the run is cached here, not by the
fixture, because pytest would otherwise build it once per importing module.
"""

from __future__ import annotations

import os
from itertools import islice
from pathlib import Path

import pytest

from tests.paths import ROOT

CORPUS = ROOT / "corpus"
TRAINING = CORPUS / "training"
LEXICONS = ROOT / "lexicons"
TRAIN_LINES, HELDOUT_LINES, FOLDS = 240, 80, 2

_RUNS: dict[str, Path] = {}


def _head(src: Path, dst: Path, lines: int) -> Path:
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        fout.writelines(islice(fin, lines))
    return dst


def build_run(base: Path, api_url: str | None = None) -> Path:
    """Train a small model, then run the pipeline on the sample corpus into ``base/out``.

    With ``api_url`` (the session's Prefect server) the flow reports there instead of
    starting a temporary server in this process.
    """
    from tests.servers import TEMPORARY_PREFECT_HOME

    os.environ.setdefault("PREFECT_HOME", str(TEMPORARY_PREFECT_HOME))
    from flows.local_server import prefect_environment

    prefect_environment()  # offline, quiet, no telemetry: what `valpub run` sets
    from flows.pipeline import run_pipeline
    from flows.train import TrainingInputs, train_model

    out = base / "out"
    data = base / "training"
    data.mkdir(parents=True, exist_ok=True)
    train_model(
        lexicons=LEXICONS,
        models=out / "models",
        inputs=TrainingInputs(
            train_file=_head(TRAINING / "train.jsonl", data / "train.jsonl", TRAIN_LINES),
            heldout=_head(TRAINING / "heldout.jsonl", data / "heldout.jsonl", HELDOUT_LINES),
            folds=FOLDS,
        ),
        with_real=False,
    )
    if api_url is None:
        run_pipeline(CORPUS, out, workers=2)
    else:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: api_url}):
            run_pipeline(CORPUS, out, workers=2)
    return out


@pytest.fixture(scope="session")
def review_run(tmp_path_factory: pytest.TempPathFactory, prefect_api: dict[str, str]) -> Path:
    """The output folder of a real run on the sample corpus, with a current model.

    Tests must not modify it (copy it first).
    """
    key = str(tmp_path_factory.getbasetemp())
    if key not in _RUNS:
        _RUNS[key] = build_run(
            tmp_path_factory.mktemp("review-run"), prefect_api["PREFECT_API_URL"]
        )
    return _RUNS[key]
