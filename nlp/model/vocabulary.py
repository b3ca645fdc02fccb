"""The vocabulary of the shipped model: what may enter it, and how it is stored.

The model trained with real annotations is published with the repository, and its
vectorisers hold their vocabulary. :func:`shared_vocabulary` keeps an n-gram only when it
is the register of public action (seen in our written sentences or in the documents of
several territories) and never a person's name. :func:`vectoriser_state` stores a fitted
vectoriser as plain arrays, which skops loads in a fraction of a second, and
:func:`transform` applies one faster.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

_WORD = re.compile(r"\w+", re.UNICODE)

#: A civility title followed by anything but an article or a function: a person's name,
#: even when the name is also a common word ("Madame Petit").
_TITLED_NAME = re.compile(
    r"\b(?:monsieur|madame|mademoiselle|mme|mlle|mr|messieurs|mesdames)\s+"
    r"(?!(?:le|la|les|l|de|du|des|et|ou|à|au|aux|adjoint|adjointe|maire|président|"
    r"présidente|vice|conseiller|conseillère|délégué|déléguée|directeur|directrice)\b)\w"
)


def name_like_tokens(texts: Sequence[str]) -> set[str]:
    """Lower-cased tokens written with a capital inside sentences and never in lower case.

    Such tokens are proper names (people, places, bodies); a word n-gram holding one is
    never needed to tell what a sentence aims at, and may name a person.
    """
    capital: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for k, match in enumerate(_WORD.finditer(text)):
            token = match.group()
            if token.islower():
                lower.add(token)
            elif k > 0 and token[:1].isupper() and not token.isupper():
                capital.add(token.lower())
    return capital - lower


def _names_in(gram: str, names: set[str]) -> bool:
    return any(t in names for t in gram.split(" ")) or bool(_TITLED_NAME.search(gram))


def shared_vocabulary(
    texts: Sequence[str],
    groups: Sequence[str],
    analyzer: Any,
    min_groups: int,
    names: set[str] | None = None,
) -> list[str]:
    """N-grams seen in a written sentence or in the documents of ``min_groups`` territories.

    The vocabulary is stored in the shipped model, which is published: an n-gram found in
    one territory's documents only may be a resident's or an agent's name, so it is left
    out, and so is any n-gram holding one of ``names`` (:func:`name_like_tokens`), from
    real or written sentences alike. Vocabulary common to several territories is the
    register of public action.

    Args:
        texts: training sentences.
        groups: per sentence, ``written`` or the territory of its document.
        analyzer: a vectoriser's ``build_analyzer()``.
        min_groups: territories an n-gram of real documents must occur in.
        names: for word n-grams, tokens no kept n-gram may contain; a civility title
            followed by a name is dropped too. ``None`` (character n-grams): no name rule.
    """
    seen: dict[str, set[str]] = {}
    for text, group in zip(texts, groups, strict=True):
        for gram in set(analyzer(text)):
            seen.setdefault(gram, set()).add(group)
    return sorted(
        g
        for g, where in seen.items()
        if ("written" in where or len(where) >= min_groups)
        and (names is None or not _names_in(g, names))
    )


#: Vectoriser parameters kept in a format-2 bundle (the others are the defaults).
_VECTORISER_PARAMS = ("analyzer", "lowercase", "ngram_range", "strip_accents", "sublinear_tf")


def vectoriser_state(vec: TfidfVectorizer) -> dict[str, Any]:
    """A fitted vectoriser as stock objects: parameters, terms in column order, idf."""
    params = vec.get_params()
    return {
        "params": {k: params[k] for k in _VECTORISER_PARAMS},
        "terms": np.array(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__), dtype=str),
        "idf": np.asarray(vec.idf_, dtype=np.float64),
    }


def vectoriser_from_state(state: Mapping[str, Any] | TfidfVectorizer) -> TfidfVectorizer:
    """The fitted vectoriser of :func:`vectoriser_state` (a fitted one is returned as is)."""
    if isinstance(state, TfidfVectorizer):
        return state
    params = dict(state["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    terms = [str(t) for t in state["terms"]]
    vec = TfidfVectorizer(
        **params, vocabulary={t: i for i, t in enumerate(terms)}, dtype=np.float32
    )
    vec.idf_ = np.asarray(state["idf"], dtype=np.float64)
    return vec


def transform(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """``vec.transform(texts)``: the same matrix, about three times faster for ``char_wb``.

    A ``char_wb`` vectoriser reads each word apart (its n-grams never cross a space),
    and scikit-learn analyses and counts every n-gram of every word in Python. Here each
    distinct word of ``texts`` is analysed once, its n-grams' columns kept, and the
    counts summed with scipy; the TF-IDF weighting and normalisation are scikit-learn's.
    Other vectorisers are left to ``vec.transform``.
    """
    if vec.analyzer != "char_wb" or vec.binary or vec.input != "content":
        return vec.transform(texts)
    preprocess, analyse, vocabulary = (
        vec.build_preprocessor(),
        vec.build_analyzer(),
        vec.vocabulary_,
    )
    columns: dict[str, np.ndarray] = {}
    parts: list[np.ndarray] = []
    rows: list[int] = []
    for row, text in enumerate(texts):
        for word in preprocess(text).split():
            found = columns.get(word)
            if found is None:
                found = columns[word] = np.array(
                    [vocabulary[g] for g in analyse(word) if g in vocabulary], dtype=np.int32
                )
            parts.append(found)
            rows.append(row)
    lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    cols = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    counts = sp.csr_matrix(
        (
            np.ones(len(cols), dtype=vec.dtype),
            (np.repeat(np.array(rows, dtype=np.int32), lengths), cols),
        ),
        shape=(len(texts), len(vocabulary)),
    )
    counts.sum_duplicates()
    counts.sort_indices()
    weighting = TfidfTransformer(
        norm=vec.norm, use_idf=vec.use_idf, smooth_idf=vec.smooth_idf, sublinear_tf=vec.sublinear_tf
    )
    if vec.use_idf:
        weighting.idf_ = vec.idf_
    return weighting.transform(counts, copy=False)
