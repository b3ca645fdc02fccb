"""The annotation store: WAL, durability under SIGKILL, concurrent writers, migrations, kappa."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

from flows.settings import settings
from nlp.annotation.judgement import AnnotationError, Judgement, sentence_key
from nlp.annotation.schema import SCHEMA_VERSION
from nlp.annotation.store import AnnotationStore, store_url
from nlp.model.training import sentence_hash
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.errors import NlpError
from tests.nlp.annotation.judgements import SENTENCES, SHA, judgement
from tests.paths import ROOT


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AnnotationStore]:
    s = AnnotationStore(store_url(tmp_path))
    yield s
    s.close()


def test_store_url_default_and_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VALPUB_ANNOTATIONS_URL", raising=False)
    assert store_url(tmp_path) == f"sqlite:///{tmp_path.resolve()}/annotations.db"
    assert store_url(tmp_path, settings().annotations_url) == store_url(tmp_path)
    monkeypatch.setenv("VALPUB_ANNOTATIONS_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    assert store_url(tmp_path, settings().annotations_url).endswith("elsewhere.db")


def test_sentence_key_starts_with_the_hash() -> None:
    text = SENTENCES[0]
    assert sentence_key(text) == sentence_hash(text)
    assert sentence_key(text, SHA, 2, 40) == f"{sentence_hash(text)}:{SHA}:2:40"
    assert sentence_key(text, SHA, None, 40) == sentence_hash(text)


def test_wal_and_pragmas_are_on(store: AnnotationStore, tmp_path: Path) -> None:
    store.add(judgement(0, "public_value", ("stewardship",), "alice"))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # the WAL mode is recorded in the file itself: a plain sqlite3 connection sees it
    raw = sqlite3.connect(tmp_path / "annotations.db")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    assert (tmp_path / "annotations.db-wal").exists()
    assert store.schema_version() == SCHEMA_VERSION >= 2


def test_validation_errors_are_clear() -> None:
    with pytest.raises(AnnotationError, match="unknown scheme 'value'"):
        judgement(0, "value", (), "alice")
    with pytest.raises(AnnotationError, match="unknown public_value label"):
        judgement(0, "public_value", ("economy",), "alice")
    with pytest.raises(AnnotationError, match="annotator"):
        judgement(0, "public_value", ("economic",), "  ")
    with pytest.raises(AnnotationError, match="must not be in the set"):
        Judgement("k", "texte", "pillar", ("data",), "bob", action="reject", label="data")
    with pytest.raises(NlpError):  # the CLI turns NlpError into a one-line message
        Judgement("k", "texte", "pillar", (), "bob", source="email")
    # labels are normalised to codebook order
    j = judgement(0, "public_value", ("stewardship", "economic", "economic"), "alice")
    assert j.labels == ("economic", "stewardship")
    assert j.at is not None and j.at.tzinfo is not None


def test_add_reads_back_and_latest(store: AnnotationStore) -> None:
    first = store.add(judgement(0, "public_value", ("strategic",), "alice", minutes=0))
    second = store.add(judgement(0, "public_value", ("stewardship",), "alice", minutes=5))
    assert second > first
    store.add(
        Judgement(
            sentence_key=sentence_key(SENTENCES[1]),
            text=SENTENCES[1],
            scheme="coproduction",
            labels=("participative",),
            annotator="bob",
            action="add",
            label="participative",
            model_version="20250101T000000Z-abcdef12",
        )
    )
    rows = store.judgements()
    assert len(rows) == 3
    assert list(rows.columns[:4]) == ["id", "sentence_key", "text", "scheme"]
    assert (
        rows.loc[rows["annotator"] == "bob", "model_version"].item() == "20250101T000000Z-abcdef12"
    )
    assert rows.loc[rows["annotator"] == "bob", "page"].isna().all()
    latest = store.latest()
    alice = latest[latest["annotator"] == "alice"]
    assert alice["labels"].tolist() == [("stewardship",)]  # the later decision wins
    assert str(alice["at"].item().tz) == "UTC"


def test_origin_makes_imports_idempotent(store: AnnotationStore) -> None:
    batch = [
        Judgement("k1", "Phrase une.", "pillar", ("data",), "ann", source="csv", origin="o1"),
        Judgement("k1", "Phrase une.", "helix", (), "ann", source="csv", origin="o2"),
        Judgement("k1", "Phrase une.", "helix", (), "ann", source="csv", origin="o2"),
    ]
    assert store.add_many(batch) == 2
    assert store.add_many(batch) == 0
    existing = store.judgements()["id"].tolist()
    assert store.add(batch[0]) in existing
    assert len(store.judgements()) == 2


def test_an_invalid_batch_stores_nothing(store: AnnotationStore) -> None:
    store.add_many([judgement(0, "pillar", ("data",), "alice")])

    def batch():  # the second item is invalid: nothing of the batch may be stored
        yield judgement(1, "pillar", ("data",), "alice")
        yield judgement(2, "pillar", ("nope",), "alice")

    with pytest.raises(AnnotationError):
        store.add_many(batch())
    assert len(store.judgements()) == 1


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, UTC
    from nlp.annotation.store import AnnotationStore
    from nlp.annotation.judgement import Judgement
    store = AnnotationStore(sys.argv[1])
    name, count = sys.argv[2], int(sys.argv[3])
    for i in range(count):
        text = f"Phrase {i} écrite par {name} pour le test de concurrence."
        rid = store.add(Judgement(f"{name}-{i}", text, "pillar", ("data",) if i % 2 else (), name))
        print(rid, flush=True)
    """
)


