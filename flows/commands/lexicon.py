"""``valpub lexicon ...``: tools for the analysts who curate the lexicons.

* ``check``: validate every lexicon file; list duplicate cues and cues shared by two
  labels.
* ``stats --corpus DIR``: hits per entry and per label over a folder of PDFs, the share
  of sentences tagged per scheme, the entries that never fire.
* ``kwic TERM --corpus DIR``: keyword-in-context lines with document and page.

The corpus commands extract the PDFs with ``nlp.extract.process.Extractor`` (a time limit per
document), or reuse the pages a ``valpub run`` stored under ``--pages OUT``. They skip
the documents a corpus README lists under "Evaluation only": lexicons must not be tuned
on them (``--include-evaluation`` to override).
"""

from __future__ import annotations

import fnmatch
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.commands.options import OptionGroup, with_option_groups
from flows.defaults import DEFAULT_LEXICONS
from flows.tagging import lemma_memo
from nlp.extract.document import Page
from nlp.ingest.evaluation import evaluation_only, is_evaluation_only
from nlp.records.errors import LexiconError

if TYPE_CHECKING:  # spaCy is imported only by the commands that need it
    from spacy.language import Language

    from nlp.language.lexicon_match import LexiconMatcher, Tags
    from nlp.language.segment import Sentence

app = typer.Typer(no_args_is_help=True, add_completion=False)


LEXICONS_OPTION = typer.Option("--lexicons", help="Folder of lexicon YAML files.")
LexiconsOption = Annotated[Path, LEXICONS_OPTION]


@dataclass(frozen=True)
class CorpusReading:
    """What ``stats`` and ``kwic`` read: a corpus's PDFs and the lexicons to tag them with.

    The two commands take it as one group of options (:data:`CorpusReadingOptions`).
    ``pages`` is the output folder of a ``valpub run`` whose stored pages are reused;
    ``exclude`` holds globs of PDF names to skip; ``include_evaluation`` also reads the
    documents the corpus README keeps for evaluation only.
    """

    corpus: Path
    lexicons: Path = DEFAULT_LEXICONS
    pages: Path | None = None
    exclude: list[str] | None = None
    include_evaluation: bool = False

    def files(self) -> list[Path]:
        """The PDFs to read (:func:`corpus_files` with these options)."""
        return corpus_files(self.corpus, self.exclude or [], self.include_evaluation)


CorpusReadingOptions = Annotated[
    CorpusReading,
    OptionGroup(
        corpus=typer.Option("--corpus", help="Folder of PDFs (searched recursively).", exists=True),
        lexicons=LEXICONS_OPTION,
        pages=typer.Option(
            "--pages", help="Output folder of a `valpub run` whose stored pages to reuse."
        ),
        exclude=typer.Option(
            "--exclude", help="Skip PDFs whose name matches this glob (repeatable)."
        ),
        include_evaluation=typer.Option(
            "--include-evaluation/--skip-evaluation",
            help="Also read the documents the corpus README keeps for evaluation only.",
        ),
    ),
]


def _echo_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Print rows as a plain, left-aligned text table (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(_is_number(row[i]) for row in cells[1:]) and len(cells) > 1 for i in range(len(headers))
    ]
    for n, row in enumerate(cells):
        parts = [
            c.rjust(widths[i]) if numeric[i] else c.ljust(widths[i]) for i, c in enumerate(row)
        ]
        typer.echo("  ".join(parts).rstrip())
        if n == 0:
            typer.echo("  ".join("-" * w for w in widths))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(?:\.\d+)?%?", text) is not None


# --------------------------------------------------------------------------- corpus


def corpus_files(corpus: Path, exclude: Sequence[str], include_evaluation: bool) -> list[Path]:
    """PDFs below ``corpus``, sorted, without the excluded and evaluation-only ones."""
    reserved = set() if include_evaluation else evaluation_only(corpus)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
    return [
        p
        for p in files
        if not any(fnmatch.fnmatch(p.name, g) for g in exclude)
        and not is_evaluation_only(p.relative_to(corpus).as_posix(), reserved)
    ]


