"""Versioned classifier models: save with skops, load safely, promote and roll back.

Layout (under ``outputs/models`` by default)::

    <root>/<version>/model.skops     the classifier bundle (skops, zip-deflated)
    <root>/<version>/metrics.json    figures of ``valpub train`` / ``evaluate``
    <root>/<version>/MODEL_CARD.md   data hashes, lexicon and code versions, metrics
    <root>/current                   one line: the promoted version (written atomically)
    <root>/promotions.jsonl          promote / rollback events, oldest first

A version is ``<UTC timestamp>-<first 8 hex of sha256(data + code)>``; earlier versions
are never deleted. Models are never pickled: skops files describe objects instead of
holding code, and :func:`load_bundle` refuses a file whose types skops does not trust
unless every one of them is in :data:`ALLOWED_TYPES` (an explicit list of stock
scikit-learn, numpy and scipy types; ``trusted=True`` is never used).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nlp.records.errors import NlpError
from nlp.records.files import atomic_open

MODEL_FILE = "model.skops"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"
CURRENT_FILE = "current"
PROMOTIONS_FILE = "promotions.jsonl"

ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "sklearn.multiclass._ConstantPredictor",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.multiclass.OneVsRestClassifier",
        "sklearn.preprocessing._label.LabelBinarizer",
        "numpy.float32",
        "numpy.float64",
        "numpy.int64",
        "numpy.int32",
        "numpy.int8",
        "numpy.dtype",
        "numpy.ndarray",
        "scipy.sparse._csr.csr_matrix",
        "builtins.slice",
    }
)
"""Types a model file may hold beyond those skops trusts by default."""


class ModelError(NlpError):
    """A model file or the registry is unusable (unknown version, unsafe file...)."""


def save_bundle(bundle: dict[str, Any], path: Path) -> None:
    """Write a classifier bundle with skops, zip-deflated (about 12 times smaller)."""
    import skops.io as sio  # here, not at the top: see load_bundle

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    sio.dump(bundle, tmp, compression=zipfile.ZIP_DEFLATED)
    tmp.replace(path)


def load_bundle(path: Path, allowed: frozenset[str] = ALLOWED_TYPES) -> dict[str, Any]:
    """Load a bundle, refusing any type skops does not trust that is not allowed.

    Raises:
        ModelError: the file is missing, not a bundle, or holds a disallowed type.
    """
    # skops imports scikit-learn (2 to 3 s): imported here, so that what only reads the
    # registry (a run's start-up asks which version is current) does not wait for it.
    import skops.io as sio

    if not path.is_file():
        raise ModelError(f"no model file at {path}")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelError(f"{path} is not a skops file: {exc}") from exc
    refused = sorted(set(untrusted) - allowed)
    if refused:
        raise ModelError(f"{path} holds types that are not allowed: {', '.join(refused)}")
    obj = sio.load(path, trusted=list(untrusted))
    if not isinstance(obj, dict):
        raise ModelError(f"{path} does not hold a model bundle")
    return obj


@dataclass(frozen=True)
class VersionInfo:
    """One stored version, as ``valpub models list`` shows it."""

    version: str
    path: Path
    current: bool
    summary: dict[str, Any]


class Registry:
    """The folder of model versions and its ``current`` pointer."""

    def __init__(self, root: Path) -> None:
        """Use ``root`` (created on first save)."""
        self.root = Path(root)

    # -- versions -------------------------------------------------------------------

    @staticmethod
    def new_version(fingerprint: str, now: datetime | None = None) -> str:
        """Version name from the time and a fingerprint of data and code."""
        now = now or datetime.now(UTC)
        return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{fingerprint[:8]}"

    def save(
        self,
        version: str,
        bundle: dict[str, Any],
        metrics: dict[str, Any],
        card: str,
    ) -> Path:
        """Store a new version (model, metrics, card); the pointer is not moved."""
        folder = self.root / version
        if (folder / MODEL_FILE).exists():
            raise ModelError(f"version {version} already exists")
        folder.mkdir(parents=True, exist_ok=True)
        save_bundle(bundle, folder / MODEL_FILE)
        with atomic_open(folder / METRICS_FILE) as handle:
            json.dump(metrics, handle, ensure_ascii=False, indent=2)
        with atomic_open(folder / CARD_FILE) as handle:
            handle.write(card)
        return folder

    def versions(self) -> list[str]:
        """Stored versions, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / MODEL_FILE).is_file())

    def metrics(self, version: str) -> dict[str, Any]:
        """The metrics of a version (empty when it has none)."""
        path = self.root / version / METRICS_FILE
        if not path.is_file():
            return {}
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def current(self) -> str | None:
        """The promoted version, or ``None`` when nothing was promoted."""
        path = self.root / CURRENT_FILE
        if not path.is_file():
            return None
        name = path.read_text(encoding="utf-8").strip()
        return name or None

    def load(self, version: str | None = None) -> dict[str, Any]:
        """Load a version's bundle (the current one by default).

        Raises:
            ModelError: no such version, or nothing promoted yet.
        """
        version = version or self.current()
        if version is None:
            raise ModelError(f"no model promoted yet in {self.root}")
        return load_bundle(self.root / version / MODEL_FILE)

    def list_versions(self) -> list[VersionInfo]:
        """Every stored version with its summary figures."""
        cur = self.current()
        return [
            VersionInfo(v, self.root / v, v == cur, self.metrics(v).get("summary", {}))
            for v in self.versions()
        ]

    def adopt(self, shipped: Registry) -> str | None:
        """Start an empty registry from the shipped model (``models/`` of the repository).

        When this registry has no current version and ``shipped`` has one that loads, that
        version's folder is copied here and promoted, so that a fresh output folder uses
        the model trained on the real annotations without any training step. A registry
        that already has a current version is left as it is.

        Returns:
            The version adopted, or ``None`` (already had one, or nothing loadable shipped).
        """
        if self.current() is not None:
            return None
        version = shipped.current()
        if version is None:
            return None
        source = shipped.root / version
        try:
            load_bundle(source / MODEL_FILE)
        except ModelError:
            return None
        self._copy_in(source, version)
        self._log(
            {
                "action": "promote",
                "version": version,
                "forced": False,
                "shipped": True,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        self._point(version)
        return version

    def _copy_in(self, source: Path, version: str) -> None:
        folder = self.root / version
        if (folder / MODEL_FILE).is_file():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{version}.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        try:
            shutil.copytree(source, tmp)
        except OSError as exc:  # a full disk: leave nothing half-copied
            shutil.rmtree(tmp, ignore_errors=True)
            # copytree gathers its failures as (source, target, reason) triples
            reasons = exc.args[0] if isinstance(exc, shutil.Error) and exc.args else None
            reason = str(reasons[0][2]) if reasons else (exc.strerror or str(exc))
            raise ModelError(f"cannot copy model {version} into {self.root}: {reason}") from exc
        tmp.replace(folder)

    def ship(self, source: Registry, version: str) -> None:
        """Make ``version`` of ``source`` this registry's only version, and current.

        For the repository's shipped model: one version, no event log, so that the
        repository holds a single model file and its card.
        """
        if version not in source.versions():
            raise ModelError(f"unknown version {version} in {source.root}")
        self._copy_in(source.root / version, version)
        self._point(version)
        for name in self.versions():
            if name != version:
                shutil.rmtree(self.root / name)

    # -- promotion ------------------------------------------------------------------

    def _events(self) -> list[dict[str, Any]]:
        path = self.root / PROMOTIONS_FILE
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]

    def _log(self, event: dict[str, Any]) -> None:
        lines = [json.dumps(e) for e in [*self._events(), event]]
        with atomic_open(self.root / PROMOTIONS_FILE) as handle:
            handle.write("".join(line + "\n" for line in lines))

    def _point(self, version: str) -> None:
        with atomic_open(self.root / CURRENT_FILE) as handle:
            handle.write(version + "\n")

    def stack(self) -> list[str]:
        """Promoted versions still in force, oldest first (replay of the event log)."""
        stack: list[str] = []
        for event in self._events():
            if event["action"] == "promote":
                stack.append(event["version"])
            elif event["action"] == "rollback" and stack:
                stack.pop()
        return stack

    def compare(self, version: str, tolerance: float = 0.0) -> tuple[bool, str]:
        """Tell whether ``version`` is not worse than the current one on held-out sets.

        The figure compared is the mean over schemes of the combined macro-F1, on each
        held-out set both versions were measured on (written held-out split, real
        annotations). With no current version, any version may be promoted.
        """
        cur = self.current()
        if cur is None:
            return True, "no current model"
        if cur == version:
            return True, "already current"
        new, old = self.metrics(version).get("summary", {}), self.metrics(cur).get("summary", {})
        reasons = []
        ok = True
        for key in ("heldout_macro_f1", "real_macro_f1"):
            a, b = new.get(key), old.get(key)
            if a is None or b is None:
                continue
            if a + tolerance < b:
                ok = False
            reasons.append(f"{key}: {a:.4f} vs current {b:.4f}")
        if not reasons:
            return True, "no comparable figures"
        return ok, "; ".join(reasons)

    def promote(self, version: str, force: bool = False, tolerance: float = 0.0) -> str:
        """Point ``current`` at ``version`` if it is not worse (or ``force``).

        Returns:
            The comparison that allowed it.

        Raises:
            ModelError: unknown version, or worse than the current one without force.
        """
        if version not in self.versions():
            raise ModelError(f"unknown version {version}; stored: {self.versions()}")
        ok, why = self.compare(version, tolerance)
        if not ok and not force:
            raise ModelError(f"{version} is worse than the current model ({why}); use --force")
        if self.current() == version:
            return why
        self._log(
            {
                "action": "promote",
                "version": version,
                "forced": bool(force and not ok),
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        self._point(version)
        return why

    def rollback(self) -> str:
        """Go back to the version promoted before the current one.

        Raises:
            ModelError: there is no earlier promoted version.
        """
        stack = self.stack()
        if len(stack) < 2:
            raise ModelError("no earlier promoted version to roll back to")
        previous = stack[-2]
        self._log(
            {
                "action": "rollback",
                "version": previous,
                "from": stack[-1],
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        self._point(previous)
        return previous
