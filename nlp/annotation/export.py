"""The files analysts label: Label Studio tasks and labeling config, and a CSV sheet.

Each selected sentence (from :func:`nlp.annotation.active.select_for_annotation`) becomes a Label
Studio task carrying its context, provenance and the run's labels as predictions, or a
row of a semicolon-separated sheet for a French spreadsheet, prefilled with those
labels; :func:`label_config` is the labeling interface of the Label Studio project.
Formats are documented in ``docs/annotations.md``; :mod:`nlp.annotation.importing` reads
the returned files.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import quoteattr

import pandas as pd

from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.spreadsheet import safe_cell

#: Separator of labels inside a CSV cell.
LABEL_SEPARATOR = "|"
#: Columns of the CSV sheet before the scheme columns.
CSV_COLUMNS = ("key", "file", "page", "start", "end", "doc_sha256", "text")
#: ``model_version`` written in Label Studio predictions made by the lexicons alone.
LEXICON_MODEL_VERSION = "lexicons"


def _labels(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [str(v) for v in value]


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def label_studio_tasks(selected: pd.DataFrame) -> list[dict[str, Any]]:
    """Label Studio tasks (JSON import format), one per selected sentence.

    ``data`` holds the sentence with its context and provenance; ``predictions`` holds
    the run's labels, one ``choices`` result per scheme (``from_name`` = scheme,
    ``to_name`` = ``text``), with the model version that made them and a ``score`` of
    ``1 - uncertainty`` (sorting tasks by prediction score in Label Studio brings the
    most uncertain first).
    """
    tasks = []
    for row in selected.to_dict("records"):
        version = str(row.get("model_version") or "") or LEXICON_MODEL_VERSION
        data = {
            "key": str(row["key"]),
            "text": str(row["text"]),
            "previous": str(row.get("previous") or ""),
            "next": str(row.get("next") or ""),
            "file": str(row["file"]),
            "page": _int(row["page"]),
            "doc_sha256": str(row["doc_sha256"]),
            "start": _int(row["start"]),
            "end": _int(row["end"]),
        }
        result = [
            {
                "id": f"{scheme}-prediction",
                "from_name": scheme,
                "to_name": "text",
                "type": "choices",
                "value": {"choices": _labels(row.get(scheme))},
            }
            for scheme in SCHEMES
        ]
        score = 1.0 - float(row.get("uncertainty") or 0.0)
        tasks.append(
            {
                "data": data,
                "predictions": [
                    {"model_version": version, "score": round(score, 4), "result": result}
                ],
            }
        )
    return tasks


def label_config(label_names: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The Label Studio labeling config: the sentence, its context, one choice set per scheme.

    Args:
        label_names: optional French names per scheme and label, shown as hints.
    """
    names = label_names or {}
    lines = [
        "<View>",
        '  <Header value="$file, page $page"/>',
        '  <View style="color: #666"><Text name="previous" value="$previous"/></View>',
        '  <View style="font-weight: bold"><Text name="text" value="$text"/></View>',
        '  <View style="color: #666"><Text name="next" value="$next"/></View>',
    ]
    for scheme in SCHEMES:
        lines.append(f'  <Header value={quoteattr(scheme)} size="5"/>')
        lines.append(
            f'  <Choices name={quoteattr(scheme)} toName="text" choice="multiple" '
            'showInline="true">'
        )
        for label in CODEBOOK_LABELS[scheme]:
            hint = names.get(scheme, {}).get(label)
            extra = f" hint={quoteattr(hint)}" if hint else ""
            lines.append(f"    <Choice value={quoteattr(label)}{extra}/>")
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def csv_sheet(selected: pd.DataFrame) -> str:
    """The CSV sheet of the selected sentences, prefilled with the run's labels.

    Columns: ``key, file, page, start, end, doc_sha256, text``, one per scheme (labels
    joined by ``|``) and ``annotator`` (empty). Semicolon-separated, for a French
    spreadsheet; write it as UTF-8 with a BOM.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, *SCHEMES, "annotator"])
    for row in selected.to_dict("records"):
        writer.writerow(
            safe_cell(cell)
            for cell in [
                row["key"],
                row["file"],
                _int(row["page"]),
                _int(row["start"]),
                _int(row["end"]),
                row["doc_sha256"],
                row["text"],
                *(LABEL_SEPARATOR.join(_labels(row.get(s))) for s in SCHEMES),
                "",
            ]
        )
    return buffer.getvalue()
