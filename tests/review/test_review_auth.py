"""Sharing the review app: a login is required beyond the loopback address, and the
analyst recorded with each decision is the logged-in user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from flows.commands.review import register
from nlp.records.netaddr import is_loopback
from review.auth import check_password, hash_password, login_mode, read_secrets
from tests.review_fixtures import CORPUS, ROOT, review_run

__all__ = ["review_run"]  # the fixture, imported for pytest

APP = ROOT / "review" / "app.py"


def cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


def test_password_hashes_are_salted_and_checked() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second  # a new salt each time
    assert check_password(first, "correct horse") and check_password(second, "correct horse")
    assert not check_password(first, "correct hors")
    assert not check_password("not a hash", "correct horse")
    assert "correct horse" not in first


def test_loopback_addresses() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.10", "::", "example.org"]))


def test_sharing_without_a_login_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli(), ["review", "--out", str(tmp_path), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--host 0.0.0.0 shares the app with the network, so it needs a login" in result.output
    assert "valpub review-user" in result.output


def test_review_user_prints_a_line_that_logs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = CliRunner().invoke(cli(), ["review-user", "camille"], input="s3cret-pass\n" * 2)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-2] == "[valpub.users]"
    secrets_dir = tmp_path / ".streamlit"
    secrets_dir.mkdir()
    (secrets_dir / "secrets.toml").write_text("\n".join(lines[-2:]) + "\n", encoding="utf-8")
    secrets = read_secrets([tmp_path])
    assert login_mode(secrets) == "password"
    assert check_password(secrets["valpub"]["users"]["camille"], "s3cret-pass")
    # with that file beside it, sharing is allowed (it then fails on the empty folder)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    shared = CliRunner().invoke(cli(), ["review", "--out", str(tmp_path), "--host", "0.0.0.0"])
    assert shared.exit_code == 2 and "holds no sentences.parquet" in shared.output
    short = CliRunner().invoke(cli(), ["review-user", "x"], input="short\nshort\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output


@pytest.fixture
def app(review_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("VALPUB_REVIEW_OUT", str(review_run))
    monkeypatch.setenv("VALPUB_REVIEW_CORPUS", str(CORPUS))
    monkeypatch.setenv("VALPUB_ANNOTATIONS_URL", f"sqlite:///{tmp_path / 'annotations.db'}")
    monkeypatch.delenv("VALPUB_ANALYST", raising=False)
    yield AppTest.from_file(str(APP), default_timeout=60)


def test_the_app_asks_for_a_login_and_records_the_user(app: AppTest) -> None:
    app.secrets["valpub"] = {"users": {"camille": hash_password("s3cret-pass")}}
    app.run()
    assert [t.label for t in app.text_input] == ["Utilisateur", "Mot de passe"]
    assert not app.tabs and "Matrice" not in [r.value for r in app.radio]  # nothing shown
    app.text_input[0].input("camille")
    app.text_input[1].input("wrong password")
    app.button[0].click().run()
    assert "Utilisateur ou mot de passe incorrect." in [e.value for e in app.error]
    app.text_input[0].input("camille")
    app.text_input[1].input("s3cret-pass")
    app.button[0].click().run()
    assert not app.error
    assert app.session_state["_user"] == "camille"
    assert "Votre nom (analyste)" not in [t.label for t in app.text_input]
    assert any("Connecté : camille" in c.value for c in app.sidebar.caption)


def test_the_app_refuses_to_be_shared_without_a_login(app: AppTest) -> None:
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    try:
        app.run()
    finally:
        st_config.set_option("server.address", before)
    assert "sans authentification" in app.error[0].value
