"""Curating the lexicons: entry targets per label and cues written more than once.

What ``valpub lexicon check`` reports besides schema errors: :data:`MIN_ENTRIES`, the
number of entries a label of each scheme should reach, and :func:`find_overlaps`, which
finds a cue carried twice (by one entry, two entries of a label, two labels of a scheme,
or two schemes), comparing terms by the folded-lemma sequences they match.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlp.language.lexicon_match import LexiconMatcher
from nlp.records.codebook import CODEBOOK_LABELS

#: Entries per label a lexicon should reach (the curation rule of lexicons/README.md);
#: ``valpub lexicon check`` flags the labels below it.
MIN_ENTRIES: dict[str, int] = {
    scheme: 30 if scheme in ("public_value", "coproduction") else 12 for scheme in CODEBOOK_LABELS
}


@dataclass(frozen=True, slots=True)
class Overlap:
    """The same cue written more than once.

    ``kind`` is ``redundant`` (two spellings of one cue in one entry: harmless, since
    inflections match anyway), ``duplicate`` (two entries of one label), ``shared``
    (two labels of one scheme) or ``cross_scheme`` (labels of two schemes, often
    legitimate: "budget participatif" is both political value and participative
    co-production).
    """

    kind: str
    key: str
    places: tuple[str, ...]


def find_overlaps(matcher: LexiconMatcher) -> list[Overlap]:
    """Find cues that more than one term, entry or label carries.

    Two terms are the same cue when they can match the same words (their sets of
    folded-lemma sequences meet), so "budget participatif" and "budgets participatifs"
    are one cue; patterns are compared by their exact content.
    """
    index: dict[tuple[str, ...], set[tuple[str, str, str, str]]] = {}
    for lexicon in matcher.lexicons:
        for label, entry in lexicon.entries():
            for term in entry.terms:
                for seq in matcher.term_variants(term):
                    index.setdefault(seq, set()).add((lexicon.scheme, label.id, entry.id, term))
            for pattern in entry.patterns:
                place = (lexicon.scheme, label.id, entry.id, f"pattern {pattern!r}")
                index.setdefault(("pattern", repr(pattern)), set()).add(place)
    groups = {frozenset(places) for places in index.values() if len(places) > 1}
    maximal = [g for g in groups if not any(g < other for other in groups)]
    overlaps: list[Overlap] = []
    for group in sorted(maximal, key=lambda g: sorted(g)):
        places = sorted(group)
        labels = {(s, lab) for s, lab, _e, _c in places}
        schemes = {s for s, _l, _e, _c in places}
        cue = " | ".join(sorted({c for _s, _l, _e, c in places}))
        described = tuple(f"{s}/{e}" for s, _l, e, _c in places)
        entries = {(s, lab, e) for s, lab, e, _c in places}
        if len(entries) < len(places):
            overlaps.append(Overlap("redundant", cue, described))
        if len(labels) < len(entries):
            overlaps.append(Overlap("duplicate", cue, described))
        if len(labels) > 1:
            kind = "shared" if len(schemes) < len(labels) else "cross_scheme"
            overlaps.append(Overlap(kind, cue, described))
    return overlaps