def test_every_returned_add_survives_sigkill(tmp_path: Path) -> None:
    url = store_url(tmp_path)
    AnnotationStore(url).close()  # schema made before the writer starts
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, "killed", "100000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    returned: list[int] = []
    deadline = time.monotonic() + 60
    while len(returned) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        returned.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)  # mid-stream: the writer is inside its loop
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(returned) == 150
    raw = sqlite3.connect(tmp_path / "annotations.db")
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    store = AnnotationStore(url)
    stored = set(store.judgements()["id"])
    store.close()
    assert set(returned) <= stored  # every add() that returned is there
    assert len(stored) >= len(returned)


def test_two_processes_write_at_once_while_one_reads(tmp_path: Path) -> None:
    url = store_url(tmp_path)
    store = AnnotationStore(url)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, name, "120"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("app", "batch")
    ]
    reads = 0
    while any(p.poll() is None for p in procs):
        store.judgements()  # readers are not blocked by the writers (WAL)
        reads += 1
        time.sleep(0.05)
    results = [p.communicate(timeout=60) for p in procs]
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-2000:]
    ids = [int(x) for out, _err in results for x in out.split()]
    rows = store.judgements()
    store.close()
    assert len(ids) == len(set(ids)) == 240
    assert set(rows["id"]) == set(ids)
    assert rows["annotator"].value_counts().to_dict() == {"app": 120, "batch": 120}
    assert reads > 0


V1_SQL = """
CREATE TABLE schema_version (
    version INTEGER NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL,
    applied_at DATETIME NOT NULL);
CREATE TABLE judgements (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, sentence_key VARCHAR(200) NOT NULL,
    text TEXT NOT NULL, scheme VARCHAR(40) NOT NULL, labels TEXT NOT NULL,
    annotator VARCHAR(200) NOT NULL, action VARCHAR(10) NOT NULL, label VARCHAR(40),
    source VARCHAR(20) NOT NULL, doc_sha256 VARCHAR(64), page INTEGER, start INTEGER,
    "end" INTEGER, model_version VARCHAR(100) DEFAULT '' NOT NULL, at DATETIME NOT NULL);
CREATE INDEX ix_judgements_sentence_key ON judgements (sentence_key);
INSERT INTO schema_version VALUES (1, 'judgements table', '2025-01-01 00:00:00.000000');
INSERT INTO judgements (sentence_key, text, scheme, labels, annotator, action, label, source,
    doc_sha256, page, start, "end", model_version, at)
VALUES ('abc', 'Une phrase annotée avant la migration.', 'public_value', '["social"]', 'alice',
    'add', 'social', 'review', NULL, NULL, NULL, NULL, '', '2025-01-02 10:00:00.000000');
"""


def test_a_version_1_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "annotations.db"
    raw = sqlite3.connect(path)
    raw.executescript(V1_SQL)
    raw.close()
    store = AnnotationStore(f"sqlite:///{path}")
    assert store.schema_version() == SCHEMA_VERSION == 2
    old = store.judgements()
    assert old["labels"].tolist() == [("social",)] and old["origin"].tolist() == [None]
    assert old["at"].item() == datetime(2025, 1, 2, 10, tzinfo=UTC)
    j = Judgement("abc", "Une phrase annotée avant la migration.", "pillar", (), "bob", origin="x")
    store.add_many([j, j])
    assert len(store.judgements()) == 2
    store.close()
    raw = sqlite3.connect(path)
    indexes = {row[1] for row in raw.execute("PRAGMA index_list(judgements)")}
    versions = [row[0] for row in raw.execute("SELECT version FROM schema_version ORDER BY 1")]
    raw.close()
    assert {"ux_judgements_origin", "ix_judgements_lookup"} <= indexes
    assert versions == [1, 2]
    AnnotationStore(f"sqlite:///{path}").close()  # reopening applies nothing twice


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    AnnotationStore(store_url(tmp_path)).close()
    raw = sqlite3.connect(tmp_path / "annotations.db")
    raw.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01 00:00:00')")
    raw.commit()
    raw.close()
    with pytest.raises(AnnotationError, match="schema version 99 is newer"):
        AnnotationStore(store_url(tmp_path))


