"""Person names as :mod:`nlp.language.pseudonymise` reads them: parsed, compared, cut to length.

A name is kept as its folded surname, given name (or initials) and the sex its civility
title tells, so that "Mme Marie-Luce CASTELLI" in a decision can be matched with "M.L.
CASTELLI" or "ML CASTELLI" in the attendance list. Scanned pages read by OCR confuse
letters inside names in capitals ("GUlLLAUME", "R0UX"); :func:`ocr_reading` gives a
copy of a sentence with those confusions undone, letter for letter, so that the offsets
of what is found in it are the offsets in the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlp.language.names import FUNCTION_WORDS, fold, is_given_name

_FEMALE = {"MME", "MMES", "MADAME", "MESDAMES"}
_MISS = {"MLLE", "MLLES", "MELLE", "MADEMOISELLE"}  # not the same person as a "Mme"
_MALE = {"M", "MM", "MR", "MONSIEUR", "MESSIEURS"}
#: "MM." and "Messieurs" also head lists of men and women alike ("MM. DRUGEON Serge,
#: LEHUGEUR Liliane"): with a given name, the plural title tells no sex.
_PLURAL_MALE = {"MM", "MESSIEURS"}
#: Initials written for a given name: "J.", "M.-L.", "M.L.", "JT.", or, in capitals and
#: without stops, "ML" (a surname never has fewer than three letters here).
_INITIALS = re.compile(r"(?:[A-ZÀ-Þ]\.?-?){1,3}")
_PARTICLES = re.compile(r"(?:de la|de|du|des|van|von|der|ben|el|di|da|dos)")


@dataclass(frozen=True)
class PersonName:
    """A name as written: folded given name (or initials), surname, and sex."""

    first: str
    surname: str
    gender: str


@dataclass
class Officials:
    """The officials a document lists: surname -> the (first name, gender) seen with it."""

    by_surname: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    #: (surname, given name) of persons the document names as someone's relative
    relatives: set[tuple[str, str]] = field(default_factory=set)

    def add(self, name: PersonName) -> None:
        """Record one official."""
        self.by_surname.setdefault(name.surname, set()).add((name.first, name.gender))

    def match(self, name: PersonName) -> bool:
        """True when the name can be one of the officials (same surname, no contrary sign).

        A name all in capitals does not tell its given name: "ELSA CARRIER" is also read
        as the given name ELSA and the surname CARRIER, and the reverse.
        """
        words = name.surname.split()
        if not name.first and len(words) == 2:
            return any(
                self._match(PersonName(first, surname, name.gender))
                for first, surname in ((words[0], words[1]), (words[1], words[0]))
            ) or self._match(name)
        return self._match(name)

    def _match(self, name: PersonName) -> bool:
        if name.first and (name.surname, name.first) in self.relatives:
            return False
        entries = self.by_surname.get(name.surname, set())
        # a full name in the attendance list settles who bears that surname
        named = {first for first, _ in entries if first}
        if name.first and named and not any(same_first(name.first, f) for f in named):
            return False
        for first, gender in entries:
            if name.first and first and not same_first(name.first, first):
                continue
            if not gender and first:  # "D. BERGER" is the "M. Denis BERGER" listed too
                gender = next((g for f, g in entries if g and f and same_first(f, first)), "")
            if name.gender and gender and name.gender != gender:
                continue
            return True
        return False


def is_initials(word: str) -> bool:
    """True for initials standing for a given name ("J.", "M.L.", "ML"), not a name."""
    letters = word.replace(".", "").replace("-", "")
    if not _INITIALS.fullmatch(word) or not letters:
        return False
    return word.endswith(".") or (len(letters) <= 2 and not is_given_name(word))


def _initials_of(first: str) -> str:
    if is_initials(first):
        return first.replace(".", "").replace("-", "")
    return "".join(part[:1] for part in first.split("-"))


def same_first(a: str, b: str) -> bool:
    """Whether two folded given names may be the same.

    Equal, or one is initials of the other ("M.L." and "MARIE-LUCE", "J." and "JEAN").
    """
    if is_initials(a) or is_initials(b):
        x, y = _initials_of(a), _initials_of(b)
        return x.startswith(y) or y.startswith(x)
    return a == b


def parse_name(name: str, civility: str = "") -> PersonName:
    """Given name, surname and sex of a name as written, with the civility before it."""
    words = [t for t in re.split(r"[\s:]+", name) if t and not _PARTICLES.fullmatch(t)]
    first = ""
    civ = fold(civility.rstrip(".,;"))
    if re.fullmatch(r"MAD(?:ARN|ACN|AMN|AIN)E", civ):  # OCR misreadings of a civility
        civ = "MADAME"
    elif re.fullmatch(r"M[O0]NS[IL1]EUR|MESSIEUR", civ):
        civ = "MONSIEUR"
    split = _split_by_case(words)
    if split:
        first, words = split
    elif len(words) > 1 and (is_initials(words[0]) or is_given_name(words[0])):
        first = fold(words[0])
        words = words[1:]
        while len(words) > 1 and is_initials(words[0]) and is_initials(first):
            first, words = first + fold(words[0]), words[1:]  # "M. L. CASTELLI"
        if civ == "M" and is_initials(first):
            civ = ""  # "M. L. CASTELLI": the "M." may be one of the initials
    elif len(words) > 1 and is_given_name(words[-1]) and words[0].isupper():
        given: list[str] = []  # "DUPONT Jean", "GUGLIELMI MARC MARIE"
        while len(words) > 1 and is_given_name(words[-1]):
            given.insert(0, fold(words.pop()))
        first = "-".join(given)
    if first and civ in _PLURAL_MALE:
        civ = ""
    gender = "f" if civ in _FEMALE else "mlle" if civ in _MISS else "m" if civ in _MALE else ""
    return PersonName(first, " ".join(fold(w) for w in words), gender)


#: The capitals of a surname and the capital of a word glued to it: "BRUNETJ|ean-Marie".
_GLUED = re.compile(r"[A-ZÀ-Þ]{2,}[A-ZÀ-Þ](?=[a-zß-ÿ])")


def _split_by_case(words: list[str]) -> tuple[str, list[str]] | None:
    """Given name and surname words told apart by their case, or None.

    Minutes write the surname in capitals: "Elsa CARRIER", "CARRIER Elsa", "Marie Cécile
    ANDREI-RUIZ". A given name outside the common list is read so too.
    """
    upper = [w.isupper() and len(w.replace("-", "")) > 1 for w in words]
    if len(words) < 2 or all(upper) or not any(upper) or not all(w[:1].isupper() for w in words):
        return None
    if any(is_initials(w) for w in words):
        return None
    cut = upper.index(True) if not upper[0] else upper.index(False)
    if any(upper[cut:]) != (not upper[0]) or len(set(upper[cut:])) > 1:
        return None  # mixed cases on both sides: "Jean DUPONT Paul"
    given, surname = (words[:cut], words[cut:]) if not upper[0] else (words[cut:], words[:cut])
    return "-".join(fold(w) for w in given), surname


STOP_WORDS = FUNCTION_WORDS | {
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


def trim_name(text: str, start: int, end: int) -> int:
    """End of a name read greedily.

    Cut before a function word or a civility title ("M. Perrin Maire"), and between two
    names of a list ("Éric ROUX Anne PETIT"). A word glued to a surname in capitals is
    kept only when it is a given name ("BRUNETJean-Marie", not "DEMOUYreprésentante").
    """
    words = list(re.finditer(r"\S+", text[start:end]))
    for i, m in enumerate(words):
        word = m.group()
        glued = _GLUED.match(word)
        if glued and not is_given_name(word[glued.end() - 1 :]):
            return start + m.start() + glued.end()
        low = word.lower().strip(",.")
        stop = i > 0 and low in STOP_WORDS
        if stop and low in {"le", "la", "les", "l'"}:
            nxt = words[i + 1].group().lower().strip(",.") if i + 1 < len(words) else ""
            stop = nxt in FUNCTION_WORDS
        if (
            i > 1
            and low in {"de", "du", "des", "d'", "d’"}
            and words[i - 1].group().isupper()
            and is_given_name(words[i - 2].group())
        ):
            stop = True  # "Thomas GUILLAIS du SITCOM": the particle is after the full name
        if i > 0 and not stop and i + 1 < len(words) and words[i - 1].group().isupper():
            # a given name after a surname in capitals, itself followed by a name
            stop = not word.isupper() and is_given_name(word) and words[i + 1].group()[:1].isupper()
        if stop:
            return start + len(text[start : start + m.start()].rstrip())
    return start + words[-1].end() if words else start


#: A word in capitals with OCR confusions inside: "l", "1", "|" for "I", "0" for "O".
_CAPS_WITH_CONFUSIONS = re.compile(
    r"(?<![\w|])[A-ZÀ-ÞŸ][A-ZÀ-ÞŸl1|0]*[l1|0][A-ZÀ-ÞŸl1|0]*(?![\w|])"
)
_UNDO = str.maketrans({"l": "I", "1": "I", "|": "I", "0": "O"})


def ocr_reading(text: str) -> str:
    """The sentence with OCR confusions undone inside words in capitals, same length.

    Only a word of at least four characters, mostly capitals, that starts with a capital
    is changed ("GUlLLAUME" -> "GUILLAUME"); numbers and ordinary words are left alone.
    """

    def undo(m: re.Match[str]) -> str:
        word = m.group()
        capitals = sum(c.isupper() for c in word)
        return word.translate(_UNDO) if len(word) >= 4 and capitals >= 0.6 * len(word) else word

    return _CAPS_WITH_CONFUSIONS.sub(undo, text)
