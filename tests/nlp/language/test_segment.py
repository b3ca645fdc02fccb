"""Sentence segmentation of page text (nlp.language.segment), on real spaCy and real PDFs."""

from __future__ import annotations

import itertools

import pytest
import spacy
from spacy.language import Language

from nlp.extract.document import Page
from nlp.language.boundaries import is_heading_line
from nlp.language.folding import fold, normalise_text
from nlp.language.segment import (
    Sentence,
    iter_sentence_spans,
    load_pipeline,
    split_sentences,
)
from tests.paths import ROOT
from tests.realcorpus import SHARED_CORPUS, evaluation_only


def units(nlp: Language, text: str) -> list[str]:
    return [s.text for s in split_sentences(nlp, [Page("0" * 64, 1, text)])]


# --------------------------------------------------------------------------- pipeline


def test_pipeline_has_only_what_boundaries_and_lemmas_need(nlp: Language) -> None:
    assert "ner" not in nlp.pipe_names
    assert "parser" not in nlp.pipe_names
    assert nlp.pipe_names[0] == "valpub_boundaries"
    assert nlp.pipe_names[-1] == "valpub_fold"
    assert {"tok2vec", "morphologizer", "senter", "valpub_lemmas"} <= set(nlp.pipe_names)


def test_faster_lemmatizer_gives_the_same_lemmas(nlp: Language) -> None:
    reference = spacy.load("fr_core_news_sm", exclude=["parser", "ner"])
    text = (
        "Les données publiées par les communes permettront aux habitantes de signaler "
        "les dépôts sauvages ; la feuille de route prévoit des plateformes numériques "
        "et des budgets participatifs conçus avec les usagers."
    )
    ours = [t.lemma_ for t in nlp(text)]
    theirs = [t.lemma_ for t in reference(text)]
    assert ours == theirs
    assert nlp.to_bytes()  # the pipeline still serialises


def test_norm_is_the_folded_lemma(nlp: Language) -> None:
    doc = nlp("Les Coûts RÉDUITS des plateformes, l'usager et d'innovation.")
    norms = {t.text: t.norm_ for t in doc}
    assert norms["Coûts"] == "cout"
    assert norms["l'"] == "le"
    assert norms["d'"] == "de"
    assert norms["usager"] == "usager"


def test_fold() -> None:
    assert fold("Coûts") == fold("COUTS") == "couts"
    assert fold("co-construction") == fold("coconstruction")
    assert fold("Œuvre") == "oeuvre"
    assert fold("-") == "-"
    assert fold("l’usager") == "l'usager"


def test_normalise_text_keeps_offsets() -> None:
    text = "L’usager\u00a0: « oui »\u202f! co‐construction"
    assert len(normalise_text(text)) == len(text)
    assert "’" not in normalise_text(text)


# --------------------------------------------------------------------------- boundaries

