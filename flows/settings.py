"""Every setting valpub takes from its environment, in one class: the ``VALPUB_*`` variables.

A deployment, a scheduled worker or a shared review app is configured by environment
variables rather than options; :class:`Settings` is the one place that names them, with
their defaults, types and meaning. Commands, flows and the review app read them through
:func:`settings` at the moment they need them (never at import), so a variable set by a
test or by ``valpub serve`` for its runs is seen. The library (``nlp/``) reads no
environment: what it needs is passed to it. Repository paths (lexicons, training files,
the shipped model) are not settings: they are in :mod:`flows.defaults`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.records.errors import NlpError

PREFIX = "VALPUB_"


class SettingsError(NlpError):
    """A ``VALPUB_*`` variable holds a value of the wrong type."""


class Settings(BaseSettings):
    """valpub's settings; each field ``name`` is read from ``VALPUB_<NAME>`` (blank: default)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    keep_server: float = Field(
        default=30.0,
        ge=0,
        description="Minutes the local Prefect server waits for the next run before it "
        "stops (0: a temporary server per run).",
    )
    cache: Path = Field(
        default_factory=lambda: (
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "valpub"
        ),
        description="Folder of valpub's caches and Prefect home (anything there may be "
        "deleted: it only saves start-up time). Default: $XDG_CACHE_HOME/valpub, else "
        "~/.cache/valpub.",
    )
    annotations_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the annotation store, instead of sqlite "
        "OUT/annotations.db (e.g. postgresql+psycopg://…).",
    )
    analyst: str = Field(default="", description="Name the review app proposes for the analyst.")
    corpus: str = Field(default="corpus", description="Corpus of the registered deployments.")
    out: Path = Field(default=Path("outputs"), description="Output folder of the deployments.")
    workers: int = Field(
        default=0, ge=0, description="Workers of a deployed run (0: one per core)."
    )
    pool: str = Field(default="valpub", description="Prefect work pool of the deployments.")
    cron: str = Field(default="0 3 * * *", description="Schedule of the nightly pipeline run.")
    retrain_cron: str = Field(default="0 4 * * 0", description="Schedule of the weekly retraining.")
    timezone: str = Field(default="UTC", description="Time zone of the schedules.")
    dask_address: str | None = Field(default=None, description="Dask scheduler of deployed runs.")
    sources: Path | None = Field(
        default=None, description="CSV of URLs that a deployed run pulls into its corpus first."
    )


def settings() -> Settings:
    """The settings of the current environment.

    Raises:
        SettingsError: a variable cannot be read as its type, named in one line.
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{PREFIX}{str(e['loc'][0]).upper()}={e.get('input')!r}: {e['msg']}"
            for e in exc.errors()
        )
        raise SettingsError(problems) from None
