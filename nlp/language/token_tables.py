"""The model's rule-based components run once per distinct token, not once per token.

spaCy's ``attribute_ruler`` and lemmatizer are rules over a token's own attributes, run
token by token in Python: on real pages they took about a sixth of the pipeline's time.
What they give a token depends only on a few of its values (the ruler's on POS,
whitespace and dependency label; the French lemmatizer's on the word and its POS), so
:class:`RuleTable` and :class:`LemmaTable` work it out once per distinct key and write
it with ``Doc.from_array``. The annotations are the same, which the tests check on real
pages; a ruler or lemmatizer of another kind is simply run as it is.
:func:`use_tables` puts them in a pipeline in place of the components they stand for.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy
from spacy.attrs import DEP, IS_SPACE, LEMMA, ORTH, POS
from spacy.lang.fr.lemmatizer import FrenchLemmatizer
from spacy.language import Language
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens import Doc

#: Token attributes the attribute ruler's patterns may test for :class:`RuleTable`.
_RULE_INPUTS = {"POS": POS, "IS_SPACE": IS_SPACE, "DEP": DEP}

#: The kind of component a table stands in for (see :func:`_pipe`).
_Pipe = TypeVar("_Pipe")


class RuleTable:
    """An attribute ruler's one-token rules applied with arrays: same annotations, no Matcher.

    The ``attribute_ruler`` of ``fr_core_news_sm`` copies each coarse POS to the fine
    tag and gives whitespace tokens the POS ``SPACE``: 23 one-token patterns over
    ``POS``, ``IS_SPACE`` and ``DEP``. Run as spaCy runs them (a Matcher, then a Span and
    an attribute assignment per token) they took a seventh of the pipeline's time on
    real pages. What they assign depends only on those three values of a token, so it
    is worked out once per distinct triple and written in one ``Doc.from_array``. Rules
    of any other shape are left to the ruler itself.
    """

    def __init__(self, ruler: AttributeRuler) -> None:
        self.ruler = ruler
        self._rules = _one_token_rules(ruler)
        self._outcomes: dict[tuple[int, int, int], dict[int, int]] = {}

    def __call__(self, doc: Doc) -> Doc:
        """Apply the ruler's rules to ``doc``."""
        if self._rules is None:
            return self.ruler(doc)
        if len(doc) == 0:
            return doc
        keys = doc.to_array([POS, IS_SPACE, DEP])
        # POS ids are small and IS_SPACE 0 or 1: one number per pair, unless a
        # dependency label is set (with the parser), which needs the whole row
        if keys[:, 2].any():
            distinct, inverse = numpy.unique(keys, axis=0, return_inverse=True)
        else:
            numbers, inverse = numpy.unique(keys[:, 0] * 2 + keys[:, 1], return_inverse=True)
            distinct = numpy.stack([numbers // 2, numbers % 2, numpy.zeros_like(numbers)], axis=1)
        inverse = inverse.reshape(-1)
        outcomes = [self._outcome(int(p), int(s), int(d)) for p, s, d in distinct.tolist()]
        columns: list[int | str] = sorted({attr for outcome in outcomes for attr in outcome})
        if not columns:
            return doc
        values: Any = doc.to_array(columns).reshape(len(doc), len(columns))
        for k, outcome in enumerate(outcomes):
            rows = inverse == k
            for j, attr in enumerate(columns):
                if attr in outcome:
                    values[rows, j] = outcome[attr]
        doc.from_array(columns, values)
        return doc

    def _outcome(self, pos: int, space: int, dep: int) -> dict[int, int]:
        """The attributes the rules give a token with these values (later rules win)."""
        key = (pos, space, dep)
        known = self._outcomes.get(key)
        if known is None:
            strings = self.ruler.vocab.strings
            token = {"POS": strings[pos] if pos else "", "IS_SPACE": bool(space)}
            token["DEP"] = strings[dep] if dep else ""
            known = {}
            for specs, attrs in self._rules or ():
                if any(all(_holds(token[k], v) for k, v in spec.items()) for spec in specs):
                    known.update(attrs)
            self._outcomes[key] = known
        return known


def _holds(value: object, wanted: object) -> bool:
    """Whether a token value satisfies a Matcher pattern value (constant, IN or NOT_IN)."""
    if isinstance(wanted, dict):
        return ("IN" not in wanted or value in wanted["IN"]) and (
            "NOT_IN" not in wanted or value not in wanted["NOT_IN"]
        )
    return value == wanted


def _one_token_rules(
    ruler: AttributeRuler,
) -> list[tuple[list[dict[str, object]], dict[int, int]]] | None:
    """The ruler's rules as (alternative token specs, attributes), or None if not all fit.

    They fit when every pattern is one token testing only ``_RULE_INPUTS`` with
    constants, ``IN`` or ``NOT_IN``, and assigns plain token attributes.
    """
    rules = []
    for pattern, attrs in zip(ruler.patterns, ruler.attrs, strict=True):
        specs: Any = pattern["patterns"]
        for spec in specs:
            if len(spec) != 1 or not set(spec[0]) <= set(_RULE_INPUTS):
                return None
            for value in spec[0].values():
                if isinstance(value, dict) and not set(value) <= {"IN", "NOT_IN"}:
                    return None
        if "_" in attrs:
            return None
        rules.append(([spec[0] for spec in specs], dict(attrs)))
    return rules


@Language.factory("valpub_rules")
def make_rule_table(nlp: Language, name: str) -> RuleTable:
    """Build the component standing in for the ``attribute_ruler`` (see :class:`RuleTable`)."""
    return RuleTable(_pipe(nlp, "attribute_ruler", AttributeRuler))


class LemmaTable:
    """The French lemmatizer asked once per distinct (word, POS), not once per token.

    ``FrenchLemmatizer`` in rule mode gives a token the first of the lemmas its
    ``rule_lemmatize`` finds from the token's text and POS alone (its own cache is keyed
    by them), so the lemma of a pair is worked out on the first token that has it. Any
    other lemmatizer runs as it is.
    """

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self._by_pair = isinstance(lemmatizer, FrenchLemmatizer) and lemmatizer.mode == "rule"
        self._lemmas: dict[tuple[int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        """Lemmatise the tokens of ``doc`` that have no lemma (every token if overwriting)."""
        lemmatizer = self.lemmatizer
        if not self._by_pair:
            return lemmatizer(doc)
        if len(doc) == 0:
            return doc
        lemmas, strings = self._lemmas, doc.vocab.strings
        values = []
        for i, (orth, pos, lemma) in enumerate(doc.to_array([ORTH, POS, LEMMA]).tolist()):
            if lemma and not lemmatizer.overwrite:
                values.append(lemma)
                continue
            found = lemmas.get((orth, pos))
            if found is None:
                found = lemmas[(orth, pos)] = strings.add(lemmatizer.lemmatize(doc[i])[0])
            values.append(found)
        column: Any = numpy.array(values, dtype=numpy.uint64).reshape(-1, 1)
        doc.from_array([LEMMA], column)
        return doc


@Language.factory("valpub_lemmas")
def make_lemma_table(nlp: Language, name: str) -> LemmaTable:
    """Build the component standing in for the ``lemmatizer`` (see :class:`LemmaTable`)."""
    return LemmaTable(_pipe(nlp, "lemmatizer", Lemmatizer))


def _pipe(nlp: Language, name: str, kind: type[_Pipe]) -> _Pipe:
    """The component ``name`` of ``nlp``, which must be a ``kind``: what a table is built on."""
    component = nlp.get_pipe(name)
    assert isinstance(component, kind)
    return component


def use_tables(nlp: Language) -> None:
    """Run the attribute ruler and the lemmatizer of ``nlp`` as tables, in their places.

    The components stay in the pipeline, disabled (so it serialises as before), and the
    tables use their rules and word lists.
    """
    for name, table in (("attribute_ruler", "valpub_rules"), ("lemmatizer", "valpub_lemmas")):
        if name in nlp.pipe_names:
            nlp.add_pipe(table, after=name)
            nlp.disable_pipe(name)
