"""Shared fixtures: the French pipeline and the compiled lexicons, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from spacy.language import Language

from nlp.lexicon import LexiconMatcher, load_lexicons
from nlp.segment import load_pipeline

LEXICONS = Path(__file__).resolve().parents[1] / "lexicons"

# Property tests draw the same examples on every run: a CI result is reproducible, and a
# failure found while exploring (HYPOTHESIS_PROFILE=explore) becomes a fixed regression case.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The segmentation + lemma pipeline (about two seconds to load)."""
    return load_pipeline()


@pytest.fixture(scope="session")
def lexicon_matcher(nlp: Language) -> LexiconMatcher:
    """The repository's lexicons compiled against the session pipeline."""
    return LexiconMatcher(nlp, load_lexicons(LEXICONS))


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model registry with one current version: a copy of the shipped model.

    What the pipeline's first run uses (``models/`` of the repository, adopted by an
    empty output folder); copied so that tests may promote versions in it.
    """
    import shutil

    models = tmp_path_factory.mktemp("models") / "registry"
    shutil.copytree(Path(__file__).resolve().parents[1] / "models", models)
    return models


#: The session's Prefect API server (tests/servers.py): ``{"PREFECT_HOME", "PREFECT_API_URL"}``.
from tests.servers import prefect_api  # noqa: E402, F401
