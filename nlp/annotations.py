"""The annotation store: analysts' decisions on sentence labels, kept at once and for good.

Every decision an analyst takes (in the review app, in Label Studio, in a CSV sheet) is
one :class:`Judgement`: the complete label set of one scheme of one sentence after the
decision, with who took it and when. Judgements are only ever added, never updated or
deleted, so the history of a sentence stays readable and two annotators can be compared
(:meth:`AnnotationStore.conflicts`, :meth:`AnnotationStore.kappa`).

Storage: a SQL database reached through a SQLAlchemy URL (:func:`store_url`; by default
``sqlite:///<out>/annotations.db``, a PostgreSQL URL works the same way). With SQLite
every connection sets:

* ``journal_mode=WAL``: readers never block the writer nor the writer the readers, so
  the review app and a batch import work on the same file at the same time;
* ``synchronous=FULL``: each commit syncs the write-ahead log before returning, so a
  judgement whose :meth:`~AnnotationStore.add` returned survives a killed process *and*
  a power cut (``NORMAL`` only survives the former). Decisions come at human pace and
  batch imports are one transaction, so the one sync per commit costs nothing visible;
* ``busy_timeout`` (30 s): a writer waits for another's transaction instead of failing;
* ``foreign_keys=ON``, so any reference a later schema version adds is enforced.

Write transactions start with ``BEGIN IMMEDIATE`` (the write lock is taken at once, so
two writers queue instead of dead-locking on a read-to-write upgrade).

The schema carries its version in ``schema_version`` (one row per applied migration).
:data:`MIGRATIONS` is the ordered list of steps; opening a store applies the missing
ones in one transaction, so an older file is brought up to date on first use. The
layout is documented in ``docs/annotations.md``.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from nlp.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.errors import NlpError
from nlp.training import Example, sentence_hash

DEFAULT_STORE = "annotations.db"
"""File name of the store under a run's output folder."""

URL_ENV = "VALPUB_ANNOTATIONS_URL"
"""Environment variable that, when set, gives the store's URL instead of the default."""

ACTIONS = ("accept", "reject", "add", "set")
"""What an analyst can do to a scheme of a sentence."""

SOURCES = ("review", "label-studio", "csv")
"""Where a judgement was made."""

BUSY_TIMEOUT_MS = 30_000


class AnnotationError(NlpError):
    """A judgement is invalid, or the store cannot be used (schema newer than the code)."""


def store_url(out: Path) -> str:
    """URL of the annotation store of an output folder.

    ``sqlite:///<absolute out>/annotations.db``, unless the environment variable
    ``VALPUB_ANNOTATIONS_URL`` is set (e.g. to a ``postgresql+psycopg://`` URL), which
    then wins: one setting moves every command and the review app to another database.
    """
    override = os.environ.get(URL_ENV, "").strip()
    if override:
        return override
    return f"sqlite:///{Path(out).resolve() / DEFAULT_STORE}"


