from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.extract.textclean import (
    RunningLineFilter,
    is_bullet_line,
    is_page_number,
    join_hyphenated,
    normalize_chars,
    repair_inline_splits,
    running_signature,
)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("déve-", "loppement", "développement"),
        ("numé-", "rique", "numérique"),
        ("co-", "construction", "co-construction"),
        ("e-", "services", "e-services"),
        ("Saint-", "Aubin", "Saint-Aubin"),
        ("peut-", "être", "peut-être"),
        ("a-", "t-il", "a-t-il"),
        ("sous-", "préfecture", "sous-préfecture"),
        ("l'inter-", "communalité", "l'intercommunalité"),
        ("démar-", "ches", "démarches"),
    ],
)
def test_join_hyphenated_rules(left: str, right: str, expected: str) -> None:
    assert join_hyphenated(left, right) == expected


def test_join_hyphenated_prefers_document_evidence() -> None:
    vocab = Counter({"vingt-deux": 3, "anti-gaspillage": 1, "anticiper": 2})
    assert join_hyphenated("vingt-", "deux", vocab) == "vingt-deux"
    assert join_hyphenated("anti-", "ciper", vocab) == "anticiper"
    assert join_hyphenated("anti-", "gaspillage", vocab) == "anti-gaspillage"


def test_join_keeps_the_rest_of_the_token() -> None:
    assert join_hyphenated("déve-", "loppement,", None) == "développement,"


def test_inline_split_needs_evidence() -> None:
    vocab = Counter({"développement": 2, "brillant-desvages": 2})
    assert repair_inline_splits("le déve- loppement local", vocab) == "le développement local"
    assert repair_inline_splits("Mme BRILLANT- DESVAGES", vocab) == "Mme BRILLANT-DESVAGES"
    assert repair_inline_splits("cet après- midi", vocab) == "cet après-midi"
    assert repair_inline_splits("les actions pré- et post-opératoires", vocab) == (
        "les actions pré- et post-opératoires"
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("e\ufb03cace et \ufb01bre", "efficace et fibre"),
        ("(cid:3)donn(cid:12)ées", "données"),
        ("50\u00a0%\u202fdes\u2009usagers", "50 % des usagers"),
        ("l’usager d’abord", "l'usager d'abord"),
        ("«Territoire intelligent»", "« Territoire intelligent »"),
        ("\uf0b7 item", "• item"),
        ("numérique\u00ad", "numérique"),
        ("e\u0301lu", "élu"),  # decomposed accent -> NFC
    ],
)
def test_normalize_chars(raw: str, clean: str) -> None:
    assert normalize_chars(raw) == clean


@given(st.text())
def test_normalize_chars_is_idempotent_and_nfc(text: str) -> None:
    import unicodedata

    once = normalize_chars(text)
    assert normalize_chars(once) == once
    assert unicodedata.is_normalized("NFC", once)


@pytest.mark.parametrize("line", ["12", "- 3 -", "Page 2 / 9", "page 4 sur 10", "— 7 —", "p. 5"])
def test_page_numbers(line: str) -> None:
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["Article 12 du règlement", "2021 : une année", "Page d'accueil"])
def test_not_page_numbers(line: str) -> None:
    assert not is_page_number(line)


@pytest.mark.parametrize(
    "line", ["• item", "- item", "– item", "1) premier", "a. second", "3. trois"]
)
def test_bullets(line: str) -> None:
    assert is_bullet_line(line)


@pytest.mark.parametrize("line", ["-10 % de coûts", "Le conseil", "A.B.C"])
def test_not_bullets(line: str) -> None:
    assert not is_bullet_line(line)


def test_running_signature_ignores_numbers_and_case() -> None:
    assert running_signature("Page 3 / 12") == running_signature("PAGE 4 / 12")
    assert running_signature("Conseil du 8 février 2021") == running_signature(
        "conseil du 9 février 2022"
    )


def test_running_filter_finds_lines_repeated_across_pages_with_bounded_memory() -> None:
    filt: RunningLineFilter[int] = RunningLineFilter(min_pages=3, window=4)
    released = []
    for page in range(1, 31):
        keys = {"commune de valmont", f"unique line {page}"}
        if page % 2 == 0:
            keys.add("even pages header")
        if page in {3, 9, 21}:
            keys.add("rapporteur")  # repeats now and then: content, not a header
        released += filt.push(page, keys)
        assert len(filt._buffer) <= 4 and len(filt._behind) <= 4
    released += filt.flush()
    assert [p for p, _ in released] == list(range(1, 31))
    for page, running in released:
        expected = {"commune de valmont"} | ({"even pages header"} if page % 2 == 0 else set())
        assert running == expected, page


def test_running_filter_on_a_two_page_document() -> None:
    filt: RunningLineFilter[int] = RunningLineFilter()
    out = filt.push(1, {"header", "a"}) + filt.push(2, {"header", "b"}) + filt.flush()
    assert [r for _, r in out] == [{"header"}, {"header"}]


def test_compound_continuing_on_the_next_line_keeps_its_hyphen() -> None:
    assert join_hyphenated("nid-", "de-poule,") == "nid-de-poule,"


def test_a_year_alone_is_not_a_page_number() -> None:
    assert not is_page_number("2020).")