SEGMENTATION_CASES = [
    pytest.param(
        "M. Dupont rappelle l'art. 3 de la convention n° 12 (cf. p. 4) et Mme Martin approuve.",
        ["M. Dupont rappelle l'art. 3 de la convention n° 12 (cf. p. 4) et Mme Martin approuve."],
        id="abbreviations",
    ),
    pytest.param(
        "Vu l'art. L. 2121-29 du code général des collectivités territoriales, le conseil délibère.",
        [
            "Vu l'art. L. 2121-29 du code général des collectivités territoriales, le conseil délibère."
        ],
        id="article-of-law",
    ),
    pytest.param(
        "La séance est ouverte à 18 h 30. Le quorum est atteint.",
        ["La séance est ouverte à 18 h 30.", "Le quorum est atteint."],
        id="two-sentences",
    ),
    pytest.param(
        "Celui-ci est adopté. Madame Martin présente le rapport. M. Durand et MM. Petit le commentent.",
        [
            "Celui-ci est adopté.",
            "Madame Martin présente le rapport.",
            "M. Durand et MM. Petit le commentent.",
        ],
        id="titles-and-hyphen",
    ),
    pytest.param(
        "La commune a installé des bornes, des bancs, etc. et les travaux se poursuivent.",
        ["La commune a installé des bornes, des bancs, etc. et les travaux se poursuivent."],
        id="etc-lower-case",
    ),
    pytest.param(
        "La commune a installé des bornes, des bancs, etc. Les travaux se poursuivent.",
        ["La commune a installé des bornes, des bancs, etc.", "Les travaux se poursuivent."],
        id="etc-end",
    ),
    pytest.param(
        "Le maire déclare : « Nous agirons vite. Nous investirons dans la fibre. » Puis il lève la séance.",
        [
            "Le maire déclare : « Nous agirons vite. Nous investirons dans la fibre. »",
            "Puis il lève la séance.",
        ],
        id="guillemets",
    ),
    pytest.param(
        "Les objectifs sont les suivants : réduire les coûts. Améliorer le service.\n"
        "- créer une plateforme de signalement ;\n"
        "• ouvrir les données publiques\n"
        "1) Réduire les dépenses d'énergie\n"
        "a. Former les agents\n"
        "2° Accompagner les habitants",
        [
            "Les objectifs sont les suivants : réduire les coûts.",
            "Améliorer le service.",
            "- créer une plateforme de signalement ;",
            "• ouvrir les données publiques",
            "1) Réduire les dépenses d'énergie",
            "a. Former les agents",
            "2° Accompagner les habitants",
        ],
        id="bullets-and-enumerations",
    ),
    pytest.param(
        "Trois axes sont retenus : • la mobilité • la santé • le cadre de vie",
        ["Trois axes sont retenus :", "• la mobilité", "• la santé", "• le cadre de vie"],
        id="inline-bullets",
    ),
    pytest.param(
        "Les usagers peuvent : 1) signaler un problème ; 2) suivre leur demande ; 3) payer en ligne.",
        [
            "Les usagers peuvent :",
            "1) signaler un problème ;",
            "2) suivre leur demande ;",
            "3) payer en ligne.",
        ],
        id="colon-introducing-a-list",
    ),
    pytest.param(
        "Vote pour la gratuité de la dispersion des cendres : Vote : 14 pour / 0 contre / 0 abstention adopté",
        [
            "Vote pour la gratuité de la dispersion des cendres :",
            "Vote : 14 pour / 0 contre / 0 abstention adopté",
        ],
        id="vote-inline",
    ),
    pytest.param(
        "Le budget est voté. Pour : 12 – Contre : 0 – Abstention : 1\nADOPTÉ À L’UNANIMITÉ",
        ["Le budget est voté.", "Pour : 12 – Contre : 0 – Abstention : 1", "ADOPTÉ À L’UNANIMITÉ"],
        id="vote-tally",
    ),
    pytest.param(
        "2. DÉPLOIEMENT DE LA FIBRE OPTIQUE SUR LE TERRITOIRE DE LA COMMUNE NOUVELLE ET DES HAMEAUX\n"
        "La commune poursuit le déploiement.",
        [
            "2. DÉPLOIEMENT DE LA FIBRE OPTIQUE SUR LE TERRITOIRE DE LA COMMUNE NOUVELLE ET DES HAMEAUX",
            "La commune poursuit le déploiement.",
        ],
        id="upper-case-agenda-title",
    ),
    pytest.param(
        "La ville investit\ndans la fibre.",
        ["La ville investit", "dans la fibre."],
        id="lines-are-hard-boundaries",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SEGMENTATION_CASES)
def test_segmentation(nlp: Language, text: str, expected: list[str]) -> None:
    assert units(nlp, text) == expected


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("Les objectifs du projet", True),
        ("2. Les usages numériques des habitants", True),
        ("I. CONTEXTE ET ENJEUX", True),
        ("Le conseil approuve la convention.", False),
        ("Les actions prévues sont les suivantes :", False),
        ("- créer une plateforme de signalement", False),
        ("1) Réduire les dépenses d'énergie", False),
        ("a) Former les agents", False),
        ("dans la fibre optique", False),
        ("Vote : 14 pour / 0 contre", False),
        ("ADOPTÉ À L’UNANIMITÉ", False),
        (
            "une ligne bien trop longue pour être un titre car elle compte beaucoup de mots et continue",
            False,
        ),
    ],
)
def test_heading_lines(line: str, heading: bool) -> None:
    assert is_heading_line(line) is heading


def test_heading_flag_on_sentences(nlp: Language) -> None:
    page = Page(
        "0" * 64, 3, "Un territoire connecté\nLa commune déploie la fibre. Les travaux débutent."
    )
    sentences = list(split_sentences(nlp, [page]))
    assert [s.is_heading for s in sentences] == [True, False, False]


# --------------------------------------------------------------------------- provenance


def check_sentences(pages: list[Page], sentences: list[Sentence]) -> None:
    by_page = {(p.doc_sha256, p.page): p for p in pages}
    last: dict[tuple[str, int], int] = {}
    for s in sentences:
        page = by_page[(s.doc_sha256, s.page)]
        assert page.text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert "\n" not in s.text
        assert s.start >= last.get((s.doc_sha256, s.page), 0)
        last[(s.doc_sha256, s.page)] = s.end


def test_offsets_and_provenance(nlp: Language) -> None:
    pages = [
        Page("a" * 64, 1, "  Le conseil s’est réuni.\n\n« Oui » dit-il.  \nFin"),
        Page("b" * 64, 7, "Première phrase. Deuxième phrase !\n- un point\n"),
        Page("b" * 64, 8, ""),
    ]
    sentences = list(split_sentences(nlp, pages, batch_size=2))
    check_sentences(pages, sentences)
    assert [(s.doc_sha256[0], s.page) for s in sentences] == [
        ("a", 1),
        ("a", 1),
        ("a", 1),
        ("b", 7),
        ("b", 7),
        ("b", 7),
    ]


def test_spans_share_the_page_doc(nlp: Language) -> None:
    page = Page("c" * 64, 2, "L’usager signale un dépôt. La ville répond.")
    pairs = list(iter_sentence_spans(nlp, [page]))
    assert len(pairs) == 2
    for sentence, span in pairs:
        assert span.doc.user_data["valpub_text"] == page.text
        assert (span.start_char, span.end_char) == (sentence.start, sentence.end)


