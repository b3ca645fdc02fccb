"""The report's tables and quote lists, as HTML.

A territory's figures per label (with the measured quality of each label), the quotes
that illustrate a label with links to their page, the similarity matrix between
territories, and the classifier's section (version, training data, measured F1 per
scheme or per label on real sentences). Every figure carries its exact value in a
``data-value`` attribute.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from nlp.results.profile import CI_LEVEL, COVERAGE_SCHEME, LabelInfo
from nlp.results.quality import RELIABLE_F1
from nlp.results.report_format import data_value, esc, fr_number, html_attrs, shade

SOURCE_TITLES = {
    "lexicon": "lexique",
    "classifier": "classifieur",
    "both": "lexique et classifieur",
}

RULE_TITLES = {
    "lexicon": "lexiques seuls",
    "classifier": "classifieur seul",
    "union": "lexiques ou classifieur",
    "agreement": "lexiques et classifieur",
}


def figures_table(rows: pd.DataFrame, code: str) -> str:
    """One scheme's figures for one territory: a row per label."""
    head = (
        "<tr><th>Étiquette</th><th>Phrases</th><th>Part</th><th>Pour 1 000 phrases</th>"
        f"<th>IC {int(CI_LEVEL * 100)} %</th><th>Documents</th><th>Probabilité moyenne</th>"
        "<th>Fiabilité mesurée (précision / rappel)</th></tr>"
    )
    body = []
    for rec in rows.to_dict("records"):
        lab = f"{rec['scheme']}:{rec['label']}"

        def td(col: str, text: str, lab: str = lab, rec: dict[str, Any] = rec) -> str:
            attrs = html_attrs(
                data_territory=code, data_label=lab, data_col=col, data_value=data_value(rec[col])
            )
            return f"<td {attrs}>{text}</td>"

        mark = " ✔" if rec["passes_threshold"] and rec["scheme"] == COVERAGE_SCHEME else ""
        sure = bool(rec.get("reliable", True))
        note = "" if sure else ' <span class="ind">(indicatif)</span>'
        body.append(
            f"<tr class='{'reliable' if sure else 'indicative'}' "
            f"{html_attrs(data_label=lab, data_reliable='1' if sure else '0')}>"
            f"<th scope='row'>{esc(rec['label_name'])}{mark}"
            f"{note}</th>"
            + td("n_sentences", str(int(rec["n_sentences"])))
            + td("share", fr_number(100 * rec["share"]) + " %")
            + td("per_1000", fr_number(rec["per_1000"]))
            + f"<td>{fr_number(rec['ci_low'])} – {fr_number(rec['ci_high'])}</td>"
            + td("n_documents", str(int(rec["n_documents"])))
            + td("mean_probability", fr_number(rec["mean_probability"], 2))
            + f"<td>{_quality_cell(rec)}</td>"
            + "</tr>"
        )
    return f"<table class='figures'>{head}{''.join(body)}</table>"


def _quality_cell(rec: Mapping[str, Any]) -> str:
    """Measured precision / recall of a label on real sentences, or why there is none."""
    p, r = rec.get("precision"), rec.get("recall")
    if p is None or r is None or (isinstance(p, float) and math.isnan(p)):
        return "non mesurée"
    return f"{fr_number(float(p), 2)} / {fr_number(float(r), 2)}"


def _document_href(link_base: str, file: str, page: int) -> str:
    """The link of a page of a document: its URL when it has one, else under ``link_base``."""
    if "://" in file:
        return f"{file}#page={page}"
    if "://" in link_base:
        return f"{link_base}{urllib.parse.quote(file)}#page={page}"
    return f"{link_base}{file}#page={page}"


def quotes_list(
    quotes: Mapping[str, list[dict[str, Any]]],
    labels: Sequence[LabelInfo],
    link_base: str,
    limit: int = 2,
) -> str:
    """Up to ``limit`` quotes per label, each linked to its page."""
    items = []
    for info in labels:
        for q in quotes.get(info.id, [])[:limit]:
            href = _document_href(link_base, str(q["file"]), int(q["page"]))
            terms = f" — termes : {esc(', '.join(q['terms']))}" if q.get("terms") else ""
            source = SOURCE_TITLES.get(str(q.get("source", "lexicon")), "")
            if q.get("source", "lexicon") != "lexicon" and q.get("score") is not None:
                source += f", p = {fr_number(float(q['score']), 2)}"
            items.append(
                f"<li><span class='tag'>{esc(info.name)}</span> <q>{esc(q['text'])}</q> "
                f'<a href="{esc(href)}">{esc(q["file"])}, p. {q["page"]}</a>'
                f"<span class='terms'>{terms} ({esc(source)})</span></li>"
            )
    if not items:
        return "<p class='none'>Aucun extrait.</p>"
    return f"<ul class='quotes'>{''.join(items)}</ul>"


def _cell_shade(value: float) -> str:
    """A pale background for a similarity in [0, 1] (grey when undefined)."""
    return "#eeeeee" if math.isnan(value) else shade(0.6 * value)


