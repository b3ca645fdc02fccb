"""Publish the profiles of a run: tables, one JSON per territory and a French HTML report.

:func:`publish_profiles` is the one call the flow makes after the sentences are
collected. It reads ``<out>/sentences.parquet`` and ``<out>/documents.parquet`` and
writes (atomically, see :mod:`nlp.store`; columns documented in ``outputs/README.md``)::

    <out>/profiles.parquet, profiles.csv      long, tidy profile table (nlp.profile)
    <out>/profiles/<territory>.json          one territory's profile, evidence included
    <out>/coding_matrix.csv                  territories x labels, per 1,000 sentences
    <out>/similarity.csv                     cosine similarity between territories
    <out>/report.html                        self-contained report, in French

The report fetches nothing: its charts are inline SVG drawn here, its only script
records the rendered size of each chart element (``data-bbox``) so that a headless
browser can check that they were drawn. Every figure shown carries its exact value in a
``data-value`` attribute, equal to the ``profiles.parquet`` cell it comes from.
"""

from __future__ import annotations

import html
import math
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.lexicon import Lexicon, load_lexicons
from nlp.profile import (
    CI_LEVEL,
    COVERAGE_SCHEME,
    COVERAGE_THRESHOLD,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    PROFILE_COLUMNS,
    LabelInfo,
    coding_matrix,
    compute_profiles,
    evidence_quotes,
    label_catalogue,
    similarity_matrix,
    territory_codes,
    territory_profile,
    territory_slug,
)
from nlp.pseudonymise import Pseudonymiser, published_texts
from nlp.quality import (
    MIN_RELIABLE_COMPARED,
    QUALITY_COLUMNS,
    RELIABLE_F1,
    attach_quality,
    label_quality,
    reliable_columns,
)
from nlp.store import atomic_open, write_csv_fr, write_json

#: French titles of the schemes (section headings of the report).
SCHEME_TITLES = {
    "public_value": "Types de valeur publique",
    "coproduction": "Modes de coproduction",
    "governance": "Gouvernance",
    "pillar": "Piliers de la politique numérique",
    "helix": "Acteurs mobilisés (hélice)",
    "obstacle": "Obstacles",
}
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
_RADAR_R = 110.0


