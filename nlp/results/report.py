"""The report page: one self-contained HTML document, in French.

:func:`render_report` assembles the page from the charts (:mod:`nlp.results.report_charts`) and
tables (:mod:`nlp.results.report_tables`): the territories x labels overview, the similarity
between territories, one section per territory, and the methodology (lexicons, model,
document statuses). The page fetches nothing; its only script records the rendered
size of each chart element (``data-bbox``) so that a headless browser can check that
they were drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from nlp.language.lexicon import Lexicon
from nlp.results.profile import (
    CI_LEVEL,
    COVERAGE_SCHEME,
    COVERAGE_THRESHOLD,
    DEFAULT_RESAMPLES,
    LabelInfo,
    label_catalogue,
    territory_slug,
)
from nlp.results.quality import MIN_RELIABLE_COMPARED, RELIABLE_F1
from nlp.results.report_charts import bars_svg, heatmap_svg, radar_svg
from nlp.results.report_format import SCHEME_TITLES, esc, fr_number, html_attrs
from nlp.results.report_tables import figures_table, model_section, quotes_list, similarity_table

STATUS_TITLES = {
    "ok": "texte extrait",
    "ocr": "texte reconnu (OCR)",
    "needs_ocr": "pages scannées non lues",
    "encrypted": "chiffré",
    "not_pdf": "pas un PDF",
    "empty": "vide",
    "corrupt": "illisible",
    "too_large": "trop volumineux",
    "timeout": "délai dépassé",
    "failed": "échec",
}

#: Territories with fewer sentences than this are left out of the report's comparisons
#: (heatmap, similarity): their intensities per 1,000 sentences would be noise (one
#: sentence gives 0 or 1,000). Their own section and the data files keep them.
MIN_COMPARED_SENTENCES = 20


def _territory_section(
    code: str,
    profile: Mapping[str, Any],
    terr: pd.DataFrame,
    labels: Sequence[LabelInfo],
    pv_scale: float,
    link_base: str,
) -> str:
    cov = profile["coverage"]
    dom = profile["dominant"]
    years = ", ".join(str(y) for y in profile["years"]) or "non renseignée"
    parts = [
        f"<section class='territory' id='t-{esc(territory_slug(code))}' "
        f"{html_attrs(data_territory=code)}>",
        f"<h2>{esc(profile['territory_name'])}</h2>",
        f"<p class='meta'>Code : {esc(code)} · type : {esc(profile['territory_type'] or '–')} · "
        f"années : {esc(years)} · {profile['documents_total']} document(s) exploitable(s), "
        f"{profile['sentences_total']} phrases.</p>",
        f"<p class='coverage' {html_attrs(data_covered=cov['types_covered'])}>"
        f"Couverture du spectre de la valeur publique : <strong>{cov['types_covered']} types sur "
        f"{cov['types_total']}</strong> atteignent le seuil de {fr_number(COVERAGE_THRESHOLD)} "
        "phrases pour 1 000."
        + (f" Thème dominant : <strong>{esc(dom['label_name'])}</strong>." if dom else "")
        + "</p>",
    ]
    by_scheme = {s: terr[terr["scheme"] == s] for s in dict.fromkeys(terr["scheme"])}
    scheme_labels = {s: [i for i in labels if i.scheme == s] for s in by_scheme}
    for scheme, rows in by_scheme.items():
        title = SCHEME_TITLES.get(scheme, scheme)
        if scheme == COVERAGE_SCHEME:
            chart = radar_svg(rows, code, pv_scale)
        else:
            chart = bars_svg(rows, code, float(terr["per_1000"].max()))
        parts.append(
            f"<h3>{esc(title)}</h3><div class='pair'>{chart}{figures_table(rows, code)}</div>"
        )
        if scheme in (COVERAGE_SCHEME, "coproduction"):
            quotes = profile["schemes"][scheme]["quotes"]
            parts.append(
                "<h4>Extraits</h4>" + quotes_list(quotes, scheme_labels[scheme], link_base)
            )
    if profile["changes"]:
        moved = sorted(profile["changes"], key=lambda c: -abs(c["delta"]))[:8]
        names = {(i.scheme, i.id): i.name for i in labels}
        rows_html = "".join(
            f"<tr><td>{esc(names.get((c['scheme'], c['label']), c['label']))}</td>"
            f"<td>{c['from_year']} → {c['to_year']}</td><td>{fr_number(c['per_1000_from'])}</td>"
            f"<td>{fr_number(c['per_1000_to'])}</td><td>{fr_number(c['delta'])}</td></tr>"
            for c in moved
        )
        parts.append(
            "<h3>Évolution entre années</h3><table class='changes'><tr><th>Étiquette</th>"
            "<th>Période</th><th>Avant (‰)</th><th>Après (‰)</th><th>Écart</th></tr>"
            f"{rows_html}</table>"
        )
    parts.append("</section>")
    return "".join(parts)


_SCRIPT = """
document.addEventListener('DOMContentLoaded', function () {
  var n = 0;
  document.querySelectorAll('svg.chart rect, svg.chart polygon, svg.chart circle, svg.chart')
    .forEach(function (el) {
      var b = el.getBBox ? el.getBBox() : el.getBoundingClientRect();
      el.setAttribute('data-bbox', b.width.toFixed(1) + 'x' + b.height.toFixed(1));
      n += 1;
    });
  document.body.setAttribute('data-rendered', String(n));
});
"""

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
h1{font-size:1.6em}h2{border-bottom:2px solid #084594;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th[scope=row]{text-align:left}
.pair{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
.quotes li{margin:.4em 0}.tag{background:#deebf7;padding:0 4px;border-radius:3px}
.terms{color:#666;font-size:.85em}.meta{color:#555}svg text{font-family:system-ui,sans-serif}
.wide{overflow-x:auto}table.similarity td{font-size:.85em;padding:2px 4px}
tr.indicative th,tr.indicative td{color:#999;background:#f6f6f6}.ind{font-size:.8em}
"""