def sentence_key(
    text: str,
    doc_sha256: str | None = None,
    page: int | None = None,
    start: int | None = None,
) -> str:
    """Key of a sentence in the store.

    ``sentence_hash(text)`` alone when the provenance is unknown, else
    ``<hash>:<doc_sha256>:<page>:<start>``, so the same words at two places of the
    corpus are two sentences, while the key still starts with the text's hash.
    """
    digest = sentence_hash(text)
    if doc_sha256 is None or page is None or start is None:
        return digest
    return f"{digest}:{doc_sha256}:{int(page)}:{int(start)}"


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Judgement:
    """One analyst decision on one scheme of one sentence.

    Built with invalid values, it raises :class:`AnnotationError`; ``labels`` is put in
    codebook order and ``at`` defaults to now (UTC).

    Attributes:
        sentence_key: :func:`sentence_key` of the sentence.
        text: the sentence (the store lives under ``outputs/`` and is never committed).
        scheme: one of ``nlp.codebook.SCHEMES``.
        labels: the complete label set of that scheme after the decision.
        annotator: who decided (non-empty).
        action: ``accept``, ``reject``, ``add`` or ``set`` (what the analyst did).
        label: the label acted on (``None`` for ``set``); after ``accept`` or ``add`` it
            must be in ``labels``, after ``reject`` it must not.
        source: ``review``, ``label-studio`` or ``csv``.
        doc_sha256: document of the sentence, when known.
        page: page of the sentence (1-based), when known.
        start: offset of the sentence in the page text, when known.
        end: end offset, when known.
        model_version: the model whose prediction the analyst saw ("" for none).
        at: when the decision was taken (UTC).
        origin: for imported judgements, a fingerprint of the imported record; a
            judgement whose origin is already stored is not added again, so importing
            the same export twice adds nothing. ``None`` for the review app.
    """

    sentence_key: str
    text: str
    scheme: str
    labels: tuple[str, ...]
    annotator: str
    action: str = "set"
    label: str | None = None
    source: str = "review"
    doc_sha256: str | None = None
    page: int | None = None
    start: int | None = None
    end: int | None = None
    model_version: str = ""
    at: datetime | None = None
    origin: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.sentence_key, str) or not self.sentence_key.strip():
            raise AnnotationError("a judgement needs a sentence key")
        if not isinstance(self.text, str) or not self.text.strip():
            raise AnnotationError(f"{self.sentence_key}: the sentence text is empty")
        if self.scheme not in CODEBOOK_LABELS:
            raise AnnotationError(
                f"{self.sentence_key}: unknown scheme {self.scheme!r}; expected one of "
                f"{', '.join(SCHEMES)}"
            )
        names = CODEBOOK_LABELS[self.scheme]
        if isinstance(self.labels, str):
            raise AnnotationError(f"{self.sentence_key}: labels must be a sequence of ids")
        unknown = sorted(set(self.labels) - set(names))
        if unknown:
            raise AnnotationError(
                f"{self.sentence_key}: unknown {self.scheme} label(s) {', '.join(unknown)}; "
                f"expected among {', '.join(names)}"
            )
        object.__setattr__(self, "labels", tuple(n for n in names if n in set(self.labels)))
        if not isinstance(self.annotator, str) or not self.annotator.strip():
            raise AnnotationError(f"{self.sentence_key}: the annotator's name is empty")
        object.__setattr__(self, "annotator", self.annotator.strip())
        if self.action not in ACTIONS:
            raise AnnotationError(
                f"{self.sentence_key}: unknown action {self.action!r}; expected one of "
                f"{', '.join(ACTIONS)}"
            )
        if self.action != "set":
            if self.label not in names:
                raise AnnotationError(
                    f"{self.sentence_key}: action {self.action!r} needs the {self.scheme} "
                    f"label acted on, got {self.label!r}"
                )
            inside = self.label in self.labels
            if inside != (self.action in {"accept", "add"}):
                raise AnnotationError(
                    f"{self.sentence_key}: after {self.action!r} of {self.label!r} the label "
                    f"must {'' if self.action in {'accept', 'add'} else 'not '}be in the set"
                )
        elif self.label is not None and self.label not in names:
            raise AnnotationError(f"{self.sentence_key}: unknown label {self.label!r}")
        if self.source not in SOURCES:
            raise AnnotationError(
                f"{self.sentence_key}: unknown source {self.source!r}; expected one of "
                f"{', '.join(SOURCES)}"
            )
        for name in ("page", "start", "end"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or int(value) < 0):
                raise AnnotationError(f"{self.sentence_key}: {name} must be a non-negative int")
            if value is not None:
                object.__setattr__(self, name, int(value))
        object.__setattr__(self, "at", _utc(self.at))


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Judgement))
"""Columns of :meth:`AnnotationStore.judgements` (after ``id``)."""

# --------------------------------------------------------------------------- schema

metadata = sa.MetaData()

schema_version_table = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


def _judgement_columns(with_origin: bool) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sentence_key", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("labels", sa.Text, nullable=False),  # JSON list, codebook order
        sa.Column("annotator", sa.String(200), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("label", sa.String(40), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("doc_sha256", sa.String(64), nullable=True),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("start", sa.Integer, nullable=True),
        sa.Column("end", sa.Integer, nullable=True),
        sa.Column("model_version", sa.String(100), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime, nullable=False),  # naive UTC
    ]
    if with_origin:
        columns.append(sa.Column("origin", sa.String(64), nullable=True))
    return columns


judgements_table = sa.Table("judgements", metadata, *_judgement_columns(with_origin=True))
"""The current layout of the judgements table (what the queries use)."""


def _v1_create_tables(conn: Connection) -> None:
    """Version 1: the judgements table, without ``origin``, indexed by sentence key."""
    v1 = sa.MetaData()
    sa.Table(
        "judgements",
        v1,
        *_judgement_columns(with_origin=False),
        sa.Index("ix_judgements_sentence_key", "sentence_key"),
    )
    v1.create_all(conn)


def _v2_origin_and_lookup_index(conn: Connection) -> None:
    """Version 2: ``origin`` (idempotent imports) and the index ``latest()`` scans."""
    conn.execute(sa.text("ALTER TABLE judgements ADD COLUMN origin VARCHAR(64)"))
    conn.execute(sa.text("CREATE UNIQUE INDEX ux_judgements_origin ON judgements (origin)"))
    conn.execute(
        sa.text(
            "CREATE INDEX ix_judgements_lookup ON judgements (sentence_key, scheme, annotator, at)"
        )
    )


MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "judgements table", _v1_create_tables),
    (2, "origin column (idempotent imports), lookup index", _v2_origin_and_lookup_index),
)
"""Ordered schema steps: (version reached, description, function run in the transaction)."""

