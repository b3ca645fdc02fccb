"""Matching the compiled lexicons on sentences: which label, by which entry, where.

:class:`LexiconMatcher` compiles every lexicon once per process (with
:mod:`nlp.language.lexicon_compile`) into spaCy phrase and token matchers over folded lemmas, and
tags a sentence with :data:`Tags`: per scheme and label, the :class:`Evidence` (entry,
surface, character offsets) that was found. A cancelling context in the same sentence
drops an entry's hit, and a hit glued by a hyphen to another word ("données-xyz") is
rejected: a term is never found inside another word. :func:`tag_pages` segments pages
and tags every sentence in one pass of the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.attrs import NORM, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from nlp.extract.document import Page
from nlp.language.folding import fold, normalise_text
from nlp.language.lexicon import Entry, Lexicon
from nlp.language.lexicon_compile import LemmaMemo, TermCompiler
from nlp.language.segment import (
    DEFAULT_BATCH_SIZE,
    ORIGINAL_TEXT_KEY,
    Sentence,
    iter_sentence_spans,
)

_NORMS_KEY = "valpub_norms"
_FOLDS_KEY = "valpub_folds"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a label was given: which entry matched where.

    ``start`` and ``end`` are character offsets into the text of the ``Doc`` the
    matched span belongs to: for spans from ``nlp.language.segment.iter_sentence_spans`` that
    is the page text (``page.text[start:end] == surface``).
    """

    entry_id: str
    surface: str
    start: int
    end: int
    weight: float = 1.0


Tags = dict[str, dict[str, list[Evidence]]]
"""Per scheme, per label, the evidence found (only labels with evidence appear)."""


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    label: str
    entry: Entry


