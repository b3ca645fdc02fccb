"""The report's charts, drawn as inline SVG: heatmap, radar and bars.

Each chart is a string of SVG that needs no script or download to show, and each drawn
figure carries its exact value in ``data-value`` (with ``data-territory`` and
``data-label``) so that tests can check what is shown against the profiles. The review
app draws a territory's radar and bars with the same functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from nlp.results.profile import LabelInfo
from nlp.results.report_format import data_value, esc, fr_number, html_attrs, shade

_RADAR_R = 110.0

#: Territory names longer than this are shortened in the heatmap (full name on hover).
ROW_NAME_CHARS = 30


def _figure_attrs(code: str, rec: Mapping[str, Any]) -> str:
    """The data attributes of one label's drawn figure: territory, label, exact value."""
    return html_attrs(
        data_territory=code,
        data_label=f"{rec['scheme']}:{rec['label']}",
        data_value=data_value(rec["per_1000"]),
    )


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
            f'font-size="11"{style}>{esc(info.name)}{suffix}</text>'
        )
    for i, code in enumerate(codes):
        y = top + i * cell_h
        name = names.get(code, code)
        short = name if len(name) <= ROW_NAME_CHARS else name[: ROW_NAME_CHARS - 1] + "…"
        parts.append(
            f'<text class="row" x="{left - 6}" y="{y + cell_h * 0.68:.1f}" text-anchor="end" '
            f'font-size="12"><title>{esc(name)}</title>{esc(short)}</text>'
        )
        for j, info in enumerate(labels):
            v = float(values.get((code, info.scheme, info.id), float("nan")))
            peak = scheme_max.get(info.scheme, 0.0) or 1.0
            sure = (info.scheme, info.id) in reliable
            fill = "#eeeeee" if math.isnan(v) else (shade(v / peak) if sure else _grey(v / peak))
            attrs = html_attrs(
                data_territory=code,
                data_label=f"{info.scheme}:{info.id}",
                data_value=data_value(v),
                data_reliable="1" if sure else "0",
            )
            parts.append(
                f'<rect class="cell" x="{left + j * cell_w}" y="{y}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{fill}" {attrs}><title>'
                f"{esc(names.get(code, code))} — {esc(info.name)} : {fr_number(v)} ‰</title></rect>"
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
        f'aria-label="Radar des types de valeur publique" {html_attrs(data_territory=code)}>'
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
            f"{esc(rec['label_name'])}</text>"
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
        f'stroke-width="2" {html_attrs(data_territory=code, data_values=values)}/>'
    )
    for k, rec in enumerate(recs):
        x, y = point(k, _RADAR_R * min(float(rec["per_1000"]) / scale, 1.0))
        attrs = _figure_attrs(code, rec)
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#084594" {attrs}>'
            f"<title>{esc(rec['label_name'])} : {fr_number(rec['per_1000'])} ‰</title></circle>"
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
        attrs = _figure_attrs(code, rec)
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{esc(rec['label_name'])}</text>"
            f'<rect class="bar" x="{left}" y="{y + 2}" width="{max(w, 1.0):.1f}" '
            f'height="{bar_h - 6}" fill="#2171b5" {attrs}><title>{esc(rec["label_name"])} : '
            f"{fr_number(rec['per_1000'])} ‰</title></rect>"
            f'<text x="{left + max(w, 1.0) + 4:.1f}" y="{y + 14}" font-size="11">'
            f"{fr_number(rec['per_1000'])} ‰</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
