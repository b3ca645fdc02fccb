"""The matching key of a word: text normalisation, accent and case folding, ``valpub_fold``.

Before the text reaches spaCy, :func:`normalise_text` replaces typographic apostrophes,
non-breaking spaces and Unicode hyphens by their ASCII forms one character for one, so
offsets do not move (and the French tagger handles "l'usager" much better than
"l’usager"). The ``valpub_fold`` component, last in ``nlp.language.segment.load_pipeline``,
writes each token's matching key to ``Token.norm_`` (:func:`norm_key`): the accent- and
case-folded lemma, with hyphens inside a token dropped ("co-construction" and
"coconstruction" meet); articles and prepositions fold by their surface ("des", "du",
"d'" to "de"; "l'", "la", "les" to "le"), whatever the tagger made of them.
``nlp.language.lexicon_match`` matches on that key.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy
from spacy.attrs import LEMMA, LOWER, NORM, ORTH
from spacy.language import Language
from spacy.tokens import Doc

# One character for one, so that offsets into the normalised text are offsets into
# the page text.
_SAME_LENGTH = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark, the usual French apostrophe
        "\u2018": "'",
        "\u02bc": "'",
        "\u00a0": " ",  # no-break space (before : ; ! ? and inside « »)
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",
        "\u2009": " ",
        "\t": " ",
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\r": "\n",
    }
)

# Function words fold by their lower-cased surface, not by their lemma: the tagger
# hesitates between article and preposition for "des" and "du", and an elided "l'"
# may be tagged as a proper noun; a surface key is the same in every context.
FUNCTION_WORDS: dict[str, str] = {
    "le": "le",
    "la": "le",
    "les": "le",
    "l'": "le",
    "de": "de",
    "des": "de",
    "du": "de",
    "d'": "de",
    "à": "a",
    "au": "a",
    "aux": "a",
    "un": "un",
    "une": "un",
    "ce": "ce",
    "cet": "ce",
    "cette": "ce",
    "ces": "ce",
    "c'": "ce",
    "que": "que",
    "qu'": "que",
    "j'": "je",
    "m'": "me",
    "n'": "ne",
    "s'": "se",
    "t'": "te",
    "jusqu'": "jusque",
    "lorsqu'": "lorsque",
    "puisqu'": "puisque",
    "quoiqu'": "quoique",
    "son": "son",
    "sa": "son",
    "ses": "son",
    "leur": "leur",
    "leurs": "leur",
    "notre": "notre",
    "nos": "notre",
    "votre": "votre",
    "vos": "votre",
}


def normalise_text(text: str) -> str:
    """Return ``text`` with apostrophes, spaces and hyphens in their ASCII forms.

    The result has exactly the length of ``text``, so offsets carry over.
    """
    return text.translate(_SAME_LENGTH)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents, ligatures and inner hyphens.

    This is the comparison key of lexicon matching: "Coûts", "couts" and "COÛTS" fold
    alike, and so do "co-construction" and "coconstruction". A token made only of
    hyphens stays "-".
    """
    low = text.translate(_SAME_LENGTH).lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", low)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    if stripped.strip("-") == "":
        return stripped
    return stripped.replace("-", "")


def norm_key(surface: str, lemma: str) -> str:
    """Return the matching key of a word (the value of ``Token.norm_``).

    A function word gets its canonical form (see ``FUNCTION_WORDS``), any other word
    its folded lemma.
    """
    function = FUNCTION_WORDS.get(surface.translate(_SAME_LENGTH).lower())
    return function if function is not None else fold(lemma or surface)


@Language.factory("valpub_fold")
def make_fold(nlp: Language, name: str) -> FoldLemmas:
    """Build the component writing matching keys to ``Token.norm_``."""
    return FoldLemmas()


class FoldLemmas:
    """Pipeline component: ``token.norm_ = norm_key(text, lemma)``, the matching key.

    Tokens are read and written as arrays of string hashes (Token objects are slow), and
    each pair of lower-cased word and lemma is folded once: the cache lives in the
    component, so it dies with its pipeline.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        """Set ``norm_`` on every token of ``doc``."""
        if len(doc) == 0:
            return doc
        cache, strings = self._cache, doc.vocab.strings
        norms = []
        for orth, lower, lemma in doc.to_array([ORTH, LOWER, LEMMA]).tolist():
            norm = cache.get((lower, lemma))
            if norm is None:
                norm = cache[(lower, lemma)] = strings.add(norm_key(strings[orth], strings[lemma]))
            norms.append(norm)
        column: Any = numpy.array(norms, dtype=numpy.uint64).reshape(-1, 1)
        doc.from_array([NORM], column)
        return doc
