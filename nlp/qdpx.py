"""A run's coded sentences as a REFI-QDA project (``.qdpx``) for NVivo, MAXQDA and ATLAS.ti.

Why: analysts review, recode and quote the machine's labels in their own QDA software.
The REFI-QDA Project standard (namespace ``urn:QDA-XML:project:1.0``) is the exchange
format those tools import: a zip holding ``project.qde`` (the XML project) and a
``sources/`` folder with the files the project embeds (``internal://<name>`` paths).

What goes where (everything comes from a ``valpub run`` output folder, OUT):

* ``<Users>``: the machine coder, one user per model version found in
  ``sentences.parquet`` (column ``model_version``, optional), named
  ``valpub <model version>``, or ``valpub lexicons`` when the labels come from the
  lexicons alone. Every selection and coding is created by that user.
* ``<CodeBook><Codes>``: one parent code per scheme (not codable; name and description
  of the scheme's lexicon), and under it one child code per codebook label (name =
  the label's French name, description = its definition and its id
  ``scheme:label``). The codes of a scheme share one colour.
* ``<Variables>`` and ``<Cases>``: one case per territory (``territory_code``), named
  after the territory, with the variables ``territory_code`` and ``territory_type``
  and a ``<SourceRef>`` to each of its documents. Each source carries
  ``territory_code``, ``year`` (when known) and ``title``.
* ``<Sources>``: one ``<PDFSource>`` per document with text (documents.parquet,
  ``OUT/pages/<sha256>.jsonl``), named after its path in the corpus, the PDF embedded
  as ``internal://<source guid>.pdf``. Its text ``<Representation>`` (embedded as
  ``internal://<representation guid>.txt``, UTF-8 without BOM, LF line ends) is
  the pages' clean text in page order, each page preceded by a marker line and pages
  separated by a blank line::

      [page 1]
      <text of page 1>

      [page 2]
      <text of page 2>

  (:data:`PAGE_MARKER`, :data:`PAGE_SEPARATOR`). A document whose PDF is missing
  from the corpus, or whose bytes no longer match the run's SHA-256, becomes a
  ``<TextSource>`` over the same text (no PDF embedded) and is reported.
* Coded segments: every sentence carrying at least one label (of the exported
  schemes) becomes a ``<PlainTextSelection>`` of the representation, with
  ``startPosition`` = offset of its page in the representation + ``start``, and
  ``endPosition`` likewise from ``end``: positions count Unicode code points from 0,
  the end is exclusive (``text[startPosition:endPosition]`` is the sentence). A tool
  that counts UTF-16 units would shift after a character outside the Basic
  Multilingual Plane (an emoji), which French policy documents hardly hold. The
  selection's description says the page and, per label, where it came from
  (lexicon with the matched terms, classifier with its probability). It holds one
  ``<Coding>`` (``<CodeRef>`` to the label's code) per label. Sentences without a
  label are not coded.

GUIDs are UUID 5 of stable ids (scheme and label for codes; file path and SHA-256 for
sources; source, page and offsets for selections), and every timestamp is the run's
date (the modification time of ``sentences.parquet``) unless ``created`` is given, so
exporting the same outputs twice gives the same bytes.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.corpus import corpus_location, document_url, fetch_document
from nlp.errors import FetchError, NlpError
from nlp.extract import Page, file_sha256
from nlp.lexicon import Lexicon
from nlp.store import atomic_open, pages_path, read_pages

log = logging.getLogger(__name__)

#: The REFI-QDA project namespace.
NAMESPACE = "urn:QDA-XML:project:1.0"
#: Line that starts each page in a text representation (``n`` = 1-based page number).
PAGE_MARKER = "[page {n}]\n"
#: Text between the end of a page and the marker of the next one.
PAGE_SEPARATOR = "\n\n"
#: Folder of the embedded files inside the ``.qdpx`` zip.
SOURCES_FOLDER = "sources"
#: Largest PDF fetched from a URL to be embedded (``valpub run``'s default limit).
MAX_EMBEDDED_BYTES = 200 * 2**20
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


class ExportError(NlpError):
    """The outputs folder cannot be exported (missing table, unknown scheme...)."""


@dataclass
class ExportSummary:
    """What :func:`export_qdpx` wrote, and what it had to leave out."""

    path: Path
    created: datetime
    users: list[str] = field(default_factory=list)
    sources: int = 0
    pdfs_embedded: int = 0
    #: Corpus paths of the documents exported without their PDF, with the reason.
    pdfs_missing: dict[str, str] = field(default_factory=dict)
    #: Documents left out because no page text is stored for them, with their status.
    documents_without_text: dict[str, str] = field(default_factory=dict)
    selections: int = 0
    codings: int = 0
    #: Codings per code, keyed ``scheme:label``.
    codings_per_code: Counter[str] = field(default_factory=Counter)
    #: Labelled sentences that could not be placed in their document's text.
    sentences_skipped: int = 0


@dataclass(frozen=True)
class _Document:
    file: str
    sha256: str
    territory_code: str
    territory_name: str
    territory_type: str
    title: str
    year: int | None
    status: str


def guid(kind: str, *parts: object) -> str:
    """Return the stable GUID (upper-case UUID 5) of an object of ``kind`` with ``parts``."""
    key = "\x1f".join([kind, *(str(p) for p in parts)])
    return str(uuid.uuid5(GUID_NAMESPACE, key)).upper()


def representation_text(pages: Iterable[Page]) -> tuple[str, dict[int, int]]:
    """Join a document's pages into its text representation.

    Returns:
        The text, and for each page number the offset where that page's text starts
        in it (after its :data:`PAGE_MARKER` line).
    """
    parts: list[str] = []
    offsets: dict[int, int] = {}
    length = 0
    for n, page in enumerate(sorted(pages, key=lambda p: p.page)):
        head = (PAGE_SEPARATOR if n else "") + PAGE_MARKER.format(n=page.page)
        offsets[page.page] = length + len(head)
        parts += [head, page.text]
        length += len(head) + len(page.text)
    return "".join(parts), offsets


def machine_user(model_version: str) -> str:
    """Name the machine coder: ``valpub <model version>``, or ``valpub lexicons``."""
    return f"valpub {model_version or 'lexicons'}"


def default_created(out: Path) -> datetime:
    """The run's date: modification time of ``OUT/sentences.parquet``, in UTC, to the second."""
    mtime = (Path(out) / "sentences.parquet").stat().st_mtime
    return datetime.fromtimestamp(int(mtime), UTC)


