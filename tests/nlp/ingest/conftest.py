"""The pull tests' HTTP server (:mod:`tests.nlp.ingest.pull_site`), one per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.nlp.ingest.pull_site import LocalServer, serving


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serving() as local:
        yield local
