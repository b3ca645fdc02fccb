"""The annotation store: analysts' judgements, kept at once and for good.

:class:`AnnotationStore` keeps every :class:`~nlp.annotation.judgement.Judgement` in a SQL
database reached through a SQLAlchemy URL (:func:`store_url`; by default
``sqlite:///<out>/annotations.db``, a PostgreSQL URL works the same way; the schema and
connection settings are in :mod:`nlp.annotation.schema`). Judgements are only ever
added, never updated or deleted, so the history of a sentence stays readable and two
annotators can be compared (:meth:`AnnotationStore.conflicts`,
:meth:`AnnotationStore.kappa`); :meth:`AnnotationStore.training_examples` turns the
reviewed sentences into training examples.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from nlp.annotation.judgement import AnnotationError, Judgement, as_utc
from nlp.annotation.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    judgements_table,
    schema_version_table,
    sqlite_begin,
    sqlite_connect,
)
from nlp.model.training import Example
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES

DEFAULT_STORE = "annotations.db"
"""File name of the store under a run's output folder."""


def store_url(out: Path, configured: str | None = None) -> str:
    """URL of the annotation store of an output folder.

    ``sqlite:///<absolute out>/annotations.db``, unless a store is ``configured`` (the
    annotation store setting of the commands, e.g. a ``postgresql+psycopg://`` URL), which then
    wins: one setting moves every command and the review app to another database.
    """
    if configured and configured.strip():
        return configured.strip()
    return f"sqlite:///{Path(out).resolve() / DEFAULT_STORE}"


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Judgement))
"""Columns of :meth:`AnnotationStore.judgements` (after ``id``)."""


def _labels_json(labels: Sequence[str]) -> str:
    return json.dumps(list(labels), ensure_ascii=False)


def _row(j: Judgement) -> dict[str, Any]:
    at = as_utc(j.at).replace(tzinfo=None)
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
            sa.event.listen(self.engine, "connect", sqlite_connect)
            sa.event.listen(self.engine, "begin", sqlite_begin)
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
                agreement, kappa = _agreement_and_kappa(a, b)
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


def _agreement_and_kappa(a: Sequence[bool], b: Sequence[bool]) -> tuple[float, float]:
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
