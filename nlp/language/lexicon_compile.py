"""Compiling lexicon terms and patterns into what the spaCy matchers run on.

Matching works on ``Token.norm_``, which the ``valpub_fold`` component of
``nlp.language.segment.load_pipeline`` sets to the folded lemma; this module turns the terms and
patterns of the lexicons into that form. Terms are run through the same pipeline, so
"budget participatif" also finds "budgets participatifs". Because the small French
model tags words out of context unreliably (alone, "feuille" comes out as an adjective
with lemma "feuill", and in a sentence "signalement" can be tagged as a verb), each term
token also gets the lemmas the lemmatizer gives it as a noun, an adjective and a verb;
function words fold by their surface ("des" and "du" to "de", "l'" to "le"), so their
tagging does not matter. Hyphenated and spaced spellings of a term ("open data",
"open-data"; "co-construction", "co construction") are all tried. Lemmatising every
term spelling and pattern lemma takes about three seconds for our lexicons, so a
:class:`LemmaMemo` file can keep those lemmas for the next process; it is keyed by the
spaCy model and the source of this module and of the pipeline modules, so a change
to any makes it be rebuilt, and it never changes what is matched.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Token

from nlp.language.folding import FUNCTION_WORDS, fold, norm_key, normalise_text

log = logging.getLogger(__name__)

#: At most this many folded variants of one term are registered.
MAX_VARIANTS_PER_TERM = 64
_OPEN_CLASS = ("NOUN", "ADJ", "VERB")
#: The Token extension holding the folded surface form, which LOWER patterns match.
FOLD_EXT = "valpub_fold"
# Folded lemmas too frequent to serve as a pattern's anchor.
_COMMON_WORDS = frozenset(FUNCTION_WORDS.values()) | frozenset(
    [
        "en",
        "avec",
        "pour",
        "par",
        "et",
        "ou",
        "sur",
        "dans",
        "sans",
        "sous",
        "tout",
        "tous",
        "toute",
        "toutes",
        "plus",
        "ne",
        "pas",
        "se",
        "etre",
        "avoir",
        "faire",
        "mettre",
        "prendre",
        "pouvoir",
        "devoir",
        "il",
        "elle",
        "ils",
        "elles",
        "qui",
        "dont",
        "y",
        "lui",
    ]
)

_fold_text = functools.lru_cache(maxsize=1 << 16)(fold)

if not Token.has_extension(FOLD_EXT):
    # lazily computed: only tokens a LOWER pattern reaches pay for it
    Token.set_extension(FOLD_EXT, getter=lambda token: _fold_text(token.text))


def string_variants(nlp: Language, term: str) -> list[str]:
    """Spellings of a term to try: as written, and its hyphenated or spaced forms.

    "open data" also gives "open-data". A hyphenated term that the tokenizer splits at
    the hyphen ("open-data": open, -, data) also gives "open data" and "opendata"; one
    it keeps whole ("co-construction", "bien-être") only gives the joined spelling,
    since folding drops inner hyphens: "bien être" would otherwise find "le bien est".
    """
    base = normalise_text(term).strip()
    out = [base]
    if "-" in base:
        if any(token.text == "-" for token in nlp.make_doc(base)):
            out.append(base.replace("-", " "))
        out.append(base.replace("-", ""))
    words = base.split()
    if len(words) == 2 and all(w.isalpha() for w in words):
        out.append("-".join(words))
    return list(dict.fromkeys(out))


class LemmaMemo:
    """Lemmas computed while compiling lexicons, kept in a JSON file between processes.

    ``sequences`` maps a term spelling to its folded-lemma sequences, ``rule`` a
    ``word<TAB>POS`` to its rule lemma. Without a path, or with a file made for another
    model or code, it starts empty; a file that cannot be read is ignored.
    """

    def __init__(self, path: Path | None, nlp: Language) -> None:
        self.path = path
        self.key = self._key(nlp)
        self.sequences: dict[str, list[list[str]]] = {}
        self.rule: dict[str, str] = {}
        self.changed = False
        if path is None or not path.is_file():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") == self.key:
                self.sequences, self.rule = dict(data["sequences"]), dict(data["rule"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("%s: lemma memo not read (%s); rebuilding it", path, exc)

    @staticmethod
    def _key(nlp: Language) -> str:
        from spacy import about

        parts = [
            f"spacy {about.__version__}",
            f"{nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}",
            ",".join(nlp.pipe_names),
        ]
        here = Path(__file__)
        # the code that lemmatises and folds the terms
        for name in (
            "lexicon_compile.py",
            "folding.py",
            "boundaries.py",
            "segment.py",
            "token_tables.py",
        ):
            module = here.with_name(name)
            parts.append(hashlib.sha256(module.read_bytes()).hexdigest())
        return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()

    def save(self) -> None:
        """Write the memo (atomically) when compiling added to it."""
        if self.path is None or not self.changed:
            return
        from nlp.records.files import sweep_temporary, write_json

        try:
            # copies that killed processes were writing would stay in the cache for good
            sweep_temporary(self.path.parent, of=self.path)
            write_json(self.path, {"key": self.key, "sequences": self.sequences, "rule": self.rule})
        except OSError as exc:  # a read-only cache costs time, never a result
            log.warning("%s: lemma memo not written (%s)", self.path, exc)
        self.changed = False


class TermCompiler:
    """Turns lexicon terms and pattern tokens into folded-lemma forms, with one pipeline.

    Args:
        nlp: a pipeline from ``nlp.language.segment.load_pipeline`` (the one that will segment
            the text the compiled matchers run on).
        memo: where lemmas already computed are kept and added.
    """

    def __init__(self, nlp: Language, memo: LemmaMemo) -> None:
        self._nlp = nlp
        lemmatizer = nlp.get_pipe("lemmatizer")
        assert isinstance(lemmatizer, Lemmatizer)
        self._lemmatizer = lemmatizer
        self._memo = memo

    def rule_lemma(self, word: str, pos: str) -> str:
        """The rule lemmatizer's lemma of ``word`` read as part of speech ``pos``."""
        known = self._memo.rule.get(f"{word}\t{pos}")
        if known is not None:
            return known
        doc = Doc(self._nlp.vocab, words=[word], pos=[pos])
        forms: list[str] = self._lemmatizer.rule_lemmatize(doc[0])
        lemma = forms[0] if forms else word
        self._memo.rule[f"{word}\t{pos}"] = lemma
        self._memo.changed = True
        return lemma

    def word_variants(self, token: Token, single: bool) -> list[str]:
        """Folded lemmas a word of a term may take in a sentence, most likely first.

        Besides the lemma the pipeline gives the word alone, the lemmas the rule
        lemmatizer gives it as a noun and as an adjective, and (within a multi-word
        term, where the other words keep the match precise) as a verb and from the
        lookup table. A one-word term gets no verb reading unless it was tagged as a
        verb: "données" must not find every form of "donner".
        """
        variants = [token.norm_]
        if token.lower_ in FUNCTION_WORDS or token.is_punct or token.like_num:
            return variants  # folded by its surface whatever the tagger says
        classes = _OPEN_CLASS if not single or token.pos_ in ("VERB", "AUX") else ("NOUN", "ADJ")
        for pos in classes:
            variants.append(norm_key(token.text, self.rule_lemma(token.text, pos)))
        if not single:
            lookup = self._lemmatizer.lookups.get_table("lemma_lookup", {})
            variants.append(norm_key(token.text, lookup.get(token.lower_, [token.lower_])[0]))
        return list(dict.fromkeys(variants))

    def norm_sequences(self, terms: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
        """Folded-lemma sequences of each term (with its spelling variants)."""
        spellings = {term: string_variants(self._nlp, term) for term in terms}
        unique = list(dict.fromkeys(s for forms in spellings.values() for s in forms))
        per_spelling = {
            text: [tuple(seq) for seq in self._memo.sequences[text]]
            for text in unique
            if text in self._memo.sequences
        }
        for doc in self._nlp.pipe([t for t in unique if t not in per_spelling], batch_size=256):
            words = [token for token in doc if not token.is_space]
            options = [self.word_variants(token, single=len(words) == 1) for token in words]
            seqs: list[tuple[str, ...]] = []
            for width in range(max((len(o) for o in options), default=1), 0, -1):
                trimmed = [o[:width] for o in options]
                size = 1
                for o in trimmed:
                    size *= len(o)
                if size <= MAX_VARIANTS_PER_TERM:
                    seqs = [tuple(p) for p in itertools.product(*trimmed)]
                    break
            per_spelling[doc.text] = seqs
            self._memo.sequences[doc.text] = [list(seq) for seq in seqs]
            self._memo.changed = True
        return {
            term: list(dict.fromkeys(seq for s in forms for seq in per_spelling[s]))
            for term, forms in spellings.items()
        }

    def phrase_docs(self, sequences: Iterable[tuple[str, ...]]) -> list[Doc]:
        """Docs whose token norms are the given folded-lemma sequences (PhraseMatcher input)."""
        docs = []
        for seq in sequences:
            doc = Doc(self._nlp.vocab, words=list(seq))
            for token, norm in zip(doc, seq, strict=True):
                token.norm_ = norm
            docs.append(doc)
        return docs

    def lemma_values(self, lemma: str) -> list[str]:
        """Folded forms a lemma written in a pattern may take in a sentence.

        The lemma itself, and what the rule lemmatizer makes of it as a noun or an
        adjective (the tagger sometimes reads "plateforme" as an adjective, lemma
        "plateform"; a participle tagged as an adjective gets the infinitive).
        """
        values = [norm_key(lemma, lemma)]
        for pos in ("NOUN", "ADJ"):
            values.append(norm_key(lemma, self.rule_lemma(lemma, pos)))
        return list(dict.fromkeys(values))

    def compile_token(self, token: dict[str, Any]) -> dict[str, Any]:
        """A lexicon pattern token as a Matcher token on folded lemmas and surfaces."""
        out: dict[str, Any] = {}
        for key, value in token.items():
            if key == "LEMMA":
                if isinstance(value, str):
                    out["NORM"] = {"IN": self.lemma_values(value)}
                else:
                    out["NORM"] = {
                        op: sorted({f for v in values for f in self.lemma_values(v)})
                        for op, values in value.items()
                    }
            elif key == "LOWER":
                if isinstance(value, str):
                    out.setdefault("_", {})[FOLD_EXT] = fold(value)
                else:
                    out.setdefault("_", {})[FOLD_EXT] = {
                        op: [fold(v) for v in values] for op, values in value.items()
                    }
            else:
                out[key] = value
        return out

    @staticmethod
    def required_words(pattern: list[dict[str, Any]]) -> list[tuple[str, frozenset[str]]]:
        """Each required, uncommon word of a compiled pattern, as the values it accepts.

        ``("norm", {...})`` for a LEMMA (folded lemmas), ``("fold", {...})`` for a LOWER
        (folded surface forms).
        """
        required: list[tuple[str, frozenset[str]]] = []
        for token in pattern:
            op = token.get("OP")
            if op is not None and op != "+":
                low = op[1:].split(",")[0].rstrip("}") if op.startswith("{") else "0"
                if low in ("", "0"):
                    continue  # the token may be absent
            for kind, spec in (
                ("norm", token.get("NORM")),
                ("fold", token.get("_", {}).get(FOLD_EXT)),
            ):
                values = [spec] if isinstance(spec, str) else None
                if isinstance(spec, dict) and "IN" in spec:
                    values = list(spec["IN"])
                if values and not any(v in _COMMON_WORDS for v in values):
                    required.append((kind, frozenset(values)))
        return required

    # -- queries