class LexiconMatcher:
    """All lexicons compiled once into spaCy matchers over folded lemmas.

    Build it once per process from the pipeline that segments the text (term patterns
    must be lemmatised by the same pipeline) and reuse it for every sentence.

    Args:
        nlp: a pipeline from ``nlp.language.segment.load_pipeline``.
        lexicons: the lexicons to match, e.g. from ``load_lexicons``.
        memo: a JSON file keeping the lemmas of the terms between processes (see the
            module docstring); None computes them every time.
    """

    def __init__(
        self, nlp: Language, lexicons: Sequence[Lexicon], memo: Path | None = None
    ) -> None:
        self.lexicons = list(lexicons)
        self.versions: dict[str, str] = {lex.scheme: lex.version for lex in self.lexicons}
        self._nlp = nlp
        self._terms = PhraseMatcher(nlp.vocab, attr="NORM")
        self._cancels = PhraseMatcher(nlp.vocab, attr="NORM")
        # The Matcher tries every pattern at every token, evaluates IN predicates in
        # Python and expands gaps such as {0,8} into optional tokens: slow. So each
        # pattern gets its own Matcher, run only on sentences that contain one of the
        # lemmas of each of its required words; patterns without such words run always.
        self._free_patterns = Matcher(nlp.vocab, validate=True)
        self._gated: list[tuple[Matcher, list[tuple[str, frozenset[str]]]]] = []
        self._gate_index: dict[tuple[str, str], list[int]] = {}
        self._folds: dict[int, str] = {}
        self._targets: dict[int, _Target] = {}
        self._term_seqs: dict[str, list[tuple[str, ...]]] = {}
        self._memo = LemmaMemo(memo, nlp)
        self._compiler = TermCompiler(nlp, self._memo)
        self._compile()
        self._memo.save()

    # -- building

    def _key(self, scheme: str, entry_id: str) -> str:
        return f"{scheme}:{entry_id}"

    def _compile(self) -> None:
        term_owner: list[tuple[str, str]] = []
        cancel_owner: list[tuple[str, str]] = []
        for lexicon in self.lexicons:
            for label, entry in lexicon.entries():
                key = self._key(lexicon.scheme, entry.id)
                self._targets[self._nlp.vocab.strings.add(key)] = _Target(
                    lexicon.scheme, label.id, entry
                )
                term_owner += [(key, term) for term in entry.terms]
                cancel_owner += [(key, phrase) for phrase in entry.cancel]
                for pattern in entry.patterns:
                    compiled = [self._compiler.compile_token(t) for t in pattern]
                    required = self._compiler.required_words(compiled)
                    if not required:
                        self._free_patterns.add(key, [compiled])
                        continue
                    single = Matcher(self._nlp.vocab, validate=True)
                    single.add(key, [compiled])
                    self._gated.append((single, required))
                    kind, values = min(required, key=lambda gate: len(gate[1]))
                    for value in values:
                        self._gate_index.setdefault((kind, value), []).append(len(self._gated) - 1)
        sequences = self._compiler.norm_sequences([t for _, t in term_owner + cancel_owner])
        self._term_seqs = sequences
        for matcher, owners in ((self._terms, term_owner), (self._cancels, cancel_owner)):
            by_key: dict[str, set[tuple[str, ...]]] = {}
            for key, term in owners:
                by_key.setdefault(key, set()).update(sequences[term])
            for key, seqs in by_key.items():
                matcher.add(key, self._compiler.phrase_docs(sorted(seqs)))

    def term_variants(self, term: str) -> list[tuple[str, ...]]:
        """Every folded-lemma sequence a term (or cancel phrase) of the lexicons matches."""
        return self._term_seqs[term]

    def entry_ids(self) -> list[tuple[str, str, str]]:
        """Every ``(scheme, label, entry_id)`` of the compiled lexicons, in file order."""
        return [(t.scheme, t.label, t.entry.id) for t in self._targets.values()]

    def term_finder(
        self, terms: Sequence[str]
    ) -> Callable[[Doc | Span], list[tuple[str, int, int]]]:
        """Compile free terms the way lexicon terms are compiled (for ``kwic``).

        Returns:
            A function giving, for a doc or span, ``(term, start, end)`` character
            offsets of every occurrence.
        """
        matcher = PhraseMatcher(self._nlp.vocab, attr="NORM")
        for term, seqs in self._compiler.norm_sequences(terms).items():
            if seqs:
                matcher.add(term, self._compiler.phrase_docs(seqs))
        strings = self._nlp.vocab.strings

        def find(doclike: Doc | Span) -> list[tuple[str, int, int]]:
            doc = doclike.doc if isinstance(doclike, Span) else doclike
            return [
                (strings[key], doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text))
                for key, start, end in matcher(doclike)
                if not self._glued(doc, start, end)
            ]

        return find

    def _norm_array(self, doc: Doc) -> list[str]:
        """The folded lemmas (``norm_``) of ``doc``'s tokens, computed once per doc."""
        cached: list[str] | None = doc.user_data.get(_NORMS_KEY)
        if cached is None or len(cached) != len(doc):
            strings = self._nlp.vocab.strings
            cached = doc.user_data[_NORMS_KEY] = [strings[h] for h in doc.to_array(NORM)]
        return cached

    def _fold_array(self, doc: Doc) -> list[str]:
        """The folded surface forms of ``doc``'s tokens, computed once per doc."""
        cached: list[str] | None = doc.user_data.get(_FOLDS_KEY)
        if cached is None or len(cached) != len(doc):
            folds, strings = self._folds, self._nlp.vocab.strings
            cached = []
            for orth in doc.to_array(ORTH).tolist():
                folded = folds.get(orth)
                if folded is None:
                    folded = folds[orth] = fold(strings[orth])
                cached.append(folded)
            doc.user_data[_FOLDS_KEY] = cached
        return cached

    @staticmethod
    def _glued(doc: Doc, start: int, end: int) -> bool:
        """Tell whether ``doc[start:end]`` is part of a larger hyphenated word."""
        if start >= 2:
            hyphen, word = doc[start - 1], doc[start - 2]
            if (
                hyphen.text == "-"
                and not word.whitespace_
                and not hyphen.whitespace_
                and word.text[-1:].isalnum()
            ):
                return True
        if end < len(doc) - 1:
            hyphen, last = doc[end], doc[end - 1]
            if (
                hyphen.text == "-"
                and not last.whitespace_
                and not hyphen.whitespace_
                and doc[end + 1].text[:1].isalnum()
            ):
                return True
        return False

    def match(self, doclike: Doc | Span) -> Tags:
        """Tag one sentence (a span from ``iter_sentence_spans``) or a whole doc.

        Args:
            doclike: a ``Span`` or ``Doc`` made by the pipeline the matcher was built
                with (``Token.norm_`` must hold folded lemmas).

        Returns:
            Per scheme, per label, the evidence sorted by position; labels without
            evidence are absent. Evidence offsets are characters in the Doc's text
            (the page text for sentences from ``iter_sentence_spans``).
        """
        doc = doclike.doc if isinstance(doclike, Span) else doclike
        offset = doclike.start if isinstance(doclike, Span) else 0
        found: dict[int, list[tuple[int, int]]] = {}
        for key, start, end in self._terms(doclike):
            found.setdefault(key, []).append((start, end))
        if len(self._free_patterns):
            for key, start, end in self._free_patterns(doclike):
                found.setdefault(key, []).append((start + offset, end + offset))
        if self._gated:
            words = {("norm", v) for v in self._norm_array(doc)[offset : offset + len(doclike)]} | {
                ("fold", v) for v in self._fold_array(doc)[offset : offset + len(doclike)]
            }
            candidates = {
                i for w in words.intersection(self._gate_index) for i in self._gate_index[w]
            }
            for i in sorted(candidates):
                single, gates = self._gated[i]
                if all(any((kind, v) in words for v in values) for kind, values in gates):
                    for key, start, end in single(doclike):
                        found.setdefault(key, []).append((start + offset, end + offset))
        if not found:
            return {}
        cancelled = {key for key, _s, _e in self._cancels(doclike)}
        text: str | None = doc.user_data.get(ORIGINAL_TEXT_KEY)
        if text is None:  # not made by iter_sentence_spans: no original text kept
            text = doc.text
        tags: Tags = {}
        for key, spans in found.items():
            if key in cancelled:
                continue
            target = self._targets[key]
            kept: list[tuple[int, int]] = []
            for start, end in sorted(spans, key=lambda se: (se[1] - se[0], se[0])):
                if self._glued(doc, start, end):
                    continue
                if all(end <= s or start >= e for s, e in kept):
                    kept.append((start, end))
            for start, end in sorted(kept):
                c_start = doc[start].idx
                c_end = doc[end - 1].idx + len(doc[end - 1].text)
                evidence = Evidence(
                    target.entry.id, text[c_start:c_end], c_start, c_end, target.entry.weight
                )
                tags.setdefault(target.scheme, {}).setdefault(target.label, []).append(evidence)
        for labels in tags.values():
            for evidences in labels.values():
                evidences.sort(key=lambda ev: (ev.start, ev.end, ev.entry_id))
        return tags

    def match_text(self, text: str) -> Tags:
        """Tag a piece of text as one unit (runs the pipeline; for tests and tools)."""
        doc = self._nlp(normalise_text(text))
        doc.user_data[ORIGINAL_TEXT_KEY] = text
        return self.match(doc)


def tag_pages(
    nlp: Language,
    matcher: LexiconMatcher,
    pages: Iterable[Page],
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[tuple[Sentence, Tags]]:
    """Segment pages and tag every sentence, running the pipeline once.

    Args:
        nlp: the pipeline ``matcher`` was built with.
        matcher: the compiled lexicons.
        pages: pages to tag.
        batch_size: pages per ``nlp.pipe`` batch.

    Yields:
        Each sentence with its tags (empty when no entry matched); evidence offsets
        are offsets into the page text, like the sentence's.
    """
    for sentence, span in iter_sentence_spans(nlp, pages, batch_size=batch_size):
        yield sentence, matcher.match(span)


def label_sets(tags: Mapping[str, Mapping[str, list[Evidence]]]) -> dict[str, set[str]]:
    """Reduce tags to the set of labels per scheme."""
    return {scheme: set(labels) for scheme, labels in tags.items() if labels}