def iter_corpus_pages(
    files: Sequence[Path], pages_dir: Path | None = None, timeout: float = 300.0
) -> Iterator[tuple[Path, Page]]:
    """Yield ``(file, page)`` for every page with text, extracting as needed.

    Pages stored by a previous ``valpub run`` under ``pages_dir`` are reused when the
    store holds them for the current extractor version.
    """
    from nlp.extract.document import precheck
    from nlp.extract.process import Extractor
    from nlp.results.store import cached_report, pages_path, read_pages

    with Extractor(timeout=timeout) as extractor:
        for path in files:
            report = precheck(path)
            if report.status != "ok":
                typer.secho(f"skipped {path.name}: {report.status}", err=True)
                continue
            if pages_dir is not None and cached_report(pages_dir, report.sha256) is not None:
                stored = pages_path(pages_dir, report.sha256)
                pages = list(read_pages(stored)) if stored.is_file() else []
            else:
                pages = []
                report = extractor.extract(path, pages.append, checked=report)
                if report.status not in ("ok", "needs_ocr", "ocr"):
                    typer.secho(f"skipped {path.name}: {report.status}", err=True)
            for page in pages:
                if page.text.strip() and not page.needs_ocr:
                    yield path, page


# --------------------------------------------------------------------------- stats


@dataclass
class HitStats:
    """Counts of a tagging run over a corpus."""

    sentences: int = 0
    seconds: float = 0.0
    tagged: Counter[str] = field(default_factory=Counter)  # scheme -> sentences with a label
    labels: Counter[tuple[str, str]] = field(default_factory=Counter)  # sentences per label
    entries: Counter[tuple[str, str]] = field(default_factory=Counter)  # hits per entry

    def share(self, scheme: str) -> float:
        """Percentage of sentences with at least one label of ``scheme``."""
        return 100.0 * self.tagged[scheme] / self.sentences if self.sentences else 0.0


def collect_stats(sentences: Iterable[tuple[Sentence, Tags]]) -> HitStats:
    """Aggregate ``(sentence, tags)`` pairs; time spent in the iterator is recorded."""
    stats = HitStats()
    iterator = iter(sentences)
    start = time.perf_counter()
    for _sentence, tags in iterator:
        stats.sentences += 1
        for scheme, labels in tags.items():
            if labels:
                stats.tagged[scheme] += 1
            for label, evidences in labels.items():
                stats.labels[(scheme, label)] += 1
                for evidence in evidences:
                    stats.entries[(scheme, evidence.entry_id)] += 1
    stats.seconds = time.perf_counter() - start
    return stats


def _load(lexicons: Path) -> tuple[Language, LexiconMatcher]:
    """Load the pipeline and compile the lexicons; exit 2 with a message if invalid."""
    from nlp.language.lexicon import load_lexicons
    from nlp.language.lexicon_match import LexiconMatcher
    from nlp.language.segment import load_pipeline

    try:
        lexs = load_lexicons(lexicons)
    except LexiconError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    nlp = load_pipeline()
    return nlp, LexiconMatcher(nlp, lexs, lemma_memo())


