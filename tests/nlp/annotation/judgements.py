"""Our own sentences and a judgement maker, shared by the annotation-store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nlp.annotation.judgement import Judgement, sentence_key

SHA = "c0ffee" + "0" * 58
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SENTENCES = [
    "La métropole ouvre ses données de mobilité afin que chacun puisse vérifier l'usage des fonds publics.",
    "Un atelier participatif réunira les habitants du quartier pour concevoir le futur portail citoyen.",
    "Le conseil municipal s'est réuni le 12 mars à 18 h dans la salle des fêtes.",
    "Des médiateurs numériques accompagnent les personnes âgées dans leurs démarches en ligne.",
    "La mutualisation des serveurs avec l'agglomération réduira les coûts d'exploitation de la commune.",
    "Le laboratoire d'innovation urbaine aide les associations à créer des services à partir des données ouvertes.",
]


def judgement(
    i: int, scheme: str, labels: tuple[str, ...], who: str, minutes: int = 0
) -> Judgement:
    text = SENTENCES[i]
    return Judgement(
        sentence_key=sentence_key(text, SHA, 1, 100 * i),
        text=text,
        scheme=scheme,
        labels=labels,
        annotator=who,
        doc_sha256=SHA,
        page=1,
        start=100 * i,
        end=100 * i + len(text),
        at=T0 + timedelta(minutes=minutes),
    )
