"""The annotation store on PostgreSQL: one setting away from the embedded SQLite store.

A throwaway cluster on a Unix socket (skipped where PostgreSQL is not installed) gets the
same judgements, conflicts and kappa as SQLite, and reopening it migrates nothing twice.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.settings import settings
from nlp.annotation.judgement import Judgement
from nlp.annotation.schema import SCHEMA_VERSION
from nlp.annotation.store import AnnotationStore, store_url
from tests.nlp.annotation.judgements import SENTENCES, T0, judgement


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a Unix socket (skipped without PostgreSQL)."""
    pytest.importorskip("psycopg")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="valpub-pg-"))  # short: socket paths are limited
    as_user: list[str] = []
    if os.getuid() == 0:  # PostgreSQL refuses to run as root
        as_user = ["runuser", "-u", "nobody", "--"]
        os.chown(base, pwd.getpwnam("nobody").pw_uid, -1)
    data = base / "data"
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "valpub"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-w", "-l", str(base / "log"), "start",
             "-o", f"-k {base} -c listen_addresses=''"],
            check=True,
            capture_output=True,
            timeout=120,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot start a PostgreSQL server here: {exc}")
    try:
        yield f"postgresql+psycopg://valpub@/postgres?host={base}"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_is_one_setting_away(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALPUB_ANNOTATIONS_URL", postgres_url)
    assert store_url(tmp_path, settings().annotations_url) == postgres_url
    store = AnnotationStore(postgres_url)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        first = store.add(judgement(0, "public_value", ("stewardship",), "alice"))
        batch = [
            Judgement("k", SENTENCES[1], "coproduction", ("participative",), "bob", origin="o1"),
            judgement(0, "public_value", ("strategic",), "bob"),
        ]
        assert store.add_many(batch) == 2
        assert store.add_many(batch[:1]) == 0
        rows = store.judgements()
        assert rows["id"].tolist()[0] == first and len(rows) == 3
        assert rows["at"].iloc[0] == T0
        assert store.conflicts()["scheme"].tolist() == ["public_value"]
        assert store.kappa()["n_sentences"].unique().tolist() == [1]
    finally:
        store.close()
    again = AnnotationStore(postgres_url)  # reopening migrates nothing twice
    assert again.schema_version() == SCHEMA_VERSION and len(again.judgements()) == 3
    again.close()
