"""Hypothesis strategies for lexicon matching: neutral French text and lexicon terms.

The neutral vocabulary is ordinary council-minutes French with none of the words of
the test lexicon built by ``probe_lexicon`` (nor their lemmas), so that any hit in a
generated text comes from the term the test inserted.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from nlp.language.lexicon import Lexicon

NEUTRAL_WORDS = [
    "le conseil",
    "la commune",
    "la séance",
    "est ouverte",
    "mardi",
    "à dix-huit heures",
    "les membres",
    "présents",
    "la salle",
    "des fêtes",
    "le procès-verbal",
    "précédent",
    "a été lu",
    "sans observation",
    "le secrétaire",
    "de séance",
    "désigné",
    "en début",
    "de réunion",
    "une voiture",
    "le cimetière",
    "la toiture",
    "du lavoir",
    "sera repeinte",
    "au printemps",
    "les devis",
    "reçus",
    "par courrier",
    "il est rappelé",
    "que",
    "la prochaine",
    "réunion",
    "aura lieu",
    "en octobre",
]

# term as written in the lexicon -> surface forms a document may use
PROBE_TERMS: dict[str, list[str]] = {
    "budget participatif": [
        "budget participatif",
        "budgets participatifs",
        "Budget Participatif",
        "BUDGET PARTICIPATIF",
    ],
    "plateforme de signalement": [
        "plateforme de signalement",
        "plateformes de signalement",
        "Plateforme de Signalement",
    ],
    "open data": ["open data", "open-data", "Open Data", "OPEN-DATA"],
    "co-construction": ["co-construction", "coconstruction", "Co-construction"],
    "réduire les coûts": [
        "réduire les coûts",
        "réduira les coûts",
        "réduisent les couts",
        "réduit les coûts",
    ],
    "usager": ["usager", "usagers", "usagère", "usagères", "l'usager", "l’usager"],
}
CANCEL = "séance à huis clos"


def probe_lexicon() -> Lexicon:
    """A coproduction lexicon whose ``active`` label holds one entry per probe term."""
    entries = [
        {"id": f"active.probe-{i}", "terms": [term], "cancel": [CANCEL]}
        for i, term in enumerate(PROBE_TERMS)
    ]
    return Lexicon.model_validate(
        {
            "scheme": "coproduction",
            "version": "0.0.1",
            "name": "probe",
            "description": "test lexicon",
            "labels": [
                {"id": "active", "name": "a", "definition": "a", "entries": entries},
                {
                    "id": "participative",
                    "name": "p",
                    "definition": "p",
                    "entries": [{"id": "participative.never", "terms": ["zzyzx qwerty"]}],
                },
                {
                    "id": "enhanced",
                    "name": "e",
                    "definition": "e",
                    "entries": [{"id": "enhanced.never", "terms": ["xyzzy plugh"]}],
                },
            ],
        }
    )


@dataclass(frozen=True)
class Planted:
    """A neutral text with one term planted at a known place."""

    text: str
    term: str
    surface: str
    start: int
    end: int


neutral_texts = st.lists(st.sampled_from(NEUTRAL_WORDS), min_size=1, max_size=14).map(
    lambda words: " ".join(words) + "."
)


@st.composite
def planted_texts(draw: st.DrawFn) -> Planted:
    """Neutral words with one probe term, in one of its surface forms, inserted."""
    before = draw(st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=8))
    after = draw(st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=8))
    term = draw(st.sampled_from(sorted(PROBE_TERMS)))
    surface = draw(st.sampled_from(PROBE_TERMS[term]))
    prefix = " ".join(before) + (" " if before else "")
    text = prefix + surface + (" " + " ".join(after) if after else "") + "."
    start = len(prefix)
    if surface.startswith(("l'", "l’")):
        start += 2  # the elided article is not part of the term "usager"
    return Planted(text, term, surface, start, len(prefix) + len(surface))
