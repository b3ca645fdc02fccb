"""One analyst decision on one scheme of one sentence: :class:`Judgement`, and sentence keys.

Every decision an analyst takes (in the review app, in Label Studio, in a CSV sheet) is
one :class:`Judgement`: the complete label set of one scheme of one sentence after the
decision, with who took it, how and when. This module owns that record and its
validation (codebook labels, actions, sources; an invalid one raises
:class:`AnnotationError`), and :func:`sentence_key`, the key a sentence is stored under.
The store that keeps judgements is :mod:`nlp.annotation.store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nlp.model.training import sentence_hash
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.errors import NlpError

ACTIONS = ("accept", "reject", "add", "set")
"""What an analyst can do to a scheme of a sentence."""

SOURCES = ("review", "label-studio", "csv")
"""Where a judgement was made."""


class AnnotationError(NlpError):
    """A judgement is invalid, or the store cannot be used (schema newer than the code)."""


def sentence_key(
    text: str,
    doc_sha256: str | None = None,
    page: int | None = None,
    start: int | None = None,
) -> str:
    """Key of a sentence in the store.

    ``sentence_hash(text)`` alone when the provenance is unknown, else
    ``<hash>:<doc_sha256>:<page>:<start>``, so the same words at two places of the
    corpus are two sentences, while the key still starts with the text's hash.
    """
    digest = sentence_hash(text)
    if doc_sha256 is None or page is None or start is None:
        return digest
    return f"{digest}:{doc_sha256}:{int(page)}:{int(start)}"


def as_utc(value: datetime | None) -> datetime:
    """``value`` as an aware UTC time (now when ``None``; a naive time is taken as UTC)."""
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Judgement:
    """One analyst decision on one scheme of one sentence.

    Built with invalid values, it raises :class:`AnnotationError`; ``labels`` is put in
    codebook order and ``at`` defaults to now (UTC).

    Attributes:
        sentence_key: :func:`sentence_key` of the sentence.
        text: the sentence (the store lives under ``outputs/`` and is never committed).
        scheme: one of ``nlp.records.codebook.SCHEMES``.
        labels: the complete label set of that scheme after the decision.
        annotator: who decided (non-empty).
        action: ``accept``, ``reject``, ``add`` or ``set`` (what the analyst did).
        label: the label acted on (``None`` for ``set``); after ``accept`` or ``add`` it
            must be in ``labels``, after ``reject`` it must not.
        source: ``review``, ``label-studio`` or ``csv``.
        doc_sha256: document of the sentence, when known.
        page: page of the sentence (1-based), when known.
        start: offset of the sentence in the page text, when known.
        end: end offset, when known.
        model_version: the model whose prediction the analyst saw ("" for none).
        at: when the decision was taken (UTC).
        origin: for imported judgements, a fingerprint of the imported record; a
            judgement whose origin is already stored is not added again, so importing
            the same export twice adds nothing. ``None`` for the review app.
    """

    sentence_key: str
    text: str
    scheme: str
    labels: tuple[str, ...]
    annotator: str
    action: str = "set"
    label: str | None = None
    source: str = "review"
    doc_sha256: str | None = None
    page: int | None = None
    start: int | None = None
    end: int | None = None
    model_version: str = ""
    at: datetime | None = None
    origin: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.sentence_key, str) or not self.sentence_key.strip():
            raise AnnotationError("a judgement needs a sentence key")
        if not isinstance(self.text, str) or not self.text.strip():
            raise AnnotationError(f"{self.sentence_key}: the sentence text is empty")
        if self.scheme not in CODEBOOK_LABELS:
            raise AnnotationError(
                f"{self.sentence_key}: unknown scheme {self.scheme!r}; expected one of "
                f"{', '.join(SCHEMES)}"
            )
        names = CODEBOOK_LABELS[self.scheme]
        if isinstance(self.labels, str):
            raise AnnotationError(f"{self.sentence_key}: labels must be a sequence of ids")
        unknown = sorted(set(self.labels) - set(names))
        if unknown:
            raise AnnotationError(
                f"{self.sentence_key}: unknown {self.scheme} label(s) {', '.join(unknown)}; "
                f"expected among {', '.join(names)}"
            )
        object.__setattr__(self, "labels", tuple(n for n in names if n in set(self.labels)))
        if not isinstance(self.annotator, str) or not self.annotator.strip():
            raise AnnotationError(f"{self.sentence_key}: the annotator's name is empty")
        object.__setattr__(self, "annotator", self.annotator.strip())
        if self.action not in ACTIONS:
            raise AnnotationError(
                f"{self.sentence_key}: unknown action {self.action!r}; expected one of "
                f"{', '.join(ACTIONS)}"
            )
        if self.action != "set":
            if self.label not in names:
                raise AnnotationError(
                    f"{self.sentence_key}: action {self.action!r} needs the {self.scheme} "
                    f"label acted on, got {self.label!r}"
                )
            inside = self.label in self.labels
            if inside != (self.action in {"accept", "add"}):
                raise AnnotationError(
                    f"{self.sentence_key}: after {self.action!r} of {self.label!r} the label "
                    f"must {'' if self.action in {'accept', 'add'} else 'not '}be in the set"
                )
        elif self.label is not None and self.label not in names:
            raise AnnotationError(f"{self.sentence_key}: unknown label {self.label!r}")
        if self.source not in SOURCES:
            raise AnnotationError(
                f"{self.sentence_key}: unknown source {self.source!r}; expected one of "
                f"{', '.join(SOURCES)}"
            )
        for name in ("page", "start", "end"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or int(value) < 0):
                raise AnnotationError(f"{self.sentence_key}: {name} must be a non-negative int")
            if value is not None:
                object.__setattr__(self, name, int(value))
        object.__setattr__(self, "at", as_utc(self.at))