SCHEMA_VERSION: int = MIGRATIONS[-1][0]
"""Version of the schema this code writes."""


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver must not open transactions by itself: ``_begin`` does, so that writes
    # can take the write lock at once (BEGIN IMMEDIATE).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    read_only = bool(conn.get_execution_options().get("valpub_read"))
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _labels_json(labels: Sequence[str]) -> str:
    return json.dumps(list(labels), ensure_ascii=False)


def _row(j: Judgement) -> dict[str, Any]:
    at = _utc(j.at).replace(tzinfo=None)
    return {
        "sentence_key": j.sentence_key,
        "text": unicodedata.normalize("NFC", j.text),
        "scheme": j.scheme,
        "labels": _labels_json(j.labels),
        "annotator": j.annotator,
        "action": j.action,
        "label": j.label,
        "source": j.source,
        "doc_sha256": j.doc_sha256,
        "page": j.page,
        "start": j.start,
        "end": j.end,
        "model_version": j.model_version or "",
        "at": at,
        "origin": j.origin,
    }


class AnnotationStore:
    """The judgements of a run's analysts, in a SQL database (see the module docstring).

    Safe to use from several processes at once (the review app, ``valpub annotate
    import``); one instance may be shared by the threads of a process.
    """

    def __init__(self, url: str) -> None:
        """Connect to ``url`` and create or migrate the schema.

        Raises:
            AnnotationError: the URL is not a database URL, its driver is not installed,
                the database cannot be reached, or it holds a newer schema than this
                code knows.
        """
        self.url = url
        try:
            parsed = sa.engine.make_url(url)
            self.is_sqlite = parsed.get_backend_name() == "sqlite"
            if self.is_sqlite and parsed.database not in (None, "", ":memory:"):
                Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = sa.create_engine(url)
        except ModuleNotFoundError as exc:
            raise AnnotationError(
                f"its database driver {exc.name} is not installed (for PostgreSQL, "
                "valpub's postgres extra installs psycopg: write postgresql+psycopg://...)"
            ) from exc
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, OSError) as exc:
            raise AnnotationError(f"not a usable database URL ({exc})") from exc
        if self.is_sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_connect)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        try:
            self._migrate()
        except sa.exc.OperationalError as exc:  # unreachable server, unreadable file
            first = str(exc.orig or exc).strip().splitlines()[0]
            raise AnnotationError(f"the database cannot be reached: {first}") from exc

    # -- schema -----------------------------------------------------------------------

    def _migrate(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # serialise concurrent first openings
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(728041)"))
            schema_version_table.create(conn, checkfirst=True)
            current = self._version(conn)
            if current > SCHEMA_VERSION:
                raise AnnotationError(
                    f"{self.url}: schema version {current} is newer than this valpub "
                    f"knows ({SCHEMA_VERSION}); upgrade valpub"
                )
            for version, description, step in MIGRATIONS:
                if version <= current:
                    continue
                step(conn)
                conn.execute(
                    schema_version_table.insert().values(
                        version=version,
                        description=description,
                        applied_at=datetime.now(UTC).replace(tzinfo=None),
                    )
                )

    @staticmethod
    def _version(conn: Connection) -> int:
        value = conn.execute(sa.select(sa.func.max(schema_version_table.c.version))).scalar()
        return int(value or 0)

    def schema_version(self) -> int:
        """The schema version of the database (``SCHEMA_VERSION`` once opened)."""
        with self._read() as conn:
            return self._version(conn)

    def _read(self) -> Connection:
        return self.engine.connect().execution_options(valpub_read=True)

    # -- writing ----------------------------------------------------------------------

    def add(self, judgement: Judgement) -> int:
        """Store one judgement in its own transaction; durable once this returns.

        Returns:
            The row id (that of the stored row when its ``origin`` was already there).
        """
        row = _row(judgement)
        table = judgements_table
        with self.engine.begin() as conn:
            if row["origin"] is not None:
                found = conn.execute(
                    sa.select(table.c.id).where(table.c.origin == row["origin"])
                ).scalar()
                if found is not None:
                    return int(found)
            key = conn.execute(table.insert().values(**row)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def add_many(self, judgements: Iterable[Judgement]) -> int:
        """Store judgements in one transaction (all or none).

        Judgements whose ``origin`` is already stored (or repeated in the batch) are
        skipped.

        Returns:
            The number of rows added.
        """
        rows = [_row(j) for j in judgements]
        if not rows:
            return 0
        table = judgements_table
        with self.engine.begin() as conn:
            origins = sorted({r["origin"] for r in rows if r["origin"] is not None})
            seen: set[str] = set()
            for chunk in range(0, len(origins), 500):
                part = origins[chunk : chunk + 500]
                seen |= set(
                    conn.execute(sa.select(table.c.origin).where(table.c.origin.in_(part)))
                    .scalars()
                    .all()
                )
            todo = []
            for r in rows:
                if r["origin"] is not None:
                    if r["origin"] in seen:
                        continue
                    seen.add(r["origin"])
                todo.append(r)
            if todo:
                conn.execute(table.insert(), todo)
        return len(todo)

    # -- reading ----------------------------------------------------------------------

    def judgements(self) -> pd.DataFrame:
        """Every judgement, oldest first (by ``at``, then insertion).

        Columns: ``id`` and the :class:`Judgement` fields; ``labels`` holds tuples,
        ``at`` UTC timestamps, ``page``/``start``/``end`` nullable integers.
        """
        table = judgements_table
        query = sa.select(table).order_by(table.c.at, table.c.id)
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=["id", *FIELDS])
        frame["labels"] = [tuple(json.loads(v)) for v in frame["labels"]]
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        for name in ("id", "page", "start", "end"):
            frame[name] = frame[name].astype("Int64")
        for name in ("label", "doc_sha256", "origin"):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        return frame.reset_index(drop=True)

    def latest(self) -> pd.DataFrame:
        """The latest judgement per (sentence_key, scheme, annotator), in key order.

        "Latest" is by decision time ``at``, then by insertion (row id).
        """
        frame = self.judgements()
        if frame.empty:
            return frame
        last = frame.groupby(["sentence_key", "scheme", "annotator"], sort=False).tail(1)
        order = {s: i for i, s in enumerate(SCHEMES)}
        last = last.assign(_o=last["scheme"].map(order))
        last = last.sort_values(["sentence_key", "_o", "annotator"], kind="stable")
        return last.drop(columns="_o").reset_index(drop=True)

    def conflicts(self) -> pd.DataFrame:
        """(sentence, scheme) pairs whose annotators' latest label sets differ.

        Columns: ``sentence_key``, ``scheme``, ``text``, ``annotators`` (tuple, sorted),
        ``labels`` (one label tuple per annotator, same order), ``disputed`` (labels in
        some sets but not all).
        """
        columns = ["sentence_key", "scheme", "text", "annotators", "labels", "disputed"]
        latest = self.latest()
        out: list[dict[str, Any]] = []
        if latest.empty:
            return pd.DataFrame(columns=columns)
        for (key, scheme), group in latest.groupby(["sentence_key", "scheme"], sort=False):
            sets = dict(zip(group["annotator"], group["labels"], strict=True))
            if len(sets) < 2 or len(set(sets.values())) < 2:
                continue
            names = sorted(sets)
            union = set().union(*map(set, sets.values()))
            common = set.intersection(*map(set, sets.values()))
            out.append(
                {
                    "sentence_key": key,
                    "scheme": scheme,
                    "text": group["text"].iloc[-1],
                    "annotators": tuple(names),
                    "labels": tuple(sets[n] for n in names),
                    "disputed": tuple(
                        lab for lab in CODEBOOK_LABELS[str(scheme)] if lab in union - common
                    ),
                }
            )
        return pd.DataFrame(out, columns=columns)

    def kappa(self) -> pd.DataFrame:
        """Cohen's kappa per label, over sentences that two annotators judged.

        For each (sentence, scheme) judged by at least two annotators, the latest label
        sets of the first two annotators in alphabetical order are compared, one binary
        decision per label (in the set or not). Rows: every label of every scheme with
        at least one such sentence. Columns: ``scheme``, ``label``, ``n_sentences``,
        ``agreement`` (observed share of equal decisions), ``kappa``
        (``(p_o - p_e) / (1 - p_e)``; NaN when undefined, i.e. both annotators gave the
        same single answer to every sentence).
        """
        columns = ["scheme", "label", "n_sentences", "agreement", "kappa"]
        latest = self.latest()
        pairs: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        if not latest.empty:
            for (_key, scheme), group in latest.groupby(["sentence_key", "scheme"], sort=True):
                if group["annotator"].nunique() < 2:
                    continue
                sets = dict(zip(group["annotator"], group["labels"], strict=True))
                first, second = sorted(sets)[:2]
                pairs.setdefault(str(scheme), []).append((sets[first], sets[second]))
        out = []
        for scheme in SCHEMES:
            if scheme not in pairs:
                continue
            for label in CODEBOOK_LABELS[scheme]:
                a = [label in x for x, _y in pairs[scheme]]
                b = [label in y for _x, y in pairs[scheme]]
                agreement, kappa = cohen_kappa(a, b)
                out.append(
                    {
                        "scheme": scheme,
                        "label": label,
                        "n_sentences": len(a),
                        "agreement": round(agreement, 4),
                        "kappa": kappa,
                    }
                )
        return pd.DataFrame(out, columns=columns)

    def training_examples(
        self, predicted: Mapping[str, Mapping[str, Sequence[str]]] | None = None
    ) -> list[Example]:
        """One training example per reviewed sentence, in key order.

        Each judged scheme takes the judged labels; a scheme nobody judged takes
        ``predicted[sentence_key][scheme]`` (the labels the analyst saw and left as they
        were). A sentence is left out when a scheme is unjudged and has no prediction,
        or when two annotators' latest sets of a scheme differ (a conflict to settle
        first). The example's annotator is the author of the sentence's latest judgement.
        """
        latest = self.latest()
        if latest.empty:
            return []
        predicted = predicted or {}
        examples = []
        for key, group in latest.groupby("sentence_key", sort=True):
            key = str(key)
            labels: dict[str, tuple[str, ...]] = {}
            usable = True
            for scheme in SCHEMES:
                sets = set(group.loc[group["scheme"] == scheme, "labels"])
                if len(sets) > 1:
                    usable = False
                    break
                if sets:
                    labels[scheme] = next(iter(sets))
                    continue
                guess = predicted.get(key, {}).get(scheme)
                if guess is None:
                    usable = False
                    break
                names = CODEBOOK_LABELS[scheme]
                labels[scheme] = tuple(n for n in names if n in set(guess))
            if not usable:
                continue
            newest = group.sort_values(["at", "id"], kind="stable").iloc[-1]
            provenance: dict[str, Any] = {}
            known = group[group["doc_sha256"].notna()]
            if not known.empty:
                ref = known.sort_values(["at", "id"], kind="stable").iloc[-1]
                provenance = {"doc_sha256": ref["doc_sha256"]}
                for name in ("page", "start", "end"):
                    if not pd.isna(ref[name]):
                        provenance[name] = int(ref[name])
            examples.append(
                Example(
                    id=f"review:{key}",
                    text=str(newest["text"]),
                    labels=labels,
                    source="review",
                    annotator=str(newest["annotator"]),
                    provenance=provenance,
                )
            )
        return examples

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> AnnotationStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> tuple[float, float]:
    """Observed agreement and Cohen's kappa of two raters' binary decisions.

    Returns:
        ``(p_o, kappa)``; kappa is NaN when ``p_e == 1`` (undefined) or with no item.
    """
    n = len(a)
    if n == 0 or n != len(b):
        return float("nan"), float("nan")
    both = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    p_o = both / n
    pa, pb = sum(map(bool, a)) / n, sum(map(bool, b)) / n
    p_e = pa * pb + (1 - pa) * (1 - pb)
    if p_e >= 1.0:
        return p_o, float("nan")
    return p_o, round((p_o - p_e) / (1 - p_e), 4) + 0.0  # + 0.0: no "-0.0"
