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

  (:data:`~nlp.results.qdpx_sources.PAGE_MARKER`,
  :data:`~nlp.results.qdpx_sources.PAGE_SEPARATOR`). A
  document whose PDF is missing from the corpus, or whose bytes no longer match the
  run's SHA-256, becomes a ``<TextSource>`` over the same text (no PDF embedded) and is
  reported.
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

This module writes the project; the XML parts are in :mod:`nlp.results.qdpx_project` and the
sources (documents, text representations, PDFs) in :mod:`nlp.results.qdpx_sources`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from nlp.ingest.corpus import corpus_location
from nlp.language.lexicon import Lexicon
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.errors import NlpError
from nlp.records.files import atomic_open
from nlp.results.qdpx_project import (
    NAMESPACE,
    coded_labels,
    guid,
    machine_user,
    project_description,
    selection_description,
    sub_element,
    write_code_book,
    write_variable_value,
    write_variables,
    xml_timestamp,
)
from nlp.results.qdpx_sources import (
    SourceDocument,
    pdf_to_embed,
    representation_text,
    source_documents,
)
from nlp.results.store import pages_path, read_pages

log = logging.getLogger(__name__)

#: Folder of the embedded files inside the ``.qdpx`` zip.
SOURCES_FOLDER = "sources"


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


def default_created(out: Path) -> datetime:
    """The run's date: modification time of ``OUT/sentences.parquet``, in UTC, to the second."""
    mtime = (Path(out) / "sentences.parquet").stat().st_mtime
    return datetime.fromtimestamp(int(mtime), UTC)


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
    stamp = xml_timestamp(when)
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
    users_el = sub_element(root, "Users")
    for version in versions:
        sub_element(users_el, "User", guid=users[version], name=machine_user(version), id="valpub")
    code_guids = write_code_book(root, by_scheme, chosen)
    variable_guids = write_variables(root)
    cases_el = sub_element(root, "Cases")
    sources_el = sub_element(root, "Sources")

    grouped = {
        key: frame.sort_values(["page", "start", "end"])
        for key, frame in sentences.groupby(["file", "doc_sha256"], sort=True)
    }
    placed: set[tuple[str, str]] = set()
    files: list[tuple[str, Path | str]] = []  # (zip name, PDF path or text)
    cases: dict[str, tuple[SourceDocument, list[str]]] = {}
    for doc in source_documents(documents):
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
        pdf, problem = pdf_to_embed(corpus, doc, fetched / source_guid)
        common = {"guid": source_guid, "name": doc.file}
        made = {"creatingUser": users[versions[0]], "creationDateTime": stamp}
        if pdf is not None:
            source = sub_element(
                sources_el, "PDFSource", **common, path=f"internal://{source_guid}.pdf", **made
            )
            files.append((f"{SOURCES_FOLDER}/{source_guid}.pdf", pdf))
            summary.pdfs_embedded += 1
            holder = source
        else:
            assert problem is not None  # pdf_to_embed gives one or the other
            log.warning("%s: PDF not embedded: %s", doc.file, problem)
            summary.pdfs_missing[doc.file] = problem
            source = sub_element(
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
        sub_element(source, "Description").text = about or doc.file
        if problem is None:
            holder = sub_element(
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
            labels = coded_labels(row, chosen)
            if not labels:
                continue
            page, start, end = int(row["page"]), int(row["start"]), int(row["end"])
            base = offsets.get(page)
            if base is None or text[base + start : base + end] != row["text"] or start > end:
                summary.sentences_skipped += 1
                continue
            user = users[str(row["model_version"])]
            selection_guid = guid("selection", source_guid, page, start, end)
            selection = sub_element(
                holder,
                "PlainTextSelection",
                guid=selection_guid,
                name=str(row["text"])[:80],
                startPosition=str(base + start),
                endPosition=str(base + end),
                creatingUser=user,
                creationDateTime=stamp,
            )
            description = selection_description(page, row, labels, names)
            sub_element(selection, "Description").text = description
            for scheme, label in labels:
                coding = sub_element(
                    selection,
                    "Coding",
                    guid=guid("coding", selection_guid, scheme, label),
                    creatingUser=user,
                    creationDateTime=stamp,
                )
                sub_element(coding, "CodeRef", targetGUID=code_guids[scheme, label])
                summary.codings_per_code[f"{scheme}:{label}"] += 1
                summary.codings += 1
            summary.selections += 1

        write_variable_value(source, variable_guids["territory_code"], doc.territory_code)
        if doc.year is not None:
            write_variable_value(source, variable_guids["year"], doc.year)
        if doc.title:
            write_variable_value(source, variable_guids["title"], doc.title)
        cases.setdefault(doc.territory_code, (doc, []))[1].append(source_guid)

    for (file, sha), frame in grouped.items():  # sentences of documents not exported
        if (file, sha) not in placed:
            summary.sentences_skipped += sum(
                bool(coded_labels(r, chosen)) for r in frame.to_dict("records")
            )

    for code, (doc, source_guids) in sorted(cases.items()):
        case_name = doc.territory_name or code
        case = sub_element(cases_el, "Case", guid=guid("case", code), name=case_name)
        write_variable_value(case, variable_guids["territory_code"], code)
        if doc.territory_type:
            write_variable_value(case, variable_guids["territory_type"], doc.territory_type)
        for source_guid in source_guids:
            sub_element(case, "SourceRef", targetGUID=source_guid)
    if not cases:
        root.remove(cases_el)
    if not len(sources_el):
        root.remove(sources_el)

    sub_element(root, "Description").text = project_description(sentences, when, chosen)
    ET.indent(root, space=" ")
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    _write_zip(target, xml, files, when)
    return summary


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
