"""Tagging loose texts, what ``valpub tag-text`` runs: JSONL lines in, tagged lines out.

:class:`Tagger` holds spaCy, the lexicons and the current model in this process and
turns ``(id, text)`` batches into output lines, tagging each distinct text once;
:func:`tag_batches` spreads batches over forked copies of it. It is the texts'
counterpart of :class:`flows.tagging.TaggerPool`, which tags stored documents in spawned
worker processes: both load the same things (:func:`flows.tagging.load_nlp`), but one
keeps a tagger in this process and forks it, the other starts fresh workers that
survive a crash. The input is read and checked line by line (:func:`read_lines`,
:func:`parse_line`) so that a bad line is named and skipped.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from flows.console import say
from flows.defaults import adopt_shipped
from flows.tagging import load_nlp

if TYPE_CHECKING:
    from nlp.model.classify import SentenceClassifier

#: Texts tagged together: one spaCy batch, one unit of work of a forked worker.
BATCH = 512

#: Longest text tag-text accepts: a sentence or a paragraph, not a whole document.
MAX_TEXT = 100_000

#: Distinct texts whose tag-text results a :class:`Tagger` keeps (about 1 kB each).
SEEN_TEXTS = 50_000


def read_lines(handle: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    """Non-blank lines with their numbers; ``None`` for a line that is not UTF-8."""
    for number, raw in enumerate(handle, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None
            continue
        if line.strip():
            yield number, line


def parse_line(number: int, line: str | None) -> tuple[Any, str] | str:
    """``(id, text)`` or an error message naming the line."""
    if line is None:
        return f"line {number}: not UTF-8 text"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"line {number}: invalid JSON ({exc.msg})"
    if not isinstance(obj, dict) or "id" not in obj:
        return f"line {number}: expected an object with 'id' and 'text'"
    text = obj.get("text")
    if not isinstance(text, str):
        return f"line {number}: 'text' must be a string"
    if len(text) > MAX_TEXT:
        return (
            f"line {number}: text of {len(text):,} characters "
            f"(at most {MAX_TEXT:,}: a sentence, not a document)"
        )
    return obj["id"], text


class Tagger:
    """spaCy, lexicons and the current model, loaded once, tagging batches of texts."""

    def __init__(self, lexicons: Path, models: Path, version: str | None = None) -> None:
        """Load everything; without a model, tag with the lexicons only (said on stderr)."""
        from nlp.model.classify import SentenceClassifier
        from nlp.model.registry import ModelError, Registry

        self.nlp, self.matcher = load_nlp(lexicons)
        self._seen: OrderedDict[str, str] = OrderedDict()
        if version is None:
            adopt_shipped(models)
        registry = Registry(models)
        self.classifier: SentenceClassifier | None = None
        try:
            self.classifier = SentenceClassifier(registry.load(version))
        except ModelError as exc:
            if version is not None:
                raise
            say(f"no trained model ({exc}): tagging with the lexicons only", err=True)

    def tag(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Labels, scores, sources and evidence for each text."""
        from nlp.model.classify import lexicon_only_predictions
        from nlp.model.lexicon_features import lexicon_tags

        tags = lexicon_tags(self.nlp, self.matcher, texts, batch_size=BATCH)
        if self.classifier is None:
            preds = lexicon_only_predictions(texts, tags)
        else:
            preds = self.classifier.predict(texts, tags)
        return [
            {
                "labels": p.labels,
                "scores": p.scores,
                "sources": p.sources,
                "evidence": p.evidence,
            }
            for p in preds
        ]

    def forget(self) -> None:
        """Drop the kept results (:meth:`tag_lines`): the next texts are all tagged anew."""
        self._seen.clear()

    def tag_lines(self, batch: Sequence[tuple[Any, str]]) -> list[str]:
        """``valpub tag-text``'s output line (JSON, newline-ended) for each ``(id, text)``.

        A text is tagged once however often it occurs: real documents repeat a third of
        their sentences (headers, formulas of council minutes). The results of the last
        :data:`SEEN_TEXTS` distinct texts are kept for later batches; a text's result
        does not depend on the others, so the output is the same as without.
        """
        todo = list(dict.fromkeys(t for _id, t in batch if t not in self._seen))
        for text, result in zip(todo, self.tag(todo), strict=True):
            # the object's members without its braces: the line adds "id" in front
            self._seen[text] = json.dumps(result, ensure_ascii=False)[1:-1]
        lines = []
        for ident, text in batch:
            self._seen.move_to_end(text)
            lines.append(f'{{"id": {json.dumps(ident, ensure_ascii=False)}, {self._seen[text]}}}\n')
        while len(self._seen) > SEEN_TEXTS:
            self._seen.popitem(last=False)
        return lines


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


#: The tagger that forked tag-text workers inherit (set in the parent just before forking).
_FORKED_TAGGER: Tagger | None = None


def _tag_in_worker(batch: list[tuple[Any, str]]) -> list[str]:
    assert _FORKED_TAGGER is not None
    return _FORKED_TAGGER.tag_lines(batch)


def tag_batches(
    tagger: Tagger, batches: Iterator[list[tuple[Any, str]]], workers: int
) -> Iterator[tuple[list[tuple[Any, str]], list[str]]]:
    """Each batch of ``(id, text)`` with its output lines (:meth:`Tagger.tag_lines`), in order.

    The lines are made where the tagging runs, so the parent process only writes them.

    With ``workers`` > 1 and more than one batch, batches are tagged in that many forked
    processes, which share the loaded spaCy pipeline, lexicons and model (copy on
    write): spaCy's lemmas are CPU-bound, so processes are what scale. At most two
    batches per worker are in flight, so memory does not grow with the input.
    """
    global _FORKED_TAGGER
    first = next(batches, None)
    second = next(batches, None)
    if first is None:
        return
    if workers <= 1 or second is None:
        for batch in itertools.chain((b for b in (first, second) if b is not None), batches):
            yield batch, tagger.tag_lines(batch)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    _FORKED_TAGGER = tagger
    pending: deque[tuple[list[tuple[Any, str]], Future[list[str]]]] = deque()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for batch in itertools.chain((first, second), batches):
                pending.append((batch, pool.submit(_tag_in_worker, batch)))
                if len(pending) >= 2 * workers:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
    finally:
        _FORKED_TAGGER = None