@pytest.mark.realcorpus
def test_real_pages(nlp: Language) -> None:
    """Real minutes and a real report: offsets hold and no unit ends on an abbreviation."""
    from nlp.extract.document import iter_pages
    from nlp.records.files import file_sha256

    pdf_dir = SHARED_CORPUS / "pdf"
    if not pdf_dir.is_dir():
        pytest.skip("../shared/corpus is absent")
    skip = evaluation_only()
    names = [
        "pierrefonds__cm-2019-05-28-compte-rendu.pdf",
        "couthenans__cm-2021-06-04-compte-rendu.pdf",
    ]
    pages: list[Page] = []
    for name in names:
        path = pdf_dir / name
        if not path.is_file() or name in skip:
            pytest.skip(f"{name} is not available")
        pages += [p for p in iter_pages(path, file_sha256(path)) if p.text.strip()][:4]
    sentences = list(split_sentences(nlp, pages))
    assert len(sentences) > 40
    check_sentences(pages, sentences)
    for s in sentences:
        last_word = s.text.split()[-1]
        assert last_word not in {"M.", "Mme.", "art.", "cf.", "p.", "n°"}, s.text
        assert not s.text.startswith("»"), s.text


def sample_pages() -> list[Page]:
    """The first pages of every 20th PDF of ../shared/corpus (else of the samples)."""
    from nlp.extract.document import iter_pages
    from nlp.records.files import file_sha256

    sources = sorted((SHARED_CORPUS / "pdf").glob("*.pdf")) if SHARED_CORPUS.is_dir() else []
    sources = [p for p in sources if p.name not in evaluation_only()][::20]
    samples = ROOT / "corpus"
    sources = sources or sorted(samples.rglob("*.pdf"))  # without ../shared, the samples
    return [
        page
        for path in sources
        for page in itertools.islice(iter_pages(path, file_sha256(path)), 8)
        if page.text.strip()
    ]


def test_blas_products_give_the_tags_lemmas_and_boundaries_of_thinc_s_own(
    nlp: Language,
) -> None:
    """BlasOps changes how matrices are multiplied, not what the pipeline says."""
    from thinc.api import NumpyOps

    from nlp.language.segment import BlasOps

    tok2vec = nlp.get_pipe("tok2vec").model
    assert all(isinstance(node.ops, BlasOps) for node in tok2vec.walk())
    plain = load_pipeline()
    for _name, component in plain.pipeline:
        model = getattr(component, "model", None)
        for node in model.walk() if model is not None else []:
            node.ops = NumpyOps()
    assert not isinstance(plain.get_pipe("tok2vec").model.ops, BlasOps)

    pages = sample_pages()
    assert len(pages) > 20

    def reading(pipeline: Language) -> list[tuple[str, str, str, bool]]:
        docs = pipeline.pipe(normalise_text(p.text) for p in pages)
        return [(t.pos_, t.lemma_, t.norm_, t.is_sent_start) for d in docs for t in d]

    fast, reference = reading(nlp), reading(plain)
    assert len(fast) > 5000
    assert fast == reference


def test_tables_give_the_attribute_ruler_s_and_lemmatizer_s_annotations(nlp: Language) -> None:
    """The model's attribute ruler and lemmatizer, run as tables, annotate the same."""
    tables, components = ["valpub_rules", "valpub_lemmas"], ["attribute_ruler", "lemmatizer"]
    assert set(tables) <= set(nlp.pipe_names)
    assert not set(components) & set(nlp.pipe_names)  # loaded, but the tables run instead
    texts = [normalise_text(p.text) for p in sample_pages()]
    # whitespace tokens of every kind, which the rules give the POS SPACE
    texts.append("Un  double espace,\n\n deux lignes\t et une tabulation.  ")

    def reading() -> list[tuple[str, str, str, str, str]]:
        docs = nlp.pipe(texts)
        return [(t.pos_, t.tag_, str(t.morph), t.lemma_, t.norm_) for d in docs for t in d]

    table = reading()
    with nlp.select_pipes(disable=tables):
        for name in components:
            nlp.enable_pipe(name)
        try:
            reference = reading()
        finally:
            for name in components:
                nlp.disable_pipe(name)
    assert len(table) > 5000
    assert {tag for _pos, tag, *_rest in table} > {"NOUN", "VERB", "SPACE"}
    assert table == reference


def test_rule_table_leaves_rules_of_other_shapes_to_the_ruler() -> None:
    from spacy.pipeline import AttributeRuler

    from nlp.language.token_tables import RuleTable

    blank = spacy.blank("fr")
    ruler = AttributeRuler(blank.vocab)
    ruler.add([[{"LOWER": "conseil"}, {"LOWER": "municipal"}]], {"TAG": "ORGANE"}, index=1)
    doc = RuleTable(ruler)(blank("Le conseil municipal vote."))
    assert [t.tag_ for t in doc] == ["", "", "ORGANE", "", ""]