def similarity_table(similarity: pd.DataFrame, names: Mapping[str, str]) -> str:
    """The similarity matrix as a table that fits the page: columns are numbered."""
    number = {c: k for k, c in enumerate(similarity.columns, start=1)}
    head = "".join(
        f"<th title='{esc(names.get(c, c))}'>{number[c]}</th>" for c in similarity.columns
    )
    rows = "".join(
        f"<tr><th scope='row'>{number[r]}. {esc(names.get(r, r))}</th>"
        + "".join(
            f"<td {html_attrs(data_value=data_value(similarity.loc[r, c]))} "
            f"style='background:{_cell_shade(float(similarity.loc[r, c]))}'>"
            f"{fr_number(similarity.loc[r, c], 2)}</td>"
            for c in similarity.columns
        )
        + "</tr>"
        for r in similarity.index
    )
    return (
        "<h3>Similarité entre territoires (cosinus des profils)</h3>"
        "<p class='meta'>Les colonnes suivent la numérotation des lignes ; 1 : profils de même "
        "forme, 0 : rien en commun.</p>"
        f"<div class='wide'><table class='similarity'><tr><th></th>{head}</tr>{rows}"
        "</table></div>"
    )


def model_section(metrics: Mapping[str, Any] | None) -> str:
    """The classifier's version, data and measured quality, as French prose and a table."""
    if not metrics:
        return (
            "<p>Aucun classifieur n'a été utilisé : les étiquettes proviennent uniquement des "
            "lexiques, et la probabilité moyenne vaut 1,00 par convention.</p>"
        )
    training = metrics.get("training", {})
    real = metrics.get("real_annotations", {})
    summary = metrics.get("summary", {})
    intro = (
        f"<p>Classifieur <code {html_attrs(data_model_version=metrics.get('version', ''))}>"
        f"{esc(metrics.get('version', '?'))}</code> (code {esc(metrics.get('code_version', '?'))}, "
        f"entraîné le {esc(str(metrics.get('created', '?'))[:10])}) sur "
        f"{esc(summary.get('train_size', '?'))} phrases, dont "
        f"{esc(real.get('resolved', 0) if training.get('with_real') else 0)} phrases réelles "
        "annotées. Chaque étiquette finale combine lexiques et classifieur selon la règle "
        "retenue par validation croisée pour chaque grille ; la source de chaque étiquette "
        "(lexique, classifieur ou les deux) est conservée dans <code>sentences.parquet</code>. "
        "Mesures sur l'échantillon de test réservé (phrases rédigées par le projet) :</p>"
    )
    if metrics.get("fitting") == "real":
        return intro.replace(
            "Mesures sur l'échantillon de test réservé (phrases rédigées par le projet) :",
            "",
        ) + _real_quality_table(metrics)
    rows = []
    real_block = metrics.get("real_cv") or metrics.get("real") or {}
    for scheme, block in metrics.get("heldout", {}).items():
        real_f1 = real_block.get(scheme, {}).get("combined", {}).get("macro_f1")
        rows.append(
            f"<tr {html_attrs(data_scheme=scheme)}><td>{esc(scheme)}</td>"
            f"<td>{esc(RULE_TITLES.get(block.get('rule', ''), block.get('rule', '')))}</td>"
            f"<td>{fr_number(block['lexicon']['macro_f1'], 2)}</td>"
            f"<td>{fr_number(block['classifier']['macro_f1'], 2)}</td>"
            f"<td {html_attrs(data_value=data_value(block['combined']['macro_f1']))}>"
            f"{fr_number(block['combined']['macro_f1'], 2)}</td>"
            f"<td>{fr_number(real_f1, 2) if real_f1 is not None else '–'}</td></tr>"
        )
    return (
        intro + "<table class='model'><tr><th>Grille</th><th>Règle</th>"
        "<th>F1 macro lexiques</th><th>F1 macro classifieur</th><th>F1 macro retenu</th>"
        "<th>F1 macro retenu, phrases réelles</th></tr>" + "".join(rows) + "</table>"
    )


def _real_quality_table(metrics: Mapping[str, Any]) -> str:
    """Per label, precision, recall and F1 measured on real sentences, and the bar."""
    rows = []
    for scheme, block in (metrics.get("real_cv") or {}).items():
        natural = block.get("natural", {})
        for label, row in block.get("bootstrap", {}).items():
            if label == "micro":
                continue
            sure = row.get("f1") is not None and row["f1"] >= RELIABLE_F1
            nat = natural.get(label, {}).get("precision")
            rows.append(
                f"<tr class='{'reliable' if sure else 'indicative'}' "
                f"{html_attrs(data_label=f'{scheme}:{label}', data_reliable='1' if sure else '0')}>"
                f"<th scope='row'>{esc(scheme)} : {esc(label)}</th><td>{row['support']}</td>"
                f"<td>{fr_number(row['precision'], 2)}</td><td>{fr_number(row['recall'], 2)}</td>"
                f"<td>{fr_number(row['f1'], 2)}</td>"
                f"<td>{fr_number(nat, 2) if nat is not None else '–'}</td></tr>"
            )
    return (
        "<p>Qualité mesurée sur des phrases réelles de documents territoriaux annotées selon le "
        "livre de codes, par validation croisée groupée par document (aucune phrase d'un "
        "document de test à l'entraînement ; seuils choisis sans les documents évalués). "
        "La précision au taux naturel est mesurée sur l'échantillon tiré au hasard. Une "
        f"étiquette dont le F1 est inférieur à {fr_number(RELIABLE_F1, 2)} est "
        "<strong>indicative</strong> : grisée, non classée, exclue du thème dominant et des "
        "similarités.</p><table class='model'><tr><th>Étiquette</th><th>Phrases</th>"
        "<th>Précision</th><th>Rappel</th><th>F1</th><th>Précision au taux naturel</th></tr>"
        + "".join(rows)
        + "</table>"
    )
