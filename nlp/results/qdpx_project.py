"""The XML of a REFI-QDA project: GUIDs, machine users, code book, variables, descriptions.

The elements :func:`nlp.results.qdpx.export_qdpx` writes into ``project.qde`` besides the
sources: stable GUIDs (UUID 5 of stable ids, so exporting the same outputs twice gives
the same bytes), the machine coder's user name, the ``<CodeBook>`` (one parent code per
scheme, one child code per codebook label, a colour per scheme), the ``<Variables>``
and their values, which labels of a sentence are coded, and the French descriptions of
a coded selection and of the project.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from nlp.language.lexicon import Lexicon
from nlp.records.codebook import CODEBOOK_LABELS

#: The REFI-QDA project namespace.
NAMESPACE = "urn:QDA-XML:project:1.0"
#: Namespace of every GUID this module derives (a fixed, random UUID: never change it,
#: or exports stop being comparable with earlier ones).
GUID_NAMESPACE = uuid.UUID("6f1c2d4e-8b3a-4f5e-9c7d-2a1b0e9f8d31")
#: One colour per scheme (ColorBrewer "Dark2"), shared by its codes.
SCHEME_COLOURS = {
    "public_value": "#1B9E77",
    "coproduction": "#D95F02",
    "governance": "#7570B3",
    "pillar": "#E7298A",
    "helix": "#66A61E",
    "obstacle": "#E6AB02",
}
_SOURCE_WORDS = {
    "lexicon": "lexique",
    "classifier": "classifieur",
    "both": "lexique et classifieur",
}
_VARIABLES = {  # name: (type, description)
    "territory_code": ("Text", "Code du territoire (SIREN ou code INSEE, ou nom du dossier)."),
    "territory_type": ("Text", "Type de collectivité : commune, epci, département, syndicat…"),
    "year": ("Integer", "Année du document, quand le manifeste du corpus la donne."),
    "title": ("Text", "Titre du document, tel que le manifeste du corpus le donne."),
}


def guid(kind: str, *parts: object) -> str:
    """Return the stable GUID (upper-case UUID 5) of an object of ``kind`` with ``parts``."""
    key = "\x1f".join([kind, *(str(p) for p in parts)])
    return str(uuid.uuid5(GUID_NAMESPACE, key)).upper()


def machine_user(model_version: str) -> str:
    """Name the machine coder: ``valpub <model version>``, or ``valpub lexicons``."""
    return f"valpub {model_version or 'lexicons'}"


def xml_timestamp(when: datetime) -> str:
    """``when`` as the UTC date-time REFI-QDA attributes hold (``2025-03-14T09:30:00Z``)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def sub_element(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    """Append a ``tag`` element with ``attrs`` to ``parent`` and return it."""
    # Tags stay unqualified: the root declares the REFI namespace as the default one
    # (``xmlns``), which they inherit in the written XML.
    return ET.SubElement(parent, tag, attrs)


def _json(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def write_code_book(
    root: ET.Element, lexicons: Mapping[str, Lexicon], schemes: Sequence[str]
) -> dict[tuple[str, str], str]:
    """Write ``<CodeBook>``; return the GUID of each (scheme, label) code."""
    codes = sub_element(sub_element(root, "CodeBook"), "Codes")
    guids: dict[tuple[str, str], str] = {}
    for scheme in schemes:
        lexicon = lexicons.get(scheme)
        colour = SCHEME_COLOURS.get(scheme, "#808080")
        parent = sub_element(
            codes,
            "Code",
            guid=guid("code", scheme),
            name=lexicon.name if lexicon else scheme,
            isCodable="false",
            color=colour,
        )
        about = f"Schéma « {scheme} » de valpub"
        if lexicon:
            about = f"{lexicon.description}\n{about}, lexique version {lexicon.version}."
        sub_element(parent, "Description").text = about
        labels = {label.id: label for label in lexicon.labels} if lexicon else {}
        for label_id in CODEBOOK_LABELS[scheme]:
            label = labels.get(label_id)
            code_guid = guid("code", scheme, label_id)
            guids[scheme, label_id] = code_guid
            child = sub_element(
                parent,
                "Code",
                guid=code_guid,
                name=label.name if label else label_id,
                isCodable="true",
                color=colour,
            )
            definition = f"{label.definition}\n" if label else ""
            identifier = f"Identifiant : {scheme}:{label_id}"
            sub_element(child, "Description").text = f"{definition}{identifier}"
    return guids


def write_variables(root: ET.Element) -> dict[str, str]:
    """Write ``<Variables>``; return the GUID of each variable by name."""
    holder = sub_element(root, "Variables")
    guids = {}
    for name, (kind, description) in _VARIABLES.items():
        guids[name] = guid("variable", name)
        variable = sub_element(holder, "Variable", guid=guids[name], name=name, typeOfVariable=kind)
        sub_element(variable, "Description").text = description
    return guids


def write_variable_value(parent: ET.Element, variable_guid: str, value: str | int) -> None:
    """Give ``parent`` (a source or a case) the value of a variable."""
    holder = sub_element(parent, "VariableValue")
    sub_element(holder, "VariableRef", targetGUID=variable_guid)
    if isinstance(value, int):
        sub_element(holder, "IntegerValue").text = str(value)
    else:
        sub_element(holder, "TextValue").text = value


def selection_description(
    page: int, row: Mapping[str, Any], labels: Sequence[tuple[str, str]], names: dict[str, str]
) -> str:
    """What a coded selection's description says: its page and where each label came from."""
    sources = _json(row.get("sources"))
    scores = _json(row.get("scores"))
    evidence = _json(row.get("evidence"))
    parts = []
    for scheme, label in labels:
        origin = (
            sources.get(scheme, {}).get(label) if isinstance(sources.get(scheme), dict) else None
        )
        # Outputs older than the classifier have no ``sources``: their labels are the lexicons'.
        detail = _SOURCE_WORDS.get(str(origin), "valpub" if "sources" in row else "lexique")
        hits = (
            evidence.get(scheme, {}).get(label, [])
            if isinstance(evidence.get(scheme), dict)
            else []
        )
        terms = sorted({str(hit[1]) for hit in hits if isinstance(hit, list) and len(hit) > 1})
        if terms:
            detail += " (" + ", ".join(f"« {t} »" for t in terms) + ")"
        score = scores.get(scheme, {}).get(label) if isinstance(scores.get(scheme), dict) else None
        if origin in {"classifier", "both"} and isinstance(score, int | float):
            detail += f", p = {score:.2f}".replace(".", ",")
        name = names.get(f"{scheme}:{label}", label)
        parts.append(f"{name} [{scheme}:{label}] : {detail.strip()}")
    return f"Page {page}. " + " ; ".join(parts) + "."


def coded_labels(row: Mapping[str, Any], schemes: Sequence[str]) -> list[tuple[str, str]]:
    """The ``(scheme, label)`` pairs of a sentence row to code, in codebook order."""
    found = []
    for scheme in schemes:
        value = row.get(scheme)
        present = {str(v) for v in value} if value is not None else set()
        found += [(scheme, label) for label in CODEBOOK_LABELS[scheme] if label in present]
    return found


def project_description(sentences: pd.DataFrame, when: datetime, schemes: Sequence[str]) -> str:
    """The project's French description: run date, schemes, lexicon and model versions."""
    lexicon_versions: dict[str, str] = {}
    if "lexicon_versions" in sentences.columns and len(sentences):
        lexicon_versions = {
            str(k): str(v) for k, v in _json(sentences["lexicon_versions"].iloc[0]).items()
        }
    lexicons = ", ".join(f"{s} {lexicon_versions[s]}" for s in schemes if s in lexicon_versions)
    models = sorted({v for v in sentences["model_version"] if v})
    return (
        f"Phrases codées par valpub (run du {when:%Y-%m-%d}). Schémas : {', '.join(schemes)}. "
        f"Lexiques : {lexicons or 'inconnus'}. "
        f"Modèle : {', '.join(models) or 'aucun (lexiques seuls)'}. "
        "Chaque document a une représentation texte : ses pages dans l'ordre, chacune précédée "
        "d'une ligne « [page N] » et séparées par une ligne vide ; chaque segment codé est une "
        "phrase de cette représentation."
    )
