"""The annotation store's SQL schema, its migrations and the SQLite connection settings.

The schema carries its version in ``schema_version`` (one row per applied migration).
:data:`MIGRATIONS` is the ordered list of steps; opening a store applies the missing
ones in one transaction, so an older file is brought up to date on first use. The
layout is documented in ``docs/annotations.md``. With SQLite every connection sets:

* ``journal_mode=WAL``: readers never block the writer nor the writer the readers, so
  the review app and a batch import work on the same file at the same time;
* ``synchronous=FULL``: each commit syncs the write-ahead log before returning, so a
  judgement whose :meth:`~nlp.annotation.store.AnnotationStore.add` returned survives a
  killed process *and* a power cut (``NORMAL`` only survives the former). Decisions
  come at human pace and batch imports are one transaction, so the one sync per commit
  costs nothing visible;
* ``busy_timeout`` (30 s): a writer waits for another's transaction instead of failing;
* ``foreign_keys=ON``, so any reference a later schema version adds is enforced.

Write transactions start with ``BEGIN IMMEDIATE`` (the write lock is taken at once, so
two writers queue instead of dead-locking on a read-to-write upgrade).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

#: How long a SQLite connection waits for another's write transaction, in milliseconds.
BUSY_TIMEOUT_MS = 30_000

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


def sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    """Set the connection's pragmas (listener of the engine's ``connect`` event)."""
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


def sqlite_begin(conn: Connection) -> None:
    """Open the transaction, taking the write lock at once unless it only reads."""
    read_only = bool(conn.get_execution_options().get("valpub_read"))
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
