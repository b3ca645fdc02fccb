"""Conceal private persons in the text valpub publishes.

Council minutes name residents, buyers, tenants and staff in ordinary decisions; French
law (CRPA art. L312-1-2) requires such personal data to be concealed before a document
is put online. The report, the profiles and the review app's quotes therefore use each
sentence's *published* form, in which private persons' names, postal addresses, phone
numbers, personal e-mail addresses and birth dates are replaced by placeholders
(``[personne 2]``, ``[adresse]``). A placeholder names the same person throughout one
document, so a quote stays readable.

What is kept, because publishing it is the point of a public record: elected officials
and staff acting in their function, as the document itself lists them (attendance,
proxies, a function next to the name, a speaker in the minutes); companies, associations
and public bodies; streets and buildings named after people ("rue Victor Hugo").

Names are read by rules (civility titles, given names, surnames in capitals), and, when
a spaCy pipeline with an ``ner`` component is given, also from its person entities. The
whole document is read before any sentence is published, since an official is known by
the attendance list at its head. A person whose role cannot be told is concealed: a
wrongly masked name costs a little reading, a wrongly published one cannot be withdrawn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from spacy.language import Language

from nlp.language.names import (
    ADDRESS,
    ATTENDANCE,
    BIRTH_DATE,
    BIRTHS,
    BODY_WORDS,
    CAP,
    CIVIL_STATUS,
    CIVILITY,
    DAY,
    EMAIL,
    FIRST_NAMES,
    FUNCTION_AFTER,
    FUNCTION_BEFORE,
    FUNCTION_WORDS,
    KIN,
    LONE_GIVEN_NAME,
    NAME,
    PARTICLE,
    PHONE,
    PLACE_WORDS,
    PREMISES,
    RESIDENCE,
    SERVICE_MAILBOXES,
    SPEAKER,
    TOKEN,
    UPPER,
    fold,
)

#: Kinds of mention that are concealed in the published text.
CONCEALED = ("private_person", "address", "phone", "email", "birth_date")
#: Kinds that are read but kept as they are.
KEPT = ("official", "organisation", "place_named_after_person")
PLACEHOLDERS = {
    "address": "[adresse]",
    "phone": "[téléphone]",
    "email": "[courriel]",
    "birth_date": "[date de naissance]",
}

_FEMALE = {"MME", "MMES", "MADAME", "MESDAMES"}
_MISS = {"MLLE", "MLLES", "MELLE", "MADEMOISELLE"}  # not the same person as a "Mme"
_MALE = {"M", "MM", "MR", "MONSIEUR", "MESSIEURS"}

CIVILITY_NAME = re.compile(
    rf"(?<![\w.])(?P<civ>{CIVILITY})(?:\s+(?:et|&)\s+{CIVILITY})?\s+(?P<name>{NAME})"
)
#: Two to four name words (a lookahead, so that "Entreprise RAUX Christophe" is also read
#: from "RAUX"); kept only when one of them is a given name.
GIVEN_NAME = re.compile(rf"(?<![\w'’-])(?=(?P<name>{TOKEN}(?:\s+{PARTICLE}?{TOKEN}){{1,3}}))")

_CONTINUED = re.compile(rf"^\s*(?:,|et|&)\s+(?P<name>{UPPER}(?:\s+{CAP})?)")
_CONTINUED_PLURAL = re.compile(rf"^\s*(?:,|et|&)\s+(?P<name>{NAME})")
_PLURAL = {"MM", "MESSIEURS", "MMES", "MESDAMES", "MAITRES", "DOCTEURS", "MLLES"}
_WORD_BEFORE = re.compile(r"([\w'’-]+)\s*(?:(?:de la|de l['’]|des|du|de|d['’])\s*)?$")


@dataclass(frozen=True)
class Mention:
    """A span of one sentence that names a person or holds personal data.

    ``kind`` is one of :data:`CONCEALED` or :data:`KEPT`; ``key`` identifies a person
    within the document (folded surname) so that one person gets one placeholder.
    """

    start: int
    end: int
    kind: str
    key: str = ""


@dataclass(frozen=True)
class _Name:
    first: str
    surname: str
    gender: str


@dataclass
class _Officials:
    """The officials a document lists: surname -> the (first name, gender) seen with it."""

    by_surname: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def add(self, name: _Name) -> None:
        self.by_surname.setdefault(name.surname, set()).add((name.first, name.gender))

    def match(self, name: _Name) -> bool:
        """True when the name can be one of the officials (same surname, no contrary sign)."""
        entries = self.by_surname.get(name.surname, set())
        # a full name in the attendance list settles who bears that surname
        named = {first for first, _ in entries if first}
        if name.first and named and not any(_same_first(name.first, f) for f in named):
            return False
        for first, gender in entries:
            if name.first and first and not _same_first(name.first, first):
                continue
            if name.gender and gender and name.gender != gender:
                continue
            return True
        return False


def _same_first(a: str, b: str) -> bool:
    if a.endswith(".") or b.endswith("."):
        return a[0] == b[0]
    return a == b


_LINK_WORDS = r"(?:de|du|des|van|von|der|ben|el|di|da|dos)"


def _parse(name: str, civility: str = "") -> _Name:
    """Given name, surname and sex of a name as written, with the civility before it."""
    tokens = [t for t in re.split(r"\s+", name) if t]
    words = [
        t
        for t in tokens
        if not re.fullmatch(r"(?:de la|de|du|des|van|von|der|ben|el|di|da|dos)", t)
    ]
    first = ""
    if len(words) > 1 and (words[0].endswith(".") or fold(words[0]) in FIRST_NAMES):
        first = fold(words[0])
        words = words[1:]
    elif len(words) > 1 and fold(words[-1]) in FIRST_NAMES and words[0].isupper():
        first = fold(words[-1])  # "DUPONT Jean"
        words = words[:-1]
    civ = fold(civility.rstrip("."))
    gender = "f" if civ in _FEMALE else "mlle" if civ in _MISS else "m" if civ in _MALE else ""
    return _Name(first, " ".join(fold(w) for w in words), gender)


def _trim(text: str, start: int, end: int) -> int:
    """End of a name read greedily.

    Cut before a function word or a civility title ("M. Perrin Maire"), and between two
    names of a list ("Éric ROUX Anne PETIT").
    """
    words = list(re.finditer(r"\S+", text[start:end]))
    for i, m in enumerate(words):
        word = m.group()
        low = word.lower().strip(",.")
        stop = i > 0 and low in _STOP_WORDS
        if stop and low in {"le", "la", "les", "l'"}:
            nxt = words[i + 1].group().lower().strip(",.") if i + 1 < len(words) else ""
            stop = nxt in FUNCTION_WORDS
        if i > 0 and not stop and i + 1 < len(words) and words[i - 1].group().isupper():
            # a given name after a surname in capitals, itself followed by a name
            stop = (
                not word.isupper()
                and fold(word) in FIRST_NAMES
                and words[i + 1].group()[:1].isupper()
            )
        if stop:
            return start + len(text[start : start + m.start()].rstrip())
    return start + words[-1].end() if words else start


_STOP_WORDS = FUNCTION_WORDS | {
    "m",
    "mme",
    "mlle",
    "melle",
    "mm",
    "monsieur",
    "madame",
    "mademoiselle",
    "messieurs",
    "mesdames",
}


class Pseudonymiser:
    """Reads the persons and personal data of a document's sentences.

    ``ner``: an optional spaCy pipeline with an ``ner`` component whose ``PER``
    entities add names the rules miss (the caller loads it: no hidden I/O). On the real
    minutes measured they added none, at many times the cost, so the pipeline runs
    without.
    """

    def __init__(self, ner: Language | None = None) -> None:
        self.ner = ner

    def mentions(self, sentences: Sequence[str]) -> list[list[Mention]]:
        """Every mention of every sentence of one document, in order.

        Officials are told apart from private persons by the document's own lists.
        """
        raw = [self._read(text) for text in sentences]
        if self.ner is not None:
            self._add_entities(sentences, raw)
        officials = _Officials()
        for text, found in zip(sentences, raw, strict=True):
            attendance = not CIVIL_STATUS.search(text) and (
                bool(ATTENDANCE.search(text)) or _name_list(text, found)
            )
            for start, end, name, kind in found:
                if kind == "person" and name and (attendance or _in_function(text, start, end)):
                    officials.add(name)
        out: list[list[Mention]] = []
        for found in raw:
            row = []
            for start, end, name, kind in found:
                if kind == "person":
                    assert name is not None
                    kind = "official" if officials.match(name) else "private_person"
                    row.append(Mention(start, end, kind, name.surname))
                else:
                    row.append(Mention(start, end, kind))
            out.append(row)
        return out

    def publish(self, sentences: Sequence[str]) -> list[str]:
        """The published form of each sentence of one document.

        Concealed kinds are replaced by placeholders, one number per private person
        throughout the document.
        """
        numbers: dict[str, int] = {}
        published = []
        for text, found in zip(sentences, self.mentions(sentences), strict=True):
            pieces, last = [], 0
            for m in sorted(found, key=lambda m: m.start):
                if m.kind not in CONCEALED or m.start < last:
                    continue
                if m.kind == "private_person":
                    number = numbers.setdefault(m.key, len(numbers) + 1)
                    holder = f"[personne {number}]"
                else:
                    holder = PLACEHOLDERS[m.kind]
                pieces += [text[last : m.start], holder]
                last = m.end
            published.append("".join(pieces) + text[last:])
        return published

    def _read(self, text: str) -> list[tuple[int, int, _Name | None, str]]:
        """Mentions of one sentence found by the rules, before officials are told apart."""
        found: list[tuple[int, int, _Name | None, str]] = []
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= s or a >= e for s, e in taken)

        def add(a: int, b: int, name: _Name | None, kind: str) -> None:
            if b > a and free(a, b):
                found.append((a, b, name, kind))
                taken.append((a, b))

        for m in EMAIL.finditer(text):
            local = m.group("value").split("@")[0].lower()
            kept = re.split(r"[.\-_+]", local)[0] in SERVICE_MAILBOXES
            add(m.start(), m.end(), None, "organisation" if kept else "email")
        for pattern, kind in ((PHONE, "phone"), (BIRTH_DATE, "birth_date")):
            for m in pattern.finditer(text):
                add(m.start("value"), m.end("value"), None, kind)
        for m in ADDRESS.finditer(text):
            group = "value" if m.group("value") else "lieu"
            # the address of a body's premises ("Siège : 12, avenue...") is public
            public = PREMISES.search(text[max(0, m.start(group) - 60) : m.start(group)])
            add(m.start(group), m.end(group), None, "organisation" if public else "address")
        for m in RESIDENCE.finditer(text):
            add(m.start("value"), m.end("value"), None, "address")
        for m in KIN.finditer(text):
            start, end = m.start("name"), _trim(text, m.start("name"), m.end("name"))
            add(start, end, _parse(text[start:end]), "private_person")
        for m in CIVILITY_NAME.finditer(text):
            start = m.start("name")
            end = _trim(text, start, m.end("name"))
            if end > start:
                kind = _kept_kind(text, m.start()) or "person"
                add(start, end, _parse(text[start:end], m.group("civ")), kind)
                plural = fold(m.group("civ").rstrip(".")) in _PLURAL
                more = (_CONTINUED_PLURAL if plural else _CONTINUED).match(
                    text[end:]
                )  # "MM. Roux et Duval"
                if more and kind == "person":
                    a, b = end + more.start("name"), end + more.end("name")
                    add(a, b, _parse(text[a:b], m.group("civ")), kind)
        for m in GIVEN_NAME.finditer(text):
            first = m.group("name").split()[0]
            last = m.group("name").split()[-1]
            if fold(first) not in FIRST_NAMES and not (
                first.isupper() and not last.isupper() and fold(last) in FIRST_NAMES
            ):
                continue
            start, end = m.start("name"), _trim(text, m.start("name"), m.end("name"))
            if len(text[start:end].split()) < 2:
                continue
            kind = _kept_kind(text, start) or "person"
            if kind == "organisation" and any(w.isupper() for w in text[start:end].split()):
                kind = "person"  # a sole trader: "Entreprise RAUX Christophe"
            add(start, end, _parse(text[start:end]), kind)
        for m in LONE_GIVEN_NAME.finditer(text):
            word = m.group("name")
            initial = not text[: m.start()].strip(' -–•"«“')
            if fold(word) not in FIRST_NAMES or (initial and not m.group("after")):
                continue
            add(
                m.start(),
                m.end("name"),
                _Name("", fold(word), ""),
                _kept_kind(text, m.start()) or "person",
            )
        if BIRTHS.search(text):
            for m in DAY.finditer(text):
                add(m.start(), m.end(), None, "birth_date")
        return found

    def _add_entities(
        self, sentences: Sequence[str], raw: list[list[tuple[int, int, _Name | None, str]]]
    ) -> None:
        assert self.ner is not None
        with self.ner.select_pipes(
            enable=[p for p in ("tok2vec", "ner") if p in self.ner.pipe_names]
        ):
            for doc, found in zip(self.ner.pipe(sentences, batch_size=256), raw, strict=True):
                for ent in doc.ents:
                    if ent.label_ != "PER" or not any(t.text[:1].isupper() for t in ent):
                        continue
                    a, b = ent.start_char, ent.end_char
                    if any(not (b <= s or a >= e) for s, e, _, _ in found):
                        continue
                    if all(t.lower_ in FUNCTION_WORDS or not t.is_alpha for t in ent):
                        continue
                    kind = _kept_kind(doc.text, a) or "person"
                    found.append((a, b, _parse(ent.text), kind))


def _kept_kind(text: str, start: int) -> str | None:
    """What the word before a name makes of it: a place or a body, or None.

    ``place_named_after_person`` ("rue Victor Hugo"), ``organisation`` ("SARL Girard").
    """
    m = _WORD_BEFORE.search(text[:start].rstrip())
    word = re.sub(r"^\w['’]", "", m.group(1).lower()) if m else ""
    if word in PLACE_WORDS or word in {"saint", "sainte", "st", "ste"}:
        return "place_named_after_person"
    if word in BODY_WORDS:
        return "organisation"
    return None


_LIST_FILLER = re.compile(rf"{CIVILITY}|\b(?:et|à|de|par)\b|[^\w]", re.IGNORECASE)


def _name_list(text: str, found: Sequence[tuple[int, int, object, str]]) -> bool:
    """True for a line that is a list of names.

    "M. Roux, Mme Lenoir, M. Petit", a proxy "Monsieur Roux à Madame Lenoir": in
    minutes, the council's own members.
    """
    persons = [(a, b) for a, b, _, kind in found if kind == "person"]
    if len(persons) < 2:
        return False
    rest, last = [], 0
    for a, b in sorted(persons):
        rest.append(text[last:a])
        last = b
    rest.append(text[last:])
    left = _LIST_FILLER.sub("", " ".join(rest))
    return len(left) <= 0.25 * sum(c.isalpha() for c in text)


def _in_function(text: str, start: int, end: int) -> bool:
    """True when the sentence gives the person at ``start:end`` a function.

    A title next to the name ("M. Perrin, maire"; "l'adjointe, Mme Roux"), or, at the
    head of the sentence, the verb of a speaker of the minutes ("M. Perrin présente").
    """
    before = text[:start]
    civ = re.search(rf"{CIVILITY}(?:\s+(?:et|&)\s+{CIVILITY})?\s*$", before)
    if civ:
        before = before[: civ.start()]
    return bool(
        FUNCTION_AFTER.match(text[end:])
        or FUNCTION_BEFORE.search(before.rstrip())
        or (not before.strip(" -–•*") and bool(SPEAKER.match(text[end:])))
    )


def published_texts(sentences: pd.DataFrame, pseudonymiser: Pseudonymiser | None) -> pd.Series:
    """The published form of every row of a sentences table, aligned on its index.

    The table has ``doc_sha256``, ``page``, ``start`` and ``text``. Each document is read
    whole, in reading order, so that its own lists tell its officials; without a
    pseudonymiser the text is published as it is.
    """
    if pseudonymiser is None or sentences.empty:
        return sentences["text"].astype(str).copy()
    out = pd.Series("", index=sentences.index, dtype=object)
    ordered = sentences.sort_values(["doc_sha256", "page", "start"], kind="stable")
    for _sha, doc in ordered.groupby("doc_sha256", sort=False):
        out.loc[doc.index] = pseudonymiser.publish([str(t) for t in doc["text"]])
    return out