def render_report(
    profiles: pd.DataFrame,
    territory_profiles: Mapping[str, Mapping[str, Any]],
    documents: pd.DataFrame,
    lexicons: Sequence[Lexicon],
    similarity: pd.DataFrame,
    link_base: str = "",
    model_metrics: Mapping[str, Any] | None = None,
    generated: datetime | None = None,
    pseudonymised: bool = True,
) -> str:
    """Return the report as one self-contained HTML page, in French.

    Args:
        profiles: the table of :func:`nlp.results.profile.compute_profiles`.
        territory_profiles: territory code -> its JSON profile.
        documents: the documents table of the run (for the statuses).
        lexicons: the lexicons used (French label names, versions).
        similarity: the territories' similarity matrix.
        link_base: prefix making a document's ``file`` a link relative to the report.
        model_metrics: summary of the classifier, when one was used.
        generated: date of the run (now when omitted).
        pseudonymised: whether the quotes conceal private persons (the report says which).
    """
    labels = label_catalogue(lexicons)
    terr = profiles[profiles["level"] == "territory"]
    names = {c: str(p["territory_name"] or c) for c, p in territory_profiles.items()}
    pv_scale = float(terr.loc[terr["scheme"] == COVERAGE_SCHEME, "per_1000"].max() or 1.0)
    when = (generated or datetime.now(UTC)).strftime("%d/%m/%Y %H:%M UTC")
    body = [
        "<h1>Profils numériques des territoires : valeur publique et coproduction</h1>",
        f"<p>Rapport produit le {esc(when)} par valpub à partir de {len(documents)} document(s) "
        f"et {len(territory_profiles)} territoire(s). Les intensités sont exprimées en nombre "
        "de phrases pour 1 000 phrases du territoire.</p>",
        _publication_mode(pseudonymised),
        "<nav><ul>"
        + "".join(
            f"<li><a href='#t-{esc(territory_slug(c))}'>{esc(names[c])}</a></li>"
            for c in sorted(territory_profiles)
        )
        + "<li><a href='#methode'>Méthodologie</a></li></ul></nav>",
        "<h2>Vue d'ensemble : matrice territoires × étiquettes</h2>",
        "<p>Chaque case donne l'intensité (‰) ; la couleur est relative au maximum de chaque "
        "grille d'analyse.</p>",
    ]
    sizes = terr.groupby("territory_code")["sentences_total"].max()
    thin = sorted(c for c, n in sizes.items() if n < MIN_COMPARED_SENTENCES)
    compared = profiles[~profiles["territory_code"].isin(thin)]
    body.append(heatmap_svg(compared, labels, names))
    if thin:
        body.append(
            f"<p class='meta'>Trop peu de texte pour être comparés (moins de "
            f"{MIN_COMPARED_SENTENCES} phrases), absents de la matrice et des similarités ; "
            "leur profil figure plus bas : "
            + ", ".join(f"{esc(names.get(c, c))} ({int(sizes[c])} phrase(s))" for c in thin)
            + ".</p>"
        )
    kept = [c for c in similarity.index if c not in thin]
    if len(kept) > 1:
        body.append(similarity_table(similarity.loc[kept, kept], names))
    elif similarity.empty and len(territory_profiles) > 1:
        body.append(
            "<p class='meta' id='no-similarity'>Pas de similarité entre territoires : moins de "
            f"{MIN_RELIABLE_COMPARED} étiquettes atteignent le seuil de fiabilité mesuré "
            f"(F1 ≥ {fr_number(RELIABLE_F1, 2)}) ; comparer des étiquettes indicatives "
            "reviendrait à comparer du bruit.</p>"
        )
    for code in sorted(territory_profiles):
        body.append(
            _territory_section(
                code,
                territory_profiles[code],
                terr[terr["territory_code"] == code],
                labels,
                pv_scale,
                link_base,
            )
        )
    body.append(_methodology(documents, lexicons, model_metrics, when))
    return (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        "<title>valpub — profils des territoires</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(body)}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


def _publication_mode(pseudonymised: bool) -> str:
    """The paragraph that says whether the quotes conceal private persons."""
    if pseudonymised:
        return (
            "<p class='meta' id='publication'>Citations pseudonymisées : les noms des "
            "personnes privées sont remplacés par « [personne N] » (le même numéro pour la "
            "même personne dans un document), et leurs adresses, numéros de téléphone, "
            "courriels et dates de naissance par un repère ; les élus et agents dans leurs "
            "fonctions, les organismes, les entreprises et les lieux sont cités tels quels "
            "(CRPA, art. L312-1-2).</p>"
        )
    return (
        "<p class='meta warning' id='publication'><strong>Citations non pseudonymisées</strong> "
        "(option --no-pseudonymise) : elles peuvent nommer des personnes privées. Ce rapport "
        "est réservé à un usage interne et ne doit pas être mis en ligne.</p>"
    )


def _methodology(
    documents: pd.DataFrame,
    lexicons: Sequence[Lexicon],
    model_metrics: Mapping[str, Any] | None,
    when: str,
) -> str:
    lex = "".join(
        f"<li>{esc(lx.name)} (<code>{esc(lx.scheme)}</code>) : version {esc(lx.version)}</li>"
        for lx in lexicons
    )
    model = model_section(model_metrics)
    counts = documents["status"].value_counts().sort_index()
    statuses = "".join(
        f"<tr><td>{esc(s)}</td><td>{esc(STATUS_TITLES.get(str(s), ''))}</td>"
        f"<td {html_attrs(data_status=s, data_value=int(n))}>{int(n)}</td></tr>"
        for s, n in counts.items()
    )
    docs = "".join(
        f"<tr><td>{esc(r['file'])}</td><td>{esc(r['territory_name'])}</td><td>{esc(r['status'])}</td>"
        f"<td>{esc(r['reason'] or '')}</td></tr>"
        for r in documents.sort_values("file").to_dict("records")
    )
    return (
        "<section id='methode'><h2>Méthodologie</h2>"
        "<p>Chaque document est découpé en phrases ; une phrase peut recevoir plusieurs "
        "étiquettes d'une même grille, ou aucune, selon le livre de codes du projet. Pour "
        "chaque territoire (et chaque année) on compte les phrases porteuses de chaque "
        "étiquette ; les titres comptent comme phrases mais ne sont pas cités. L'intervalle "
        f"de confiance à {int(CI_LEVEL * 100)} % est obtenu par rééchantillonnage des "
        f"documents ({DEFAULT_RESAMPLES} tirages, graine fixe) : il est large, voire dégénéré, "
        "quand un territoire n'a qu'un ou deux documents. Un type de valeur publique est "
        f"considéré comme traité à partir de {fr_number(COVERAGE_THRESHOLD)} phrases pour "
        "1 000.</p>"
        f"<h3>Lexiques</h3><ul>{lex}</ul><h3>Modèle</h3>{model}"
        "<h3>Statut des documents</h3><table class='statuses'><tr><th>Statut</th><th>Sens</th>"
        f"<th>Documents</th></tr>{statuses}</table>"
        "<table class='documents'><tr><th>Fichier</th><th>Territoire</th><th>Statut</th>"
        f"<th>Motif</th></tr>{docs}</table>"
        f"<p>Date d'exécution : {esc(when)}.</p></section>"
    )