def test_conflicts_between_annotators(store: AnnotationStore) -> None:
    store.add_many(
        [
            judgement(0, "public_value", ("stewardship",), "alice"),
            judgement(0, "public_value", ("stewardship", "strategic"), "bob"),
            judgement(0, "pillar", ("data",), "alice"),
            judgement(0, "pillar", ("data",), "bob"),
            judgement(1, "coproduction", ("participative",), "alice"),
            # bob first disagrees, then changes his mind: no conflict left
            judgement(1, "coproduction", (), "bob", minutes=1),
            judgement(1, "coproduction", ("participative",), "bob", minutes=2),
        ]
    )
    conflicts = store.conflicts()
    assert len(conflicts) == 1
    row = conflicts.iloc[0]
    assert row["scheme"] == "public_value"
    assert row["annotators"] == ("alice", "bob")
    assert row["labels"] == (("stewardship",), ("strategic", "stewardship"))
    assert row["disputed"] == ("strategic",)


def test_kappa_matches_sklearn(store: AnnotationStore) -> None:
    names = CODEBOOK_LABELS["public_value"]
    alice_sets = [
        ("economic",),
        ("social",),
        ("social", "political"),
        (),
        ("strategic",),
        ("social",),
    ]
    bob_sets = [("economic",), ("social",), ("political",), (), ("economic",), ()]
    batch = []
    for i, (a, b) in enumerate(zip(alice_sets, bob_sets, strict=True)):
        batch.append(judgement(i, "public_value", a, "alice"))
        batch.append(judgement(i, "public_value", b, "bob"))
    batch.append(judgement(0, "pillar", ("data",), "alice"))  # one annotator only: no kappa
    store.add_many(batch)
    table = store.kappa().set_index("label")
    assert set(table["scheme"]) == {"public_value"}
    assert (table["n_sentences"] == 6).all()
    for label in names:
        a = [int(label in s) for s in alice_sets]
        b = [int(label in s) for s in bob_sets]
        if len(set(a) | set(b)) == 1:  # both constant and equal: undefined
            assert math.isnan(table.loc[label, "kappa"])
            continue
        assert table.loc[label, "kappa"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-4)
        assert table.loc[label, "agreement"] == pytest.approx(
            sum(x == y for x, y in zip(a, b, strict=True)) / 6, abs=1e-4
        )


def test_training_examples(store: AnnotationStore) -> None:
    keys = [sentence_key(SENTENCES[i], SHA, 1, 100 * i) for i in range(4)]
    predicted = {
        k: {s: [] for s in SCHEMES} | {"pillar": ["inclusion"], "helix": ["public_sector"]}
        for k in keys[:3]
    }
    store.add_many(
        [
            # sentence 0: two annotators agree on public_value; the rest is predicted
            judgement(0, "public_value", ("stewardship",), "alice", minutes=1),
            judgement(0, "public_value", ("stewardship",), "bob", minutes=2),
            judgement(0, "pillar", ("data",), "alice", minutes=3),
            # sentence 1: conflict on coproduction -> left out
            judgement(1, "coproduction", ("participative",), "alice"),
            judgement(1, "coproduction", ("active",), "bob"),
            # sentence 2: every scheme judged, latest decision counts
            *[judgement(2, s, (), "carol") for s in SCHEMES],
            judgement(2, "public_value", ("economic",), "carol", minutes=9),
            # sentence 3: judged on one scheme, no prediction -> left out
            judgement(3, "pillar", ("inclusion",), "alice"),
        ]
    )
    examples = store.training_examples(predicted)
    assert [ex.id for ex in examples] == sorted(f"review:{k}" for k in (keys[0], keys[2]))
    by_text = {ex.text: ex for ex in examples}
    first = by_text[SENTENCES[0]]
    assert first.labels["public_value"] == ("stewardship",)
    assert first.labels["pillar"] == ("data",)  # judged beats predicted
    assert first.labels["helix"] == ("public_sector",)  # unjudged: what the analyst saw
    assert first.annotator == "alice"  # author of the latest judgement
    assert first.source == "review"
    assert first.provenance == {"doc_sha256": SHA, "page": 1, "start": 0, "end": len(SENTENCES[0])}
    third = by_text[SENTENCES[2]]
    assert third.labels["public_value"] == ("economic",)
    assert third.labels["pillar"] == ()  # carol judged "none", the prediction is ignored
    assert set(third.labels) == set(SCHEMES)
    # without predictions only the fully judged sentence is usable
    assert [ex.text for ex in store.training_examples()] == [SENTENCES[2]]