@app.command()
def check(
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
    strict: Annotated[
        bool, typer.Option(help="Also fail on a cue shared by two labels of one scheme.")
    ] = False,
) -> None:
    """Validate the lexicon files; list duplicate cues and cues shared by two labels.

    Exit code 1 when a file is invalid or two entries of one label carry the same cue
    (with --strict, also when two labels of one scheme share a cue).

    Example: valpub lexicon check --lexicons lexicons
    """
    from nlp.language.lexicon import load_lexicon
    from nlp.language.lexicon_curation import MIN_ENTRIES, find_overlaps
    from nlp.language.lexicon_match import LexiconMatcher
    from nlp.language.segment import load_pipeline

    files = sorted(lexicons.glob("*.yaml"))
    if not files:
        typer.secho(f"error: no *.yaml lexicon in {lexicons}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    loaded = []
    failed = False
    for path in files:
        try:
            loaded.append(load_lexicon(path))
        except LexiconError as exc:
            failed = True
            typer.secho(f"INVALID {exc}", fg=typer.colors.RED)
    rows = []
    for lex in loaded:
        for label in lex.labels:
            n = len(label.entries)
            short = n < MIN_ENTRIES[lex.scheme]
            rows.append(
                (
                    lex.scheme,
                    lex.version,
                    label.id,
                    n,
                    f"below {MIN_ENTRIES[lex.scheme]}" if short else "",
                )
            )
    _echo_table(["scheme", "version", "label", "entries", "note"], rows)
    if not loaded:
        raise typer.Exit(1)
    nlp = load_pipeline()
    matcher = LexiconMatcher(nlp, loaded, lemma_memo())
    overlaps = find_overlaps(matcher)
    for kind, title in (
        ("redundant", "Redundant spellings (one entry; inflections match anyway)"),
        ("duplicate", "Duplicate cues (same label)"),
        ("shared", "Cues shared by two labels of one scheme"),
        ("cross_scheme", "Cues in two schemes (often legitimate)"),
    ):
        found = [o for o in overlaps if o.kind == kind]
        typer.echo(f"\n{title}: {len(found)}")
        for overlap in found:
            typer.echo(f"  {overlap.key!r}: {', '.join(overlap.places)}")
    duplicates = any(o.kind == "duplicate" for o in overlaps)
    shared = any(o.kind == "shared" for o in overlaps)
    if failed or duplicates or (strict and shared):
        raise typer.Exit(1)
    typer.echo(f"\nOK: {len(loaded)} lexicon(s), {sum(1 for _ in matcher.entry_ids())} entries")


@app.command()
@with_option_groups
def stats(
    reading: CorpusReadingOptions,
    top: Annotated[int, typer.Option(help="How many of the most frequent entries to list.")] = 20,
) -> None:
    """Hits per entry and per label over a corpus; entries that never fire.

    Example: valpub lexicon stats --corpus ../shared/corpus --pages outputs --top 20
    """
    from nlp.language.lexicon_match import tag_pages
    from nlp.records.codebook import CODEBOOK_LABELS

    nlp, matcher = _load(reading.lexicons)
    files = reading.files()
    typer.echo(f"{len(files)} PDF(s) under {reading.corpus}", err=True)
    page_stream = (page for _path, page in iter_corpus_pages(files, reading.pages))
    result = collect_stats(tag_pages(nlp, matcher, page_stream))
    typer.echo(f"\n{result.sentences} sentences")
    typer.echo("\nSentences with at least one label, per scheme")
    _echo_table(
        ["scheme", "version", "sentences", "share"],
        [
            (s, v, result.tagged[s], f"{result.share(s):.1f}%")
            for s, v in sorted(matcher.versions.items())
        ],
    )
    typer.echo("\nSentences per label")
    _echo_table(
        ["scheme", "label", "sentences"],
        [
            (s, lab, result.labels[(s, lab)])
            for s in sorted(matcher.versions)
            for lab in CODEBOOK_LABELS.get(s, ())
        ],
    )
    typer.echo(f"\nTop {top} entries")
    _echo_table(
        ["scheme", "entry", "hits"],
        [(s, e, n) for (s, e), n in result.entries.most_common(top)],
    )
    all_entries = matcher.entry_ids()
    never = [(s, e) for s, _label, e in all_entries if result.entries[(s, e)] == 0]
    share = 100.0 * len(never) / len(all_entries) if all_entries else 0.0
    typer.echo(f"\nEntries that never fire: {len(never)} of {len(all_entries)} ({share:.1f}%)")
    for s, e in never:
        typer.echo(f"  {s}/{e}")


@app.command()
@with_option_groups
def kwic(
    term: Annotated[
        str, typer.Argument(help="A term (matched like a lexicon term) or an entry id.")
    ],
    reading: CorpusReadingOptions,
    width: Annotated[int, typer.Option(help="Characters of context on each side.")] = 60,
    limit: Annotated[int, typer.Option(help="Stop after this many lines (0: no limit).")] = 100,
) -> None:
    """Keyword-in-context lines for TERM, with document and page.

    Example: valpub lexicon kwic "budget participatif" --corpus ../shared/corpus
    """
    from nlp.language.segment import ORIGINAL_TEXT_KEY, iter_sentence_spans

    nlp, matcher = _load(reading.lexicons)
    entry_ids = {e for _s, _l, e in matcher.entry_ids()}
    by_entry = term in entry_ids or any(term == f"{s}:{e}" for s, _l, e in matcher.entry_ids())
    finder = None if by_entry else matcher.term_finder([term])
    wanted = term.split(":", 1)[-1]
    files = reading.files()
    names: dict[str, str] = {}

    def pages_of() -> Iterator[Page]:
        for path, page in iter_corpus_pages(files, reading.pages):
            names[page.doc_sha256] = path.name
            yield page

    shown = 0
    for sentence, span in iter_sentence_spans(nlp, pages_of()):
        if by_entry:
            hits = [
                (ev.start, ev.end)
                for labels in matcher.match(span).values()
                for evidences in labels.values()
                for ev in evidences
                if ev.entry_id == wanted
            ]
        else:
            assert finder is not None
            hits = [(start, end) for _term, start, end in finder(span)]
        text = span.doc.user_data.get(ORIGINAL_TEXT_KEY) or span.doc.text
        for start, end in hits:
            left = text[max(sentence.start, start - width) : start].replace("\n", " ")
            right = text[end : min(sentence.end, end + width)].replace("\n", " ")
            where = f"{names.get(sentence.doc_sha256, sentence.doc_sha256[:12])}:p{sentence.page}"
            typer.echo(f"{where}\t{left.rjust(width)}[{text[start:end]}]{right}")
            shown += 1
            if limit and shown >= limit:
                return
    if shown == 0:
        typer.echo(f"no match for {term!r}", err=True)
