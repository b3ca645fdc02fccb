"""Worker processes that segment and tag documents, with spaCy and the lexicons loaded once.

spaCy is CPU-bound and holds the GIL, so tagging runs in a pool of processes: each
worker loads the French pipeline and compiles the lexicons once (a few seconds), then
tags document after document. The per-process objects live here, in orchestration
code; the library functions they call keep no state. What every process that tags or
trains loads first (:func:`load_nlp`: one BLAS thread, spaCy, the compiled lexicons)
is here too.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language

    from nlp.language.lexicon_match import LexiconMatcher

log = logging.getLogger(__name__)

_WORKER: dict[str, Any] = {}
#: What the tagging workers' fork server imports before forking them (see TaggerPool).
WORKER_PRELOAD = ["__main__", "flows.tagging", "nlp.model.classify", "nlp.model.tagging"]


def cache_dir() -> Path:
    """Valpub's cache folder (:attr:`flows.settings.Settings.cache`).

    What is there can be deleted at any time: it only saves start-up time (Prefect's
    database, the lexicons' lemma memo).
    """
    from flows.settings import settings

    return settings().cache


def one_blas_thread() -> None:
    """Keep numpy's BLAS to one thread in this process (and the ones it forks).

    valpub uses the cores with processes (tagging beside extraction, one per worker);
    BLAS threads on top of them compete for the same cores. Measured with `valpub
    tag-text` on 30,000 real sentences, 2 workers: 17.7 s with one thread, 20.9 s with
    OpenBLAS's default.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def lemma_memo() -> Path:
    """Where the compiled lexicons' lemmas are kept (see :mod:`nlp.language.lexicon_match`)."""
    return cache_dir() / "lexicon-lemmas.json"


def quiet_sklearn() -> None:
    """Silence scikit-learn's warning of a label absent from a training fold.

    On small training data that is expected, and not the analyst's concern.
    """
    warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")


def load_nlp(lexicons: Path) -> tuple[Language, LexiconMatcher]:
    """The French spaCy pipeline and the lexicons of ``lexicons`` compiled against it.

    The lexicons are read first, so that a broken file fails before spaCy loads.
    """
    from nlp.language.lexicon import load_lexicons
    from nlp.language.lexicon_match import LexiconMatcher
    from nlp.language.segment import load_pipeline

    one_blas_thread()
    loaded = load_lexicons(lexicons)
    nlp = load_pipeline()
    return nlp, LexiconMatcher(nlp, loaded, lemma_memo())


def load_tagger(lexicon_dir: Path, model_dir: Path | None, version: str | None) -> dict[str, Any]:
    """spaCy, the compiled lexicons and the classifier (None without a model), loaded once.

    What a tagging process holds: a worker of :class:`TaggerPool`, or a Dask worker.
    """
    from nlp.model.classify import SentenceClassifier
    from nlp.model.registry import Registry

    quiet_sklearn()
    nlp, matcher = load_nlp(Path(lexicon_dir))
    return {
        "nlp": nlp,
        "matcher": matcher,
        "classifier": (
            SentenceClassifier(Registry(Path(model_dir)).load(version))
            if model_dir and version
            else None
        ),
    }


def tag_pages(loaded: dict[str, Any], pages_file: Path, out_file: Path) -> int:
    """Tag the pages stored in ``pages_file`` into ``out_file`` (Parquet); return the row count."""
    from nlp.model.tagging import tag_document
    from nlp.records.tables import write_frame
    from nlp.results.store import read_pages

    frame = tag_document(
        loaded["nlp"],
        loaded["matcher"],
        read_pages(Path(pages_file)),
        classifier=loaded["classifier"],
    )
    write_frame(frame, Path(out_file))
    return len(frame)


def _init_worker(lexicon_dir: str, model_dir: str | None, version: str | None) -> None:
    _WORKER.update(load_tagger(Path(lexicon_dir), Path(model_dir) if model_dir else None, version))


def tag_stored_document(pages_file: str, out_file: str) -> int:
    """Tag one stored document in a worker process of :class:`TaggerPool`."""
    return tag_pages(_WORKER, Path(pages_file), Path(out_file))


class TaggerPool:
    """A pool of tagging processes, started on first use and shut down by :meth:`close`.

    Each worker loads spaCy, the lexicons of ``lexicon_dir`` and, when ``version`` is
    given, that model version of the registry in ``model_dir``.
    """

    def __init__(
        self,
        lexicon_dir: Path,
        workers: int,
        model_dir: Path | None = None,
        version: str | None = None,
    ) -> None:
        self.lexicon_dir = Path(lexicon_dir).resolve()
        self.workers = max(1, workers)
        self.model_dir = Path(model_dir).resolve() if model_dir else None
        self.version = version
        self._pool: ProcessPoolExecutor | None = None

    def tag(self, pages_file: Path, out_file: Path) -> int:
        """Tag one stored document in a worker; block until it is done.

        A worker that died (killed, out of memory) breaks the whole pool: the pool is
        then replaced and the document tried once more. Other errors are raised.
        """
        for attempt in (1, 2):
            pool = self._start()
            try:
                return pool.submit(tag_stored_document, str(pages_file), str(out_file)).result()
            except BrokenProcessPool:
                log.warning("a tagging worker died (attempt %d for %s)", attempt, pages_file)
                self.close()
        raise RuntimeError(f"tagging workers died twice on {pages_file}")

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Workers fork from a server process that imported spaCy's French language
            # once (seconds of regular-expression compiling in every process that does)
            # instead of each starting a fresh interpreter: one import per run, not one
            # per worker. The server is a clean single-threaded process (unlike this one).
            context = mp.get_context("forkserver")
            context.set_forkserver_preload(WORKER_PRELOAD)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(
                    str(self.lexicon_dir),
                    str(self.model_dir) if self.model_dir else None,
                    self.version,
                ),
            )
        return self._pool

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
