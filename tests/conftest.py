"""Shared fixtures: the French pipeline and the compiled lexicons, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from spacy.language import Language

from nlp.language.lexicon import load_lexicons
from nlp.language.lexicon_match import LexiconMatcher
from nlp.language.segment import load_pipeline
from tests.paths import ROOT

LEXICONS = ROOT / "lexicons"

# Property tests draw the same examples on every run: a CI result is reproducible, and a
# failure found while exploring (HYPOTHESIS_PROFILE=explore) becomes a fixed regression case.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A test run leaves no process behind: runs without PREFECT_API_URL get a temporary Prefect
# server, not one kept for later runs (tests/flows/test_local_server.py tests that one).
os.environ.setdefault("VALPUB_KEEP_SERVER", "0")
# Tests that OCR in this process run Tesseract as valpub's extraction workers do: one
# OpenMP thread per page (nlp.extract.ocr.OMP_THREADS).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


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
    shutil.copytree(ROOT / "models", models)
    return models


# --------------------------------------------------------------------- pytest-xdist
# `make test` runs the suite on two workers (pyproject.toml: -n 2). Each test module is one
# unit of work, so that its module-scoped fixtures (a pipeline run, a Dask cluster, ...)
# are built once; modules that share a costly session fixture are one unit together.
# Units are handed out in the order below, longest first, so that the workers finish
# together; the other modules follow in their usual order. (xdist's own loadgroup mode
# does not group with pytest 9.2, whose items no longer take a changed node id.)

#: Modules that share a unit: the review modules and the crash test use the same real run
#: (review_fixtures).
SHARED_UNITS = {
    "tests/flows/test_crash.py": "review-run",
    "tests/review/test_review_app.py": "review-run",
    "tests/review/test_review_auth.py": "review-run",
    "tests/review/test_review_e2e.py": "review-run",
}
#: The longest units first (measured with --durations on two cores).
LONGEST_FIRST = [
    "review-run",
    "tests/flows/test_run.py",
    "tests/nlp/extract/test_realcorpus.py",
    "tests/flows/test_dask.py",
    "tests/flows/test_sources.py",
    "tests/flows/test_annotate.py",
    "tests/flows/test_local_server.py",
    "tests/flows/test_serve.py",
    "tests/nlp/language/test_pseudonymise.py",
    "tests/flows/test_hostile_inputs.py",
    "tests/nlp/results/test_qdpx.py",
    "tests/flows/test_tag_text.py",
    "tests/nlp/language/test_lexicon.py",
    "tests/flows/test_tagging.py",
    "tests/nlp/language/test_segment.py",
    "tests/flows/test_hostile_corpus.py",
]


def unit_of(nodeid: str) -> str:
    """The unit of work of a test: its module, or the shared unit its module is in."""
    module = nodeid.split("::", 1)[0]
    return SHARED_UNITS.get(module, module)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """Distribute whole units (see above) in collection order (unless --dist says else)."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return UnitScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker, the longest units first (the collection order xdist follows)."""
    if not hasattr(config, "workerinput"):
        return
    order = {name: rank for rank, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: order.get(unit_of(item.nodeid), len(order)))  # stable


def pytest_unconfigure(config: pytest.Config) -> None:
    """After a pytest-xdist run, stop the shared Prefect server if a crashed worker left it."""
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        from tests.servers import stop_leftover_server

        stop_leftover_server(factory.getbasetemp())


#: The session's Prefect API server (tests/servers.py): ``{"PREFECT_HOME", "PREFECT_API_URL"}``;
#: one for all the workers of a pytest-xdist run.
from tests.servers import prefect_api  # noqa: E402, F401