def _timestamp(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    # Tags stay unqualified: the root declares the REFI namespace as the default one
    # (``xmlns``), which they inherit in the written XML.
    return ET.SubElement(parent, tag, attrs)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _year(value: Any) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def _json(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _read_tables(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    sentences_file = out / "sentences.parquet"
    documents_file = out / "documents.parquet"
    if not sentences_file.is_file():
        raise ExportError(f"{sentences_file} does not exist: run `valpub run` first")
    if not documents_file.is_file():
        raise ExportError(f"{documents_file} does not exist: run `valpub run` first")
    sentences = pd.read_parquet(sentences_file)
    documents = pd.read_parquet(documents_file)
    missing = {"file", "doc_sha256", "page", "start", "end", "text"} - set(sentences.columns)
    if missing:
        raise ExportError(f"{sentences_file} lacks the columns {sorted(missing)}")
    return sentences, documents


def _documents(documents: pd.DataFrame) -> list[_Document]:
    rows = []
    for r in documents.to_dict("records"):
        rows.append(
            _Document(
                file=_text(r.get("file")),
                sha256=_text(r.get("sha256")),
                territory_code=_text(r.get("territory_code")) or "unknown",
                territory_name=_text(r.get("territory_name")),
                territory_type=_text(r.get("territory_type")),
                title=_text(r.get("title")),
                year=_year(r.get("year")),
                status=_text(r.get("status")),
            )
        )
    return sorted(rows, key=lambda d: d.file)


def _pdf_to_embed(
    corpus: Path | str, doc: _Document, folder: Path
) -> tuple[Path, None] | tuple[None, str]:
    """The document's PDF as a local file, or why it cannot be embedded.

    A PDF named by URL (a corpus URL, or a manifest ``file`` that is a URL) is fetched
    into ``folder``. Either way its bytes must still be those the run read.
    """
    url = document_url(corpus, doc.file)
    if url:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            path = fetch_document(url, folder, MAX_EMBEDDED_BYTES)
        except FetchError as exc:
            return None, str(exc)
        where = url
    else:
        path = Path(corpus) / doc.file
        if not path.is_file():
            return None, f"not found in the corpus ({path})"
        where = str(path)
    if doc.sha256 and file_sha256(path) != doc.sha256:
        return None, f"{where} changed since the run (SHA-256 differs)"
    return path, None


def _code_book(
    root: ET.Element, lexicons: Mapping[str, Lexicon], schemes: Sequence[str]
) -> dict[tuple[str, str], str]:
    """Write ``<CodeBook>``; return the GUID of each (scheme, label) code."""
    codes = _sub(_sub(root, "CodeBook"), "Codes")
    guids: dict[tuple[str, str], str] = {}
    for scheme in schemes:
        lexicon = lexicons.get(scheme)
        colour = SCHEME_COLOURS.get(scheme, "#808080")
        parent = _sub(
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
        _sub(parent, "Description").text = about
        labels = {label.id: label for label in lexicon.labels} if lexicon else {}
        for label_id in CODEBOOK_LABELS[scheme]:
            label = labels.get(label_id)
            code_guid = guid("code", scheme, label_id)
            guids[scheme, label_id] = code_guid
            child = _sub(
                parent,
                "Code",
                guid=code_guid,
                name=label.name if label else label_id,
                isCodable="true",
                color=colour,
            )
            definition = f"{label.definition}\n" if label else ""
            _sub(child, "Description").text = f"{definition}Identifiant : {scheme}:{label_id}"
    return guids


def _variables(root: ET.Element) -> dict[str, str]:
    holder = _sub(root, "Variables")
    guids = {}
    for name, (kind, description) in _VARIABLES.items():
        guids[name] = guid("variable", name)
        variable = _sub(holder, "Variable", guid=guids[name], name=name, typeOfVariable=kind)
        _sub(variable, "Description").text = description
    return guids


def _value(parent: ET.Element, variable_guid: str, value: str | int) -> None:
    holder = _sub(parent, "VariableValue")
    _sub(holder, "VariableRef", targetGUID=variable_guid)
    if isinstance(value, int):
        _sub(holder, "IntegerValue").text = str(value)
    else:
        _sub(holder, "TextValue").text = value


def _selection_description(
    page: int, row: Mapping[str, Any], labels: Sequence[tuple[str, str]], names: dict[str, str]
) -> str:
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


def _labels(row: Mapping[str, Any], schemes: Sequence[str]) -> list[tuple[str, str]]:
    found = []
    for scheme in schemes:
        value = row.get(scheme)
        present = {str(v) for v in value} if value is not None else set()
        found += [(scheme, label) for label in CODEBOOK_LABELS[scheme] if label in present]
    return found


def export_qdpx(
    out: Path,
    corpus: Path | str,
    target: Path,
    *,
    lexicons: Sequence[Lexicon] = (),
    schemes: Sequence[str] | None = None,
    created: datetime | None = None,
    project_name: str | None = None,
) -> ExportSummary:
    """Write the coded sentences of the run in ``out`` as a REFI-QDA project at ``target``.

    Args:
        out: Output folder of a ``valpub run`` (sentences.parquet, documents.parquet,
            pages/).
        corpus: The corpus folder of that run, where the PDFs to embed are, or its URL
            (each PDF is then fetched, checked against the run's SHA-256 and embedded).
        target: The ``.qdpx`` file to write (atomically: an old file stays whole until
            the new one is complete).
        lexicons: The lexicons, for code names and descriptions (codes fall back on
            their ids without them).
        schemes: Only export these schemes' codes and codings (default: all).
        created: Date of every object in the project (default: the run's date, see
            :func:`default_created`).
        project_name: Name of the project (default: ``valpub <date>``).

    Returns:
        What was written, and the documents and sentences left out.

    Raises:
        ExportError: a table is missing, or a scheme is unknown.
    """
    with tempfile.TemporaryDirectory(prefix="valpub-qdpx-") as fetched:
        return _export_qdpx(
            out,
            corpus,
            target,
            Path(fetched),
            lexicons=lexicons,
            schemes=schemes,
            created=created,
            project_name=project_name,
        )


def _export_qdpx(
    out: Path,
    corpus: Path | str,
    target: Path,
    fetched: Path,
    *,
    lexicons: Sequence[Lexicon],
    schemes: Sequence[str] | None,
    created: datetime | None,
    project_name: str | None,
) -> ExportSummary:
    """:func:`export_qdpx`, with ``fetched`` the folder for PDFs read from URLs."""
    out, corpus, target = Path(out), corpus_location(corpus), Path(target)
    chosen = list(SCHEMES if not schemes else dict.fromkeys(schemes))
    unknown = [s for s in chosen if s not in CODEBOOK_LABELS]
    if unknown:
        raise ExportError(f"unknown scheme(s) {unknown}; known: {', '.join(SCHEMES)}")
    sentences, documents = _read_tables(out)
    when = created or default_created(out)
    stamp = _timestamp(when)
    summary = ExportSummary(path=target, created=when)
    by_scheme = {lexicon.scheme: lexicon for lexicon in lexicons}
    names = {
        f"{lexicon.scheme}:{label.id}": label.name
        for lexicon in lexicons
        for label in lexicon.labels
    }

    if "model_version" not in sentences.columns:
        sentences = sentences.assign(model_version="")
    sentences = sentences.assign(model_version=sentences["model_version"].fillna("").astype(str))
    versions = sorted(set(sentences["model_version"]), key=lambda v: (v != "", v)) or [""]
    users = {v: guid("user", machine_user(v)) for v in versions}
    summary.users = [machine_user(v) for v in versions]

    root = ET.Element(
        "Project",
        {
            "xmlns": NAMESPACE,
            "name": project_name or f"valpub {when:%Y-%m-%d}",
            "origin": "valpub",
            "creatingUserGUID": users[versions[0]],
            "creationDateTime": stamp,
        },
    )
    users_el = _sub(root, "Users")
    for version in versions:
        _sub(users_el, "User", guid=users[version], name=machine_user(version), id="valpub")
    code_guids = _code_book(root, by_scheme, chosen)
    variable_guids = _variables(root)
    cases_el = _sub(root, "Cases")
    sources_el = _sub(root, "Sources")

    grouped = {
        key: frame.sort_values(["page", "start", "end"])
        for key, frame in sentences.groupby(["file", "doc_sha256"], sort=True)
    }
    placed: set[tuple[str, str]] = set()
    files: list[tuple[str, Path | str]] = []  # (zip name, PDF path or text)
    cases: dict[str, tuple[_Document, list[str]]] = {}
    for doc in _documents(documents):
        page_file = pages_path(out, doc.sha256)
        if not doc.sha256 or not page_file.is_file():
            summary.documents_without_text[doc.file] = doc.status
            continue
        text, offsets = representation_text(read_pages(page_file))
        if not text.strip():
            summary.documents_without_text[doc.file] = doc.status
            continue
        source_guid = guid("source", doc.file, doc.sha256)
        text_guid = guid("representation", doc.file, doc.sha256)
        pdf, problem = _pdf_to_embed(corpus, doc, fetched / source_guid)
        common = {"guid": source_guid, "name": doc.file}
        made = {"creatingUser": users[versions[0]], "creationDateTime": stamp}
        if pdf is not None:
            source = _sub(
                sources_el, "PDFSource", **common, path=f"internal://{source_guid}.pdf", **made
            )
            files.append((f"{SOURCES_FOLDER}/{source_guid}.pdf", pdf))
            summary.pdfs_embedded += 1
            holder = source
        else:
            assert problem is not None  # _pdf_to_embed gives one or the other
            log.warning("%s: PDF not embedded: %s", doc.file, problem)
            summary.pdfs_missing[doc.file] = problem
            source = _sub(
                sources_el,
                "TextSource",
                **common,
                plainTextPath=f"internal://{text_guid}.txt",
                **made,
            )
            holder = source
        about = ", ".join(
            x for x in (doc.title, doc.territory_name, str(doc.year or ""), doc.status) if x
        )
        _sub(source, "Description").text = about or doc.file
        if problem is None:
            holder = _sub(
                source,
                "Representation",
                guid=text_guid,
                name=f"{doc.file} (texte)",
                plainTextPath=f"internal://{text_guid}.txt",
                **made,
            )
        files.append((f"{SOURCES_FOLDER}/{text_guid}.txt", text))
        summary.sources += 1

        frame = grouped.get((doc.file, doc.sha256))
        placed.add((doc.file, doc.sha256))
        for row in [] if frame is None else frame.to_dict("records"):
            labels = _labels(row, chosen)
            if not labels:
                continue
            page, start, end = int(row["page"]), int(row["start"]), int(row["end"])
            base = offsets.get(page)
            if base is None or text[base + start : base + end] != row["text"] or start > end:
                summary.sentences_skipped += 1
                continue
            user = users[str(row["model_version"])]
            selection_guid = guid("selection", source_guid, page, start, end)
            selection = _sub(
                holder,
                "PlainTextSelection",
                guid=selection_guid,
                name=str(row["text"])[:80],
                startPosition=str(base + start),
                endPosition=str(base + end),
                creatingUser=user,
                creationDateTime=stamp,
            )
            _sub(selection, "Description").text = _selection_description(page, row, labels, names)
            for scheme, label in labels:
                coding = _sub(
                    selection,
                    "Coding",
                    guid=guid("coding", selection_guid, scheme, label),
                    creatingUser=user,
                    creationDateTime=stamp,
                )
                _sub(coding, "CodeRef", targetGUID=code_guids[scheme, label])
                summary.codings_per_code[f"{scheme}:{label}"] += 1
                summary.codings += 1
            summary.selections += 1

        _value(source, variable_guids["territory_code"], doc.territory_code)
        if doc.year is not None:
            _value(source, variable_guids["year"], doc.year)
        if doc.title:
            _value(source, variable_guids["title"], doc.title)
        cases.setdefault(doc.territory_code, (doc, []))[1].append(source_guid)

    for (file, sha), frame in grouped.items():  # sentences of documents not exported
        if (file, sha) not in placed:
            summary.sentences_skipped += sum(
                bool(_labels(r, chosen)) for r in frame.to_dict("records")
            )

    for code, (doc, source_guids) in sorted(cases.items()):
        case = _sub(cases_el, "Case", guid=guid("case", code), name=doc.territory_name or code)
        _value(case, variable_guids["territory_code"], code)
        if doc.territory_type:
            _value(case, variable_guids["territory_type"], doc.territory_type)
        for source_guid in source_guids:
            _sub(case, "SourceRef", targetGUID=source_guid)
    if not cases:
        root.remove(cases_el)
    if not len(sources_el):
        root.remove(sources_el)

    _sub(root, "Description").text = _project_description(sentences, when, chosen)
    ET.indent(root, space=" ")
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    _write_zip(target, xml, files, when)
    return summary


def _project_description(sentences: pd.DataFrame, when: datetime, schemes: Sequence[str]) -> str:
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


def _write_zip(
    target: Path, xml: bytes, files: Sequence[tuple[str, Path | str]], when: datetime
) -> None:
    """Write the ``.qdpx`` zip with fixed entry dates, so equal inputs give equal bytes."""
    stamp = when.astimezone(UTC).timetuple()[:6]
    date_time = (max(1980, stamp[0]), *stamp[1:])

    def info(name: str) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=date_time)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        return entry

    with atomic_open(target, "wb") as fh, zipfile.ZipFile(fh, "w") as archive:
        archive.writestr(info("project.qde"), xml)
        for name, content in sorted(files, key=lambda f: f[0]):
            if isinstance(content, Path):
                with content.open("rb") as src, archive.open(info(name), "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            else:
                archive.writestr(info(name), content.encode("utf-8"))
