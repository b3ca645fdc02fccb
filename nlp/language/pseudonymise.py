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
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

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
    ON_BEHALF,
    PARTICLE,
    PARTY,
    PHONE,
    PLACE_WORDS,
    PREMISES,
    RELATIVE,
    RESIDENCE,
    SERVICE_MAILBOXES,
    SPEAKER,
    TOKEN,
    UP,
    UPPER,
    fold,
    is_given_name,
)
from nlp.language.person_names import Officials, PersonName, ocr_reading, parse_name, trim_name

if TYPE_CHECKING:  # spaCy is needed only when a caller passes its NER
    from spacy.language import Language

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

CIVILITY_NAME = re.compile(
    rf"(?<![\w.])(?P<civ>{CIVILITY})(?P<both>\s+(?:et|&)\s+{CIVILITY})?\s+(?P<name>{NAME})"
)
#: Two to four name words (a lookahead, so that "Entreprise RAUX Christophe" is also read
#: from "RAUX"); kept only when one of them is a given name.
GIVEN_NAME = re.compile(rf"(?<![\w'’-])(?=(?P<name>{TOKEN}(?:\s+{PARTICLE}?{TOKEN}){{1,3}}))")

#: Initials and a surname in a list or after a word of a party: "F. Ruggeri, M.J. MALLERONI",
#: "vente à J. Dupont" (not "A. Budget" heading a numbered item).
INITIALS_NAME = re.compile(
    r"(?:(?<=[,;:(/])|(?<=[,;:(/]\s)|"
    + "|".join(rf"(?<=\b{w}\s)" for w in ("et", "à", "de", "par", "pour", "avec"))
    + rf"|^\s*(?=\S+\s+{UPPER}\b))"
    rf"(?P<name>(?:[{UP}]{{1,2}}\.\s?-?\s?){{1,3}}(?:{UPPER}|{CAP})"
    rf"(?:\s+{PARTICLE}?(?:{UPPER}|{CAP}))?)"
)
_CIVILITY_HEAD = re.compile(rf"{CIVILITY}(?!\w)")
#: A second name joined by a slash: "M. et Mme DUPONT / MARTIN", "Jean Roux/Anne Petit".
_SLASHED = re.compile(rf"^\s*/\s*(?P<name>{NAME})")
_CONTINUED = re.compile(rf"^\s*(?:,|et|&)\s+(?P<name>{UPPER}(?:\s+{CAP})?)")
_CONTINUED_INITIALS = re.compile(
    rf"^\s*(?:,|et|&)\s+(?P<name>(?:[{UP}]{{1,2}}\.?\s?-?\s?){{1,3}}\s*(?:{UPPER}|{CAP}))"
)
#: After a plural title, names also follow one another between dashes: "Mmes et Ms Roux -
#: Petit –Duval".
_CONTINUED_PLURAL = re.compile(rf"^\s*(?:(?:,|et|&)\s+|[-–]\s*)(?P<name>{NAME})")
_PLURAL = {"MM", "MS", "MESSIEURS", "MMES", "MESDAMES", "MAITRES", "DOCTEURS", "MLLES"}
_PLACES = {fold(w) for w in PLACE_WORDS}
_BODIES = {fold(w) for w in BODY_WORDS}
#: Given names that are also feasts: alone, "Noël" is the feast ("marché de Noël").
_FEASTS = {"NOEL"}
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
        officials = Officials()
        heading = False  # an attendance heading ("Absents excusés :") whose items follow
        for text, found in zip(sentences, raw, strict=True):
            listed = _name_list(text, found, least=1 if heading else 2)
            attendance = not CIVIL_STATUS.search(text) and (bool(ATTENDANCE.search(text)) or listed)
            heading = (attendance and text.rstrip().endswith(":")) or (heading and listed)
            for start, end, name, kind in found:
                if kind == "person" and name and (attendance or _in_function(text, start, end)):
                    officials.add(name)
                elif kind == "private_person" and name and name.first:
                    officials.relatives.add((name.surname, name.first))
        out: list[list[Mention]] = []
        for found in raw:
            row = []
            for start, end, name, kind in found:
                if kind == "person":
                    assert name is not None
                    kind = "official" if officials.match(name) else "private_person"
                elif kind == "party":
                    kind = "private_person"  # not a relative: the name stays an official's
                row.append(Mention(start, end, kind, name.surname if name else ""))
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

    def _read(self, text: str) -> list[tuple[int, int, PersonName | None, str]]:
        """Mentions of one sentence found by the rules, before officials are told apart."""
        found: list[tuple[int, int, PersonName | None, str]] = []
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= s or a >= e for s, e in taken)

        def add(a: int, b: int, name: PersonName | None, kind: str) -> None:
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
        # names are read in a copy with OCR confusions undone (same offsets)
        text = ocr_reading(text)

        def add_list(end: int, civ: str, pattern: re.Pattern[str], kind: str) -> None:
            """The names a list continues with: "MM. Roux et Duval", "Dupont/Martin"."""
            while more := _SLASHED.match(text[end:]) or pattern.match(text[end:]):
                a, b = (
                    end + more.start("name"),
                    trim_name(text, end + more.start("name"), end + more.end("name")),
                )
                if b <= a or not free(a, b) or _CIVILITY_HEAD.match(text, a):
                    return
                add(a, b, parse_name(text[a:b], civ), kind)
                end = b

        for m in (*KIN.finditer(text), *RELATIVE.finditer(text)):
            start, end = m.start("name"), trim_name(text, m.start("name"), m.end("name"))
            add(start, end, parse_name(text[start:end]), "private_person")
            add_list(
                end, "", _CONTINUED_PLURAL, "private_person"
            )  # "consorts Roux, Duval et Petit"
        for m in CIVILITY_NAME.finditer(text):
            start = m.start("name")
            end = trim_name(text, start, m.end("name"))
            if end > start and free(start, end):
                kind = _kept_kind(text, m.start()) or _party(text, m.start(), start, end)
                # "M. et Mme Roux", "Mmes et Ms Roux - Petit": the title tells no sex
                civ = "" if m.group("both") else m.group("civ")
                add(start, end, parse_name(text[start:end], civ), kind)
                if kind in ("person", "party"):
                    plural = m.group("both") or fold(civ.rstrip(".")) in _PLURAL
                    add_list(end, civ, _CONTINUED_PLURAL if plural else _CONTINUED, kind)
        for m in INITIALS_NAME.finditer(text):
            start, end = m.start("name"), trim_name(text, m.start("name"), m.end("name"))
            if len(text[start:end].split()) > 1 and free(start, end):  # not "M." alone
                kind = _kept_kind(text, start) or _party(text, start, start, end)
                add(start, end, parse_name(text[start:end]), kind)
                add_list(end, "", _CONTINUED_INITIALS, kind)
        for m in GIVEN_NAME.finditer(text):
            words = m.group("name").split()
            start, end = m.start("name"), trim_name(text, m.start("name"), m.end("name"))
            if words[0].isupper() and not words[1].isupper() and is_given_name(words[1]):
                end = min(end, start + len(" ".join(words[:2])))  # "QUESNE Steve de FAVEROLLES"
            elif not is_given_name(words[0]) and not (
                words[0].isupper() and not words[-1].isupper() and is_given_name(words[-1])
            ):
                continue
            if len(text[start:end].split()) < 2 or not free(start, end):
                continue
            kind = _kept_kind(text, start) or _party(text, start, start, end)
            if kind == "organisation" and any(w.isupper() for w in text[start:end].split()):
                kind = "person"  # a sole trader: "Entreprise RAUX Christophe"
            add(start, end, parse_name(text[start:end]), kind)
            if kind in ("person", "party"):
                add_list(end, "", _CONTINUED, kind)
        for m in LONE_GIVEN_NAME.finditer(text):
            word = m.group("name")
            initial = not text[: m.start()].strip(' -–•"«“')
            if fold(word) not in FIRST_NAMES or fold(word) in _FEASTS:
                continue
            if initial and not m.group("after"):
                continue
            add(
                m.start(),
                m.end("name"),
                PersonName("", fold(word), ""),
                _kept_kind(text, m.start()) or "person",
            )
        if BIRTHS.search(text):
            for m in DAY.finditer(text):
                add(m.start(), m.end(), None, "birth_date")
        return found

    def _add_entities(
        self, sentences: Sequence[str], raw: list[list[tuple[int, int, PersonName | None, str]]]
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
                    found.append((a, b, parse_name(ent.text), kind))


def _party(text: str, head: int, start: int, end: int) -> str:
    """``party`` for a party to a sale or lease or an owner, else ``person``.

    The buyer, seller, lessee or owner of a property the council deals with acts as a
    private person, even a councillor ("renouveler le bail à Monsieur Philippe Roux",
    Roux being the mayor), unless the sentence gives the name a function.
    """
    if PARTY.search(text[:head]) and not _in_function(text, start, end):
        return "party"
    return "person"


def _kept_kind(text: str, start: int) -> str | None:
    """What the word before a name makes of it: a place or a body, or None.

    ``place_named_after_person`` ("rue Victor Hugo"), ``organisation`` ("SARL Girard").
    """
    m = _WORD_BEFORE.search(text[:start].rstrip())
    word = re.sub(r"^\w['’]", "", m.group(1).lower()) if m else ""
    plain = fold(word)  # also without accents, as capitals are often written: "Ecole"
    if plain in _PLACES or plain in {"SAINT", "SAINTE", "ST", "STE"}:
        return "place_named_after_person"
    if plain in _BODIES:
        return "organisation"
    return None


_LIST_FILLER = re.compile(rf"{CIVILITY}|\b(?:et|à|de|par)\b|[^\w]", re.IGNORECASE)


def _name_list(text: str, found: Sequence[tuple[int, int, object, str]], least: int = 2) -> bool:
    """True for a line that is a list of at least ``least`` names.

    "M. Roux, Mme Lenoir, M. Petit", a proxy "Monsieur Roux à Madame Lenoir": in
    minutes, the council's own members. Under an attendance heading ("Absents
    excusés :"), one name per line ("- Monsieur Roux") is such a list too.
    """
    persons = [(a, b) for a, b, _, kind in found if kind == "person"]
    if len(persons) < least:
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

    A title next to the name ("M. Perrin, maire"; "l'adjointe, Mme Roux"), a body or a
    presentation after it ("M. Paul Roux du SITCOM", "propose à M. Roux de présenter"),
    or, at the head of the sentence, the verb of a speaker of the minutes ("M. Perrin
    présente").
    """
    before = text[:start]
    civ = re.search(rf"{CIVILITY}(?:\s+(?:et|&)\s+{CIVILITY})?\s*$", before)
    if civ:
        before = before[: civ.start()]
    return bool(
        FUNCTION_AFTER.match(text[end:])
        or ON_BEHALF.match(text[end:])
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
