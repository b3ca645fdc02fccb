"""Lexicons of the codebook: schema, loading, and matching on folded lemmas.

A lexicon is one YAML file per scheme of the codebook (``lexicons/*.yaml``; the
schema is documented in ``lexicons/README.md`` and enforced by the pydantic models
below). Each label lists *entries*: terms (multi-word, matched on lemmas, case- and
accent-insensitive), spaCy ``Matcher`` token patterns for flexible expressions, and
cancelling contexts that drop the entry's hit when they occur in the same sentence.

Matching works on ``Token.norm_``, which the ``valpub_fold`` component of
``nlp.segment.load_pipeline`` sets to the folded lemma. Terms are run through the same
pipeline, so "budget participatif" also finds "budgets participatifs". Because the
small French model tags words out of context unreliably (alone, "feuille" comes out
as an adjective with lemma "feuill", and in a sentence "signalement" can be tagged as
a verb), each term token also gets the lemmas the lemmatizer gives it as a noun, an
adjective and a verb; function words fold by their surface ("des" and "du" to "de",
"l'" to "le"), so their tagging does not matter. Hyphenated and spaced spellings of a
term ("open data", "open-data"; "co-construction", "co construction") are all tried,
and a hit glued by a hyphen to another word ("données-xyz") is rejected: a term is
never found inside another word.

Compiling lemmatises every term spelling and pattern lemma with the pipeline, about
three seconds for our lexicons. Given a ``memo`` file, :class:`LexiconMatcher` keeps
those lemmas there and reuses them in the next process; the memo is keyed by the
spaCy model and the source of this module and of ``nlp.segment``, so a change to
either makes it be rebuilt, and it never changes what is matched.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from spacy.attrs import NORM, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span, Token

from nlp.codebook import CODEBOOK_LABELS
from nlp.errors import LexiconError
from nlp.extract import Page
from nlp.segment import (
    DEFAULT_BATCH_SIZE,
    FUNCTION_WORDS,
    ORIGINAL_TEXT_KEY,
    Sentence,
    fold,
    iter_sentence_spans,
    norm_key,
    normalise_text,
)

log = logging.getLogger(__name__)

#: Curation target: entries per label (issue 3).
MIN_ENTRIES: dict[str, int] = {
    scheme: 30 if scheme in ("public_value", "coproduction") else 12 for scheme in CODEBOOK_LABELS
}

#: Keys a token of a pattern may use.
PATTERN_KEYS = frozenset({"LEMMA", "LOWER", "POS", "IS_PUNCT", "LIKE_NUM", "OP"})
_OP_RE = re.compile(r"^(?:[?*+!]|\{\d*(?:,\d*)?\})$")
_STRING_KEYS = ("LEMMA", "LOWER", "POS")
_BOOL_KEYS = ("IS_PUNCT", "LIKE_NUM")
_POS_TAGS = frozenset(
    [
        "ADJ",
        "ADP",
        "ADV",
        "AUX",
        "CCONJ",
        "DET",
        "INTJ",
        "NOUN",
        "NUM",
        "PART",
        "PRON",
        "PROPN",
        "PUNCT",
        "SCONJ",
        "SYM",
        "VERB",
        "X",
        "SPACE",
    ]
)
#: At most this many folded variants of one term are registered.
MAX_VARIANTS_PER_TERM = 64
_OPEN_CLASS = ("NOUN", "ADJ", "VERB")
_FOLD_EXT = "valpub_fold"
_NORMS_KEY = "valpub_norms"
_FOLDS_KEY = "valpub_folds"
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

if not Token.has_extension(_FOLD_EXT):
    # lazily computed: only tokens a LOWER pattern reaches pay for it
    Token.set_extension(_FOLD_EXT, getter=lambda token: _fold_text(token.text))


# --------------------------------------------------------------------------- schema


def _check_token(token: Any) -> dict[str, Any]:
    """Validate one token of a Matcher pattern and return it."""
    if not isinstance(token, dict):
        raise ValueError(f"a pattern token must be a mapping, got {token!r}")
    unknown = set(token) - PATTERN_KEYS
    if unknown:
        raise ValueError(
            f"pattern token {token!r}: unknown key(s) {sorted(unknown)}; "
            f"allowed: {sorted(PATTERN_KEYS)} or {{}}"
        )
    for key in _STRING_KEYS:
        if key not in token:
            continue
        value = token[key]
        if isinstance(value, dict):
            if set(value) - {"IN", "NOT_IN"} or not value:
                raise ValueError(f"pattern token {token!r}: {key} takes a string, IN or NOT_IN")
            for values in value.values():
                if not isinstance(values, list) or not all(
                    isinstance(v, str) and v.strip() for v in values
                ):
                    raise ValueError(f"pattern token {token!r}: {key} lists must hold strings")
        elif not isinstance(value, str) or not value.strip():
            raise ValueError(f"pattern token {token!r}: {key} must be a non-empty string")
        if key == "POS":
            tags = [value] if isinstance(value, str) else [v for vs in value.values() for v in vs]
            bad = [t for t in tags if t not in _POS_TAGS]
            if bad:
                raise ValueError(f"pattern token {token!r}: unknown POS {bad}")
    for key in _BOOL_KEYS:
        if key in token and not isinstance(token[key], bool):
            raise ValueError(f"pattern token {token!r}: {key} must be true or false")
    if "OP" in token and (not isinstance(token["OP"], str) or not _OP_RE.match(token["OP"])):
        raise ValueError(
            f"pattern token {token!r}: OP must be ?, *, +, ! or {{n,m}}, got {token['OP']!r}"
        )
    return token


class Entry(BaseModel):
    """One cue of a label: terms and/or patterns that, on their own, signal the label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        pattern=r"^[a-z][a-z_]*\.[a-z0-9]+(?:-[a-z0-9]+)*$",
        description='"<label>.<slug>", unique within the file, e.g. economic.maitrise-des-couts',
    )
    terms: list[str] = Field(
        default_factory=list,
        description="Surface forms matched on lemmas, case- and accent-insensitive; "
        "multi-word allowed; one entry may list several variants.",
    )
    patterns: list[list[dict[str, Any]]] = Field(
        default_factory=list,
        description="spaCy Matcher token patterns (keys LEMMA, LOWER, POS, IS_PUNCT, "
        "LIKE_NUM, OP, or {} for any token) for flexible expressions.",
    )
    cancel: list[str] = Field(
        default_factory=list,
        description="Cancelling contexts: when one occurs in the same sentence, the "
        "entry's hit is dropped. Matched like terms.",
    )
    weight: float = Field(default=1.0, gt=0.0, le=10.0, description="Strength of the cue.")
    note: str | None = Field(default=None, description="Why the entry fits its label alone.")

    @field_validator("terms", "cancel")
    @classmethod
    def _non_empty_strings(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.strip():
                raise ValueError("an empty string is not a term")
            if value != value.strip():
                raise ValueError(f"{value!r} has leading or trailing spaces")
        return values

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, patterns: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        for pattern in patterns:
            if not pattern:
                raise ValueError("an empty pattern matches nothing")
            for token in pattern:
                _check_token(token)
            if all(token.get("OP") in ("?", "*", "!") for token in pattern):
                raise ValueError(f"pattern {pattern!r} could match no token at all")
        return patterns

    @model_validator(mode="after")
    def _has_cue(self) -> Entry:
        if not self.terms and not self.patterns:
            raise ValueError(f"entry {self.id} has neither terms nor patterns")
        return self


class Label(BaseModel):
    """A label of a scheme, with its codebook definition and its entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Label id, exactly as in the codebook.")
    name: str = Field(min_length=1, description="French name.")
    definition: str = Field(min_length=1, description="Definition from the codebook, in French.")
    entries: list[Entry] = Field(min_length=1, description="The label's cues.")

    @model_validator(mode="after")
    def _entry_prefix(self) -> Label:
        for entry in self.entries:
            if not entry.id.startswith(self.id + "."):
                raise ValueError(f"entry {entry.id} must start with '{self.id}.'")
        return self


class Lexicon(BaseModel):
    """One scheme's lexicon (one YAML file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheme: str = Field(description="Scheme id, equal to the file stem.")
    version: str = Field(
        pattern=r"^\d+\.\d+\.\d+$", description="Semantic version, bumped on every edit."
    )
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    labels: list[Label] = Field(min_length=1)

    @model_validator(mode="after")
    def _codebook(self) -> Lexicon:
        if self.scheme not in CODEBOOK_LABELS:
            raise ValueError(
                f"unknown scheme {self.scheme!r}; codebook schemes: {sorted(CODEBOOK_LABELS)}"
            )
        ids = [label.id for label in self.labels]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"label(s) defined twice: {duplicates}")
        expected = set(CODEBOOK_LABELS[self.scheme])
        if set(ids) != expected:
            missing, extra = sorted(expected - set(ids)), sorted(set(ids) - expected)
            raise ValueError(
                f"labels must be exactly those of the codebook; missing {missing}, unknown {extra}"
            )
        seen: set[str] = set()
        for label in self.labels:
            for entry in label.entries:
                if entry.id in seen:
                    raise ValueError(f"entry id {entry.id} is used twice")
                seen.add(entry.id)
        return self

    def entries(self) -> Iterator[tuple[Label, Entry]]:
        """Yield every ``(label, entry)`` pair, in file order."""
        for label in self.labels:
            for entry in label.entries:
                yield label, entry


