"""Lexicons: schema, the engine (nlp.language.lexicon), the curated files.

`valpub lexicon` is tested in ``tests/flows/test_lexicon_commands.py``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from spacy.language import Language

from nlp.extract.document import Page
from nlp.language.lexicon import load_lexicon, load_lexicons
from nlp.language.lexicon_curation import MIN_ENTRIES
from nlp.language.lexicon_match import LexiconMatcher, label_sets, tag_pages
from nlp.records.codebook import CODEBOOK_LABELS
from nlp.records.errors import LexiconError
from tests import strategies
from tests.conftest import LEXICONS
from tests.nlp.language.lexicon_files import VALID, write

EXISTING = sorted(p.stem for p in LEXICONS.glob("*.yaml"))
# Examples are derandomized by the session profile (tests/conftest.py). A random run once
# found "usagères" missed in "la toiture usagères le conseil." (the small model's lemma in
# that context): a known gap, noted on the issue, not a flake to meet at random in CI.
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def probe(nlp: Language) -> LexiconMatcher:
    return LexiconMatcher(nlp, [strategies.probe_lexicon()])


def entries_of(tags: dict[str, dict[str, list[object]]]) -> set[str]:
    return {ev.entry_id for labels in tags.values() for evs in labels.values() for ev in evs}  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- lemma memo

MEMO_SENTENCES = [
    "La métropole lance un budget participatif et des ateliers de co-construction.",
    "Les données ouvertes de la collectivité sont publiées sur la plateforme régionale.",
    "Le déploiement de la fibre optique réduit la fracture numérique des habitants.",
]


def test_the_lemma_memo_changes_nothing_and_is_rebuilt_when_stale(
    nlp: Language, lexicon_matcher: LexiconMatcher, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from nlp.model.lexicon_features import lexicon_tags

    lexicons = load_lexicons(LEXICONS)
    memo = tmp_path / "cache" / "memo.json"
    memo.parent.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    leftover = memo.parent / f".memo.json.{gone.pid}.x1y2.tmp"  # a killed writer's copy
    leftover.write_text("{", encoding="utf-8")
    cold = LexiconMatcher(nlp, lexicons, memo)
    assert memo.is_file() and not leftover.exists()
    made = memo.stat().st_mtime_ns
    warm = LexiconMatcher(nlp, lexicons, memo)
    assert memo.stat().st_mtime_ns == made  # nothing new to add: not rewritten
    expected = lexicon_tags(nlp, lexicon_matcher, MEMO_SENTENCES)
    assert any(expected)
    for matcher in (cold, warm):
        assert matcher._term_seqs == lexicon_matcher._term_seqs
        assert lexicon_tags(nlp, matcher, MEMO_SENTENCES) == expected
    # a memo made by other code or another model is not used: it is made again
    data = yaml.safe_load(memo.read_text(encoding="utf-8"))
    data["sequences"] = {term: [["faux"]] for term in data["sequences"]}
    data["key"] = "other"
    memo.write_text(yaml.safe_dump(data), encoding="utf-8")  # JSON is YAML; this is not JSON
    with caplog.at_level("WARNING"):
        rebuilt = LexiconMatcher(nlp, lexicons, memo)
    assert "lemma memo not read" in caplog.text
    assert rebuilt._term_seqs == lexicon_matcher._term_seqs
    data = json.loads(memo.read_text(encoding="utf-8"))
    data["key"], data["sequences"] = "other", {t: [["faux"]] for t in data["sequences"]}
    memo.write_text(json.dumps(data), encoding="utf-8")
    assert LexiconMatcher(nlp, lexicons, memo)._term_seqs == lexicon_matcher._term_seqs


# --------------------------------------------------------------------------- schema


def test_core_lexicons_exist() -> None:
    assert {"public_value", "coproduction"} <= set(EXISTING)


@pytest.mark.parametrize("scheme", EXISTING)
def test_lexicon_file_is_valid_and_complete(scheme: str) -> None:
    lexicon = load_lexicon(LEXICONS / f"{scheme}.yaml")
    assert lexicon.scheme == scheme
    assert [label.id for label in lexicon.labels] == list(CODEBOOK_LABELS[scheme])
    for label in lexicon.labels:
        assert len(label.entries) >= MIN_ENTRIES[scheme], label.id
        assert label.definition.strip() and label.name.strip()


def test_valid_minimal_file(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, "coproduction", VALID))
    assert lexicon.version == "1.2.3"
    assert [e.id for _l, e in lexicon.entries()] == [
        "active.signalement",
        "participative.budget",
        "enhanced.fablab",
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('terms: ["plateforme de signalement"]', 'term: ["x"]', "entries[0] (active.signalement)"),
        ('terms: ["plateforme de signalement"]', "note: rien", "neither terms nor patterns"),
        (
            'terms: ["budget participatif"]',
            'terms: [""]',
            "entries[0] (participative.budget) > terms",
        ),
        ('[{LOWER: "fablab"}]', '[{TEXT: "fablab"}]', "unknown key(s) ['TEXT']"),
        ('[{LOWER: "fablab"}]', '[{LOWER: "fablab", OP: "<3"}]', "OP must be"),
        ('[{LOWER: "fablab"}]', '[{POS: "NOM"}]', "unknown POS"),
        ("id: active.signalement", "id: enhanced.signalement", "must start with 'active.'"),
        (
            'terms: ["plateforme de signalement"]',
            'terms: ["x"]\n      - id: active.signalement\n        terms: ["y"]',
            "entry id active.signalement is used twice",
        ),
        ("enhanced", "renforcee", "missing ['enhanced'], unknown ['renforcee']"),
        ('version: "1.2.3"', 'version: "1.2"', "version"),
        ("scheme: coproduction", "scheme: copro", "unknown scheme"),
    ],
)
def test_schema_errors_say_where(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in VALID
    path = write(tmp_path, "coproduction", VALID.replace(old, new))
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_scheme_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="file stem 'other'"):
        load_lexicon(write(tmp_path, "other", VALID))


def test_invalid_yaml_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="invalid YAML"):
        load_lexicon(write(tmp_path, "coproduction", "labels: [unclosed"))
    with pytest.raises(LexiconError, match=r"no \*\.yaml"):
        load_lexicons(tmp_path / "nothing-here")


# --------------------------------------------------------------------------- worked examples

WORKED_EXAMPLES = [
    (
        "La plateforme de signalement permet aux habitants de déclarer en quelques clics un "
        "dépôt sauvage, suivi en temps réel par les services.",
        {"public_value": {"quality_of_life"}, "coproduction": {"active"}},
    ),
    (
        "Un budget participatif de 500 000 € permettra aux habitants de proposer puis de voter "
        "des projets numériques pour leur quartier.",
        {"public_value": {"political"}, "coproduction": {"participative"}},
    ),
    (
        "Les données de la collectivité seront publiées en open data afin de rendre compte de "
        "l'action publique.",
        {"public_value": {"stewardship"}, "pillar": {"data"}},
    ),
    (
        "La mutualisation des serveurs avec l'agglomération réduira de 20 % les coûts "
        "d'exploitation.",
        {"public_value": {"economic"}, "pillar": {"infrastructure"}, "helix": {"public_sector"}},
    ),
    (
        "Le laboratoire d'innovation urbaine accompagne les associations qui conçoivent de "
        "nouveaux services à partir du jumeau numérique.",
        {"public_value": {"strategic"}, "coproduction": {"enhanced"}, "helix": {"civil_society"}},
    ),
    (
        "Des conseillers numériques accompagnent les personnes âgées dans leurs démarches en ligne.",
        {"public_value": {"social"}, "pillar": {"inclusion"}},
    ),
    ("Le conseil municipal s'est réuni le 12 mars à 18 h.", {}),
]


@pytest.mark.parametrize("scheme", EXISTING)
@pytest.mark.parametrize(("sentence", "expected"), WORKED_EXAMPLES)
def test_worked_examples_of_the_codebook(
    lexicon_matcher: LexiconMatcher, scheme: str, sentence: str, expected: dict[str, set[str]]
) -> None:
    got = label_sets(lexicon_matcher.match_text(sentence))
    assert got.get(scheme, set()) == expected.get(scheme, set())


# --------------------------------------------------------------------------- French forms


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Les budgets participatifs ont été votés.", "participative.budget-participatif"),
        ("Les démarches en ligne sont simplifiées.", "active.demarches-en-ligne"),
        ("La ville réduira fortement ses coûts de fonctionnement.", "economic.reduction-des-couts"),
        ("Nous avons réduit les dépenses.", "economic.reduction-des-couts"),
        (
            "Les habitantes ont été consultées : la consultation des habitantes a duré un mois.",
            "political.consultation-citoyenne",
        ),
        ("La MAÎTRISE DES COÛTS reste une priorité.", "economic.maitrise-des-couts"),
        ("La maitrise des couts reste une priorité.", "economic.maitrise-des-couts"),
        (
            "Le Laboratoire d’Innovation Urbaine ouvre ses portes.",
            "enhanced.laboratoire-innovation-urbaine",
        ),
        (
            "Un laboratoire d'innovation urbaine ouvre ses portes.",
            "enhanced.laboratoire-innovation-urbaine",
        ),
        (
            "La co-construction du projet a réuni cinquante personnes.",
            "participative.co-construction",
        ),
        (
            "La coconstruction du projet a réuni cinquante personnes.",
            "participative.co-construction",
        ),
        ("Les e-services de la commune sont disponibles.", "active.e-services"),
        ("Les tiers-lieux se multiplient.", "enhanced.tiers-lieu"),
        ("La qualité de l’air s’améliore.", "quality_of_life.air-bruit"),
        ("La feuille de route numérique est adoptée.", "strategic.instruments-de-planification"),
    ],
)
def test_french_forms_match(lexicon_matcher: LexiconMatcher, text: str, entry: str) -> None:
    assert entry in entries_of(lexicon_matcher.match_text(text))


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("On s'est rendu compte du retard.", "stewardship.rendre-compte"),
        (
            "La participation financière de la commune est fixée.",
            "political.participation-citoyenne",
        ),
        (
            "La mutuelle santé des agents est revalorisée par la santé au travail.",
            "quality_of_life.sante",
        ),
        ("Le bien est vendu à la commune.", "quality_of_life.cadre-de-vie"),
        (
            "Des conseillers numériques accompagnent les personnes dans leurs démarches en ligne.",
            "active.demarches-en-ligne",
        ),
    ],
)
def test_false_friends_do_not_match(lexicon_matcher: LexiconMatcher, text: str, entry: str) -> None:
    assert entry not in entries_of(lexicon_matcher.match_text(text))


def test_hyphenated_and_spaced_spellings(probe: LexiconMatcher) -> None:
    for text in ("Les données en open data.", "Les données en open-data.", "L'OPEN-DATA."):
        assert entries_of(probe.match_text(text)) == {"active.probe-2"}, text


def test_never_inside_another_word(probe: LexiconMatcher) -> None:
    assert probe.match_text("Le budget participatif-xyz est clos.") == {}
    assert probe.match_text("Les usagers-test et les pré-usagers.") == {}
    assert probe.match_text("Les opendatasets et les superusagers.") == {}
    assert entries_of(probe.match_text("Les usagers, les usagères.")) == {"active.probe-5"}


def test_evidence_offsets_are_page_offsets(nlp: Language, lexicon_matcher: LexiconMatcher) -> None:
    text = "Titre\nLa commune lance un budget participatif. L’usager signale un dépôt sauvage."
    page = Page("d" * 64, 4, text)
    seen = 0
    for sentence, tags in tag_pages(nlp, lexicon_matcher, [page]):
        for labels in tags.values():
            for evidences in labels.values():
                for ev in evidences:
                    assert text[ev.start : ev.end] == ev.surface
                    assert sentence.start <= ev.start < ev.end <= sentence.end
                    seen += 1
    assert seen >= 3


def test_versions_are_exposed(lexicon_matcher: LexiconMatcher) -> None:
    assert set(lexicon_matcher.versions) == set(EXISTING)
    assert all(v.count(".") == 2 for v in lexicon_matcher.versions.values())


# --------------------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(strategies.planted_texts())
def test_planted_term_is_found_at_its_place(
    probe: LexiconMatcher, planted: strategies.Planted
) -> None:
    tags = probe.match_text(planted.text)
    evidences = tags["coproduction"]["active"]
    assert len(evidences) == 1
    ev = evidences[0]
    assert (ev.start, ev.end) == (planted.start, planted.end)
    assert ev.surface == planted.text[planted.start : planted.end]


@PROPERTY_SETTINGS
@given(strategies.neutral_texts)
def test_neutral_text_yields_nothing(probe: LexiconMatcher, text: str) -> None:
    assert probe.match_text(text) == {}


@PROPERTY_SETTINGS
@given(strategies.planted_texts())
def test_cancelling_context_removes_the_hit(
    probe: LexiconMatcher, planted: strategies.Planted
) -> None:
    assert probe.match_text(planted.text) != {}
    assert probe.match_text(planted.text[:-1] + ", " + strategies.CANCEL + ".") == {}