def fr_number(value: float | None, digits: int = 1) -> str:
    """Format a number the French way (decimal comma, thin space between thousands)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def data_value(value: float | None) -> str:
    """The exact value written in ``data-value`` attributes (empty when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _attrs(**values: Any) -> str:
    return " ".join(f'{k.replace("_", "-")}="{_e(v)}"' for k, v in values.items())


def _shade(fraction: float) -> str:
    """A colour from pale to deep blue for a fraction in [0, 1]."""
    f = min(max(fraction, 0.0), 1.0)
    start, end = (244, 247, 251), (8, 69, 148)
    r, g, b = (round(a + (z - a) * f) for a, z in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


#: Territory names longer than this are shortened in the heatmap (full name on hover).
ROW_NAME_CHARS = 30
#: Territories with fewer sentences than this are left out of the report's comparisons
#: (heatmap, similarity): their intensities per 1,000 sentences would be noise (one
#: sentence gives 0 or 1,000). Their own section and the data files keep them.
MIN_COMPARED_SENTENCES = 20


def _grey(fraction: float) -> str:
    """A grey from pale to mid for a fraction in [0, 1]: an indicative label's cell."""
    f = min(max(fraction, 0.0), 1.0)
    v = round(240 - 110 * f)
    return f"#{v:02x}{v:02x}{v:02x}"


def heatmap_svg(
    profiles: pd.DataFrame, labels: Sequence[LabelInfo], names: Mapping[str, str]
) -> str:
    """The territories x labels heatmap (intensity per 1,000 sentences, scaled by scheme)."""
    terr = profiles[profiles["level"] == "territory"]
    codes = sorted(set(terr["territory_code"]))
    cell_w, cell_h, left, top = 30, 24, 230, 290
    width = left + cell_w * len(labels) + 150
    height = top + cell_h * len(codes) + 10
    scheme_max = terr.groupby("scheme")["per_1000"].max().to_dict()
    values = terr.set_index(["territory_code", "scheme", "label"])["per_1000"]
    reliable = (
        set(
            zip(
                terr.loc[terr["reliable"], "scheme"],
                terr.loc[terr["reliable"], "label"],
                strict=True,
            )
        )
        if "reliable" in terr
        else {(i.scheme, i.id) for i in labels}
    )
    parts = [
        f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Matrice territoires × étiquettes">'
    ]
    for j, info in enumerate(labels):
        x = left + j * cell_w + cell_w / 2
        sure = (info.scheme, info.id) in reliable
        style = "" if sure else ' fill="#999999"'
        suffix = "" if sure else " (indicatif)"
        parts.append(
            f'<text class="col" transform="translate({x:.1f},{top - 6}) rotate(-60)" '
            f'font-size="11"{style}>{_e(info.name)}{suffix}</text>'
        )
    for i, code in enumerate(codes):
        y = top + i * cell_h
        name = names.get(code, code)
        short = name if len(name) <= ROW_NAME_CHARS else name[: ROW_NAME_CHARS - 1] + "…"
        parts.append(
            f'<text class="row" x="{left - 6}" y="{y + cell_h * 0.68:.1f}" text-anchor="end" '
            f'font-size="12"><title>{_e(name)}</title>{_e(short)}</text>'
        )
        for j, info in enumerate(labels):
            v = float(values.get((code, info.scheme, info.id), float("nan")))
            peak = scheme_max.get(info.scheme, 0.0) or 1.0
            sure = (info.scheme, info.id) in reliable
            fill = "#eeeeee" if math.isnan(v) else (_shade(v / peak) if sure else _grey(v / peak))
            attrs = _attrs(
                data_territory=code,
                data_label=f"{info.scheme}:{info.id}",
                data_value=data_value(v),
                data_reliable="1" if sure else "0",
            )
            parts.append(
                f'<rect class="cell" x="{left + j * cell_w}" y="{y}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{fill}" {attrs}><title>'
                f"{_e(names.get(code, code))} — {_e(info.name)} : {fr_number(v)} ‰</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def radar_svg(rows: pd.DataFrame, code: str, scale: float) -> str:
    """A radar chart of the seven public-value types of one territory (per 1,000)."""
    n = len(rows)
    size = 2 * _RADAR_R + 320
    cx, cy = size / 2, _RADAR_R + 40
    scale = scale or 1.0

    def point(k: int, radius: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        return cx + radius * math.cos(angle), cy + radius * math.sin(angle)

    parts = [
        f'<svg class="chart radar" viewBox="0 0 {size:.0f} {2 * _RADAR_R + 80:.0f}" '
        f'width="{size:.0f}" height="{2 * _RADAR_R + 80:.0f}" role="img" '
        f'aria-label="Radar des types de valeur publique" {_attrs(data_territory=code)}>'
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, _RADAR_R * ring) for k in range(n)))
        parts.append(f'<polygon class="grid" points="{pts}" fill="none" stroke="#ccc"/>')
    recs = rows.to_dict("records")
    for k, rec in enumerate(recs):
        x, y = point(k, _RADAR_R)
        lx, ly = point(k, _RADAR_R + 14)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#ccc"/>')
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" font-size="11">'
            f"{_e(rec['label_name'])}</text>"
        )
    pts = " ".join(
        f"{x:.1f},{y:.1f}"
        for x, y in (
            point(k, _RADAR_R * min(float(rec["per_1000"]) / scale, 1.0))
            for k, rec in enumerate(recs)
        )
    )
    values = ";".join(f"{rec['label']}={data_value(rec['per_1000'])}" for rec in recs)
    parts.append(
        f'<polygon class="value" points="{pts}" fill="rgba(8,69,148,0.35)" stroke="#084594" '
        f'stroke-width="2" {_attrs(data_territory=code, data_values=values)}/>'
    )
    for k, rec in enumerate(recs):
        x, y = point(k, _RADAR_R * min(float(rec["per_1000"]) / scale, 1.0))
        attrs = _attrs(
            data_territory=code,
            data_label=f"{rec['scheme']}:{rec['label']}",
            data_value=data_value(rec["per_1000"]),
        )
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#084594" {attrs}>'
            f"<title>{_e(rec['label_name'])} : {fr_number(rec['per_1000'])} ‰</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(rows: pd.DataFrame, code: str, scale: float) -> str:
    """Horizontal bars of one scheme's labels for one territory (per 1,000 sentences)."""
    left, bar_h, width = 210, 20, 520
    height = bar_h * len(rows) + 10
    scale = scale or 1.0
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img">'
    ]
    for i, rec in enumerate(rows.to_dict("records")):
        y = 5 + i * bar_h
        w = max((width - left - 70) * float(rec["per_1000"]) / scale, 0.0)
        attrs = _attrs(
            data_territory=code,
            data_label=f"{rec['scheme']}:{rec['label']}",
            data_value=data_value(rec["per_1000"]),
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{_e(rec['label_name'])}</text>"
            f'<rect class="bar" x="{left}" y="{y + 2}" width="{max(w, 1.0):.1f}" '
            f'height="{bar_h - 6}" fill="#2171b5" {attrs}><title>{_e(rec["label_name"])} : '
            f"{fr_number(rec['per_1000'])} ‰</title></rect>"
            f'<text x="{left + max(w, 1.0) + 4:.1f}" y="{y + 14}" font-size="11">'
            f"{fr_number(rec['per_1000'])} ‰</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: pd.DataFrame, code: str) -> str:
    head = (
        "<tr><th>Étiquette</th><th>Phrases</th><th>Part</th><th>Pour 1 000 phrases</th>"
        f"<th>IC {int(CI_LEVEL * 100)} %</th><th>Documents</th><th>Probabilité moyenne</th>"
        "<th>Fiabilité mesurée (précision / rappel)</th></tr>"
    )
    body = []
    for rec in rows.to_dict("records"):
        lab = f"{rec['scheme']}:{rec['label']}"

        def td(col: str, text: str, lab: str = lab, rec: dict[str, Any] = rec) -> str:
            attrs = _attrs(
                data_territory=code, data_label=lab, data_col=col, data_value=data_value(rec[col])
            )
            return f"<td {attrs}>{text}</td>"

        mark = " ✔" if rec["passes_threshold"] and rec["scheme"] == COVERAGE_SCHEME else ""
        sure = bool(rec.get("reliable", True))
        note = "" if sure else ' <span class="ind">(indicatif)</span>'
        body.append(
            f"<tr class='{'reliable' if sure else 'indicative'}' "
            f"{_attrs(data_label=lab, data_reliable='1' if sure else '0')}>"
            f"<th scope='row'>{_e(rec['label_name'])}{mark}"
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


def _quotes(
    quotes: Mapping[str, list[dict[str, Any]]],
    labels: Sequence[LabelInfo],
    link_base: str,
    limit: int = 2,
) -> str:
    items = []
    for info in labels:
        for q in quotes.get(info.id, [])[:limit]:
            href = _document_href(link_base, str(q["file"]), int(q["page"]))
            terms = f" — termes : {_e(', '.join(q['terms']))}" if q.get("terms") else ""
            source = SOURCE_TITLES.get(str(q.get("source", "lexicon")), "")
            if q.get("source", "lexicon") != "lexicon" and q.get("score") is not None:
                source += f", p = {fr_number(float(q['score']), 2)}"
            items.append(
                f"<li><span class='tag'>{_e(info.name)}</span> <q>{_e(q['text'])}</q> "
                f'<a href="{_e(href)}">{_e(q["file"])}, p. {q["page"]}</a>'
                f"<span class='terms'>{terms} ({_e(source)})</span></li>"
            )
    if not items:
        return "<p class='none'>Aucun extrait.</p>"
    return f"<ul class='quotes'>{''.join(items)}</ul>"


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
        f"<section class='territory' id='t-{_e(territory_slug(code))}' "
        f"{_attrs(data_territory=code)}>",
        f"<h2>{_e(profile['territory_name'])}</h2>",
        f"<p class='meta'>Code : {_e(code)} · type : {_e(profile['territory_type'] or '–')} · "
        f"années : {_e(years)} · {profile['documents_total']} document(s) exploitable(s), "
        f"{profile['sentences_total']} phrases.</p>",
        f"<p class='coverage' {_attrs(data_covered=cov['types_covered'])}>Couverture du spectre "
        f"de la valeur publique : <strong>{cov['types_covered']} types sur "
        f"{cov['types_total']}</strong> atteignent le seuil de {fr_number(COVERAGE_THRESHOLD)} "
        "phrases pour 1 000."
        + (f" Thème dominant : <strong>{_e(dom['label_name'])}</strong>." if dom else "")
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
        parts.append(f"<h3>{_e(title)}</h3><div class='pair'>{chart}{_table(rows, code)}</div>")
        if scheme in (COVERAGE_SCHEME, "coproduction"):
            quotes = profile["schemes"][scheme]["quotes"]
            parts.append("<h4>Extraits</h4>" + _quotes(quotes, scheme_labels[scheme], link_base))
    if profile["changes"]:
        moved = sorted(profile["changes"], key=lambda c: -abs(c["delta"]))[:8]
        names = {(i.scheme, i.id): i.name for i in labels}
        rows_html = "".join(
            f"<tr><td>{_e(names.get((c['scheme'], c['label']), c['label']))}</td>"
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


def _cell_shade(value: float) -> str:
    """A pale background for a similarity in [0, 1] (grey when undefined)."""
    return "#eeeeee" if math.isnan(value) else _shade(0.6 * value)


def _similarity_table(similarity: pd.DataFrame, names: Mapping[str, str]) -> str:
    """The similarity matrix as a table that fits the page: columns are numbered."""
    number = {c: k for k, c in enumerate(similarity.columns, start=1)}
    head = "".join(
        f"<th title='{_e(names.get(c, c))}'>{number[c]}</th>" for c in similarity.columns
    )
    rows = "".join(
        f"<tr><th scope='row'>{number[r]}. {_e(names.get(r, r))}</th>"
        + "".join(
            f"<td {_attrs(data_value=data_value(similarity.loc[r, c]))} "
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
        profiles: the table of :func:`nlp.profile.compute_profiles`.
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
        f"<p>Rapport produit le {_e(when)} par valpub à partir de {len(documents)} document(s) "
        f"et {len(territory_profiles)} territoire(s). Les intensités sont exprimées en nombre "
        "de phrases pour 1 000 phrases du territoire.</p>",
        _publication_mode(pseudonymised),
        "<nav><ul>"
        + "".join(
            f"<li><a href='#t-{_e(territory_slug(c))}'>{_e(names[c])}</a></li>"
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
            + ", ".join(f"{_e(names.get(c, c))} ({int(sizes[c])} phrase(s))" for c in thin)
            + ".</p>"
        )
    kept = [c for c in similarity.index if c not in thin]
    if len(kept) > 1:
        body.append(_similarity_table(similarity.loc[kept, kept], names))
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
        f"<li>{_e(lx.name)} (<code>{_e(lx.scheme)}</code>) : version {_e(lx.version)}</li>"
        for lx in lexicons
    )
    model = _model_section(model_metrics)
    counts = documents["status"].value_counts().sort_index()
    statuses = "".join(
        f"<tr><td>{_e(s)}</td><td>{_e(STATUS_TITLES.get(str(s), ''))}</td>"
        f"<td {_attrs(data_status=s, data_value=int(n))}>{int(n)}</td></tr>"
        for s, n in counts.items()
    )
    docs = "".join(
        f"<tr><td>{_e(r['file'])}</td><td>{_e(r['territory_name'])}</td><td>{_e(r['status'])}</td>"
        f"<td>{_e(r['reason'] or '')}</td></tr>"
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
        f"<p>Date d'exécution : {_e(when)}.</p></section>"
    )


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


def _model_section(metrics: Mapping[str, Any] | None) -> str:
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
        f"<p>Classifieur <code {_attrs(data_model_version=metrics.get('version', ''))}>"
        f"{_e(metrics.get('version', '?'))}</code> (code {_e(metrics.get('code_version', '?'))}, "
        f"entraîné le {_e(str(metrics.get('created', '?'))[:10])}) sur "
        f"{_e(summary.get('train_size', '?'))} phrases, dont "
        f"{_e(real.get('resolved', 0) if training.get('with_real') else 0)} phrases réelles "
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
            f"<tr {_attrs(data_scheme=scheme)}><td>{_e(scheme)}</td>"
            f"<td>{_e(RULE_TITLES.get(block.get('rule', ''), block.get('rule', '')))}</td>"
            f"<td>{fr_number(block['lexicon']['macro_f1'], 2)}</td>"
            f"<td>{fr_number(block['classifier']['macro_f1'], 2)}</td>"
            f"<td {_attrs(data_value=data_value(block['combined']['macro_f1']))}>"
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
                f"{_attrs(data_label=f'{scheme}:{label}', data_reliable='1' if sure else '0')}>"
                f"<th scope='row'>{_e(scheme)} : {_e(label)}</th><td>{row['support']}</td>"
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


def publish_profiles(
    out: Path,
    lexicon_dir: Path,
    corpus: Path | str | None = None,
    model_metrics: Mapping[str, Any] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    generated: datetime | None = None,
    pseudonymise: bool = True,
) -> dict[str, Path]:
    """Compute the profiles of a run and write every output; return their paths.

    Args:
        out: the run's output folder (holds ``sentences.parquet`` and ``documents.parquet``).
        lexicon_dir: the lexicons the sentences were tagged with.
        corpus: the corpus folder, so that quotes link to ``file.pdf#page=N`` relative to
            the report, or the corpus URL, so that they link to the documents there;
            without it, links are the corpus-relative paths.
        model_metrics: classifier summary for the methodology section, if any.
        resamples: bootstrap samples of documents.
        seed: bootstrap seed.
        generated: date shown in the report (now when omitted).
        pseudonymise: quote sentences with private persons concealed (the default); off,
            the report quotes the documents' text and says so.
    """
    out = Path(out)
    lexicons = load_lexicons(lexicon_dir)
    labels = label_catalogue(lexicons)
    documents = pd.read_parquet(out / "documents.parquet")
    documents["territory_code"] = documents["territory_code"].astype(str)
    spath = out / "sentences.parquet"
    sentences = pd.read_parquet(spath) if spath.is_file() else pd.DataFrame()
    if sentences.empty:
        sentences = pd.DataFrame(
            columns=[
                "doc_sha256",
                "territory_code",
                "page",
                "start",
                "end",
                "text",
                "is_heading",
                "evidence",
                *{i.scheme for i in labels},
            ]
        )
    if not sentences.empty:  # what is quoted is always the form made for publication
        sentences["published_text"] = published_texts(
            sentences, Pseudonymiser() if pseudonymise else None
        )
    profiles = compute_profiles(sentences, documents, labels, resamples=resamples, seed=seed)
    quality = label_quality(model_metrics)
    if quality:  # without measured figures (lexicon-only run) labels are not marked
        profiles = attach_quality(profiles, quality)
    matrix = coding_matrix(profiles)
    # indicative labels would make territories look alike or apart for noise
    compared = reliable_columns(matrix, profiles)
    similarity = (
        similarity_matrix(compared)
        if compared.shape[1] >= MIN_RELIABLE_COMPARED or not quality
        else pd.DataFrame(dtype=float)
    )
    paths: dict[str, Path] = {}

    paths["profiles"] = out / "profiles.parquet"
    with atomic_open(paths["profiles"], "wb") as fh:
        profiles.to_parquet(fh, index=False)
    paths["profiles_csv"] = out / "profiles.csv"
    columns = PROFILE_COLUMNS + [c for c in QUALITY_COLUMNS if c in profiles]
    write_csv_fr(profiles[columns], paths["profiles_csv"])
    paths["coding_matrix"] = out / "coding_matrix.csv"
    write_csv_fr(matrix, paths["coding_matrix"], index=True)
    paths["similarity"] = out / "similarity.csv"
    write_csv_fr(similarity, paths["similarity"], index=True)

    folder = out / "profiles"
    written: dict[str, dict[str, Any]] = {}
    for code in territory_codes(profiles):
        tsent = sentences[
            sentences["doc_sha256"].isin(
                set(documents.loc[documents["territory_code"] == code, "sha256"])
            )
        ]
        quotes = evidence_quotes(tsent, documents, labels)
        prof = territory_profile(profiles, documents, quotes, similarity, code)
        written[code] = prof
        path = folder / f"{territory_slug(code)}.json"
        write_json(path, prof)
        paths[f"profile:{code}"] = path
    keep = {p.name for k, p in paths.items() if k.startswith("profile:")}
    for stale in folder.glob("*.json") if folder.is_dir() else []:
        if stale.name not in keep:
            stale.unlink()

    if isinstance(corpus, str):  # a corpus URL: quotes link to the documents there
        link_base = corpus.rstrip("/") + "/"
    elif corpus is not None:
        link_base = os.path.relpath(Path(corpus).resolve(), out.resolve()).replace(os.sep, "/")
        link_base = "" if link_base == "." else link_base + "/"
    else:
        link_base = ""
    page = render_report(
        profiles,
        written,
        documents,
        lexicons,
        similarity,
        link_base,
        model_metrics,
        generated,
        pseudonymised=pseudonymise,
    )
    paths["report"] = out / "report.html"
    with atomic_open(paths["report"]) as fh:
        fh.write(page)
    return paths