def _describe_location(data: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into 'labels[2] (social) > entries[4] (social.x) > terms'."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        key = loc[i]
        if isinstance(key, str) and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = loc[i + 1]
            assert isinstance(index, int)
            item = None
            if isinstance(node, dict) and isinstance(node.get(key), list):
                items = node[key]
                item = items[index] if 0 <= index < len(items) else None
            ident = item.get("id") if isinstance(item, dict) else None
            parts.append(f"{key}[{index}]" + (f" ({ident})" if ident else ""))
            node = item
            i += 2
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
            i += 1
    return " > ".join(parts) or "(top level)"


def load_lexicon(path: Path | str) -> Lexicon:
    """Load and validate one lexicon file.

    Raises:
        LexiconError: the file is not valid YAML or does not follow the schema; the
            message names the label, entry and field at fault.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexiconError(path, f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:  # one line: where, and what the parser expected
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LexiconError(path, f"invalid YAML{where}: {problem}") from exc
    if not isinstance(data, dict):
        raise LexiconError(path, "the file must hold a mapping (scheme, version, labels...)")
    try:
        lexicon = Lexicon.model_validate(data)
    except ValidationError as exc:
        reasons = [
            f"{_describe_location(data, tuple(err['loc']))}: {err['msg']}" for err in exc.errors()
        ]
        raise LexiconError(path, "; ".join(reasons)) from exc
    if lexicon.scheme != path.stem:
        raise LexiconError(
            path, f"scheme {lexicon.scheme!r} must equal the file stem {path.stem!r}"
        )
    return lexicon


def load_lexicons(directory: Path | str) -> list[Lexicon]:
    """Load every ``*.yaml`` lexicon of ``directory``, sorted by scheme.

    Raises:
        LexiconError: a file is invalid, or the directory holds no lexicon.
    """
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise LexiconError(directory, "no *.yaml lexicon in this directory")
    return [load_lexicon(path) for path in files]


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a label was given: which entry matched where.

    ``start`` and ``end`` are character offsets into the text of the ``Doc`` the
    matched span belongs to: for spans from ``nlp.segment.iter_sentence_spans`` that
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


def _string_variants(nlp: Language, term: str) -> list[str]:
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


class _LemmaMemo:
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
        for module in (here, here.with_name("segment.py")):  # the code that lemmatises
            parts.append(hashlib.sha256(module.read_bytes()).hexdigest())
        return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()

    def save(self) -> None:
        """Write the memo (atomically) when compiling added to it."""
        if self.path is None or not self.changed:
            return
        from nlp.store import write_json

        try:
            write_json(self.path, {"key": self.key, "sequences": self.sequences, "rule": self.rule})
        except OSError as exc:  # a read-only cache costs time, never a result
            log.warning("%s: lemma memo not written (%s)", self.path, exc)
        self.changed = False


class LexiconMatcher:
    """All lexicons compiled once into spaCy matchers over folded lemmas.

    Build it once per process from the pipeline that segments the text (term patterns
    must be lemmatised by the same pipeline) and reuse it for every sentence.

    Args:
        nlp: a pipeline from ``nlp.segment.load_pipeline``.
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
        lemmatizer = nlp.get_pipe("lemmatizer")
        assert isinstance(lemmatizer, Lemmatizer)
        self._lemmatizer = lemmatizer
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
        self._memo = _LemmaMemo(memo, nlp)
        self._compile()
        self._memo.save()

    # -- building

    def _key(self, scheme: str, entry_id: str) -> str:
        return f"{scheme}:{entry_id}"

    def _rule_lemma(self, word: str, pos: str) -> str:
        known = self._memo.rule.get(f"{word}\t{pos}")
        if known is not None:
            return known
        doc = Doc(self._nlp.vocab, words=[word], pos=[pos])
        forms: list[str] = self._lemmatizer.rule_lemmatize(doc[0])
        lemma = forms[0] if forms else word
        self._memo.rule[f"{word}\t{pos}"] = lemma
        self._memo.changed = True
        return lemma

    def _word_variants(self, token: Token, single: bool) -> list[str]:
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
            variants.append(norm_key(token.text, self._rule_lemma(token.text, pos)))
        if not single:
            lookup = self._lemmatizer.lookups.get_table("lemma_lookup", {})
            variants.append(norm_key(token.text, lookup.get(token.lower_, [token.lower_])[0]))
        return list(dict.fromkeys(variants))

    def _norm_sequences(self, terms: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
        """Folded-lemma sequences of each term (with its spelling variants)."""
        spellings = {term: _string_variants(self._nlp, term) for term in terms}
        unique = list(dict.fromkeys(s for forms in spellings.values() for s in forms))
        per_spelling = {
            text: [tuple(seq) for seq in self._memo.sequences[text]]
            for text in unique
            if text in self._memo.sequences
        }
        for doc in self._nlp.pipe([t for t in unique if t not in per_spelling], batch_size=256):
            words = [token for token in doc if not token.is_space]
            options = [self._word_variants(token, single=len(words) == 1) for token in words]
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

    def _phrase_docs(self, sequences: Iterable[tuple[str, ...]]) -> list[Doc]:
        docs = []
        for seq in sequences:
            doc = Doc(self._nlp.vocab, words=list(seq))
            for token, norm in zip(doc, seq, strict=True):
                token.norm_ = norm
            docs.append(doc)
        return docs

    def _lemma_values(self, lemma: str) -> list[str]:
        """Folded forms a lemma written in a pattern may take in a sentence.

        The lemma itself, and what the rule lemmatizer makes of it as a noun or an
        adjective (the tagger sometimes reads "plateforme" as an adjective, lemma
        "plateform"; a participle tagged as an adjective gets the infinitive).
        """
        values = [norm_key(lemma, lemma)]
        for pos in ("NOUN", "ADJ"):
            values.append(norm_key(lemma, self._rule_lemma(lemma, pos)))
        return list(dict.fromkeys(values))

    def _compile_token(self, token: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in token.items():
            if key == "LEMMA":
                if isinstance(value, str):
                    out["NORM"] = {"IN": self._lemma_values(value)}
                else:
                    out["NORM"] = {
                        op: sorted({f for v in values for f in self._lemma_values(v)})
                        for op, values in value.items()
                    }
            elif key == "LOWER":
                if isinstance(value, str):
                    out.setdefault("_", {})[_FOLD_EXT] = fold(value)
                else:
                    out.setdefault("_", {})[_FOLD_EXT] = {
                        op: [fold(v) for v in values] for op, values in value.items()
                    }
            else:
                out[key] = value
        return out

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
                    compiled = [self._compile_token(t) for t in pattern]
                    required = self._required_words(compiled)
                    if not required:
                        self._free_patterns.add(key, [compiled])
                        continue
                    single = Matcher(self._nlp.vocab, validate=True)
                    single.add(key, [compiled])
                    self._gated.append((single, required))
                    kind, values = min(required, key=lambda gate: len(gate[1]))
                    for value in values:
                        self._gate_index.setdefault((kind, value), []).append(len(self._gated) - 1)
        sequences = self._norm_sequences([t for _, t in term_owner + cancel_owner])
        self._term_seqs = sequences
        for matcher, owners in ((self._terms, term_owner), (self._cancels, cancel_owner)):
            by_key: dict[str, set[tuple[str, ...]]] = {}
            for key, term in owners:
                by_key.setdefault(key, set()).update(sequences[term])
            for key, seqs in by_key.items():
                matcher.add(key, self._phrase_docs(sorted(seqs)))

    @staticmethod
    def _required_words(pattern: list[dict[str, Any]]) -> list[tuple[str, frozenset[str]]]:
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
                ("fold", token.get("_", {}).get(_FOLD_EXT)),
            ):
                values = [spec] if isinstance(spec, str) else None
                if isinstance(spec, dict) and "IN" in spec:
                    values = list(spec["IN"])
                if values and not any(v in _COMMON_WORDS for v in values):
                    required.append((kind, frozenset(values)))
        return required

    # -- queries

    def term_key(self, term: str) -> tuple[str, ...]:
        """The main folded-lemma sequence of a term (or cancel phrase) of the lexicons."""
        return self._term_seqs[term][0]

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
        for term, seqs in self._norm_sequences(terms).items():
            if seqs:
                matcher.add(term, self._phrase_docs(seqs))
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


# --------------------------------------------------------------------------- curation


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
