"""The repository's default inputs: lexicons, training sentences, model folders.

Commands take these paths as option defaults and workflows as argument defaults. The
model shipped in the repository (``models/``) is the default model of every fresh
output folder: :func:`adopt_shipped` copies it into an empty registry, so a first run
or ``valpub tag-text`` labels with a model trained on real annotations at once.
"""

from __future__ import annotations

from pathlib import Path

from flows.console import say

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LEXICONS = ROOT / "lexicons"
TRAINING = ROOT / "corpus" / "training"
DEFAULT_TRAIN = TRAINING / "train.jsonl"
DEFAULT_HELDOUT = TRAINING / "heldout.jsonl"
DEFAULT_REAL = TRAINING / "real_annotations.jsonl"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
"""The real corpus beside the repository, where the real-sentence annotations point."""
SAMPLE_CORPUS = Path("corpus")
"""The corpus `valpub run` reads by default: the shipped sample documents."""
DEFAULT_OUT = Path("outputs")
"""Where every command writes and reads its results by default."""
DEFAULT_MODELS = DEFAULT_OUT / "models"
SHIPPED_MODELS = ROOT / "models"
"""The model shipped in the repository (a registry with one version), trained with the
real annotations: what a fresh output folder starts from."""


def adopt_shipped(models: Path) -> str | None:
    """The current version of ``models``, adopting the shipped model when it has none."""
    from nlp.model.registry import Registry

    registry = Registry(models)
    if registry.current() is None:
        adopted = registry.adopt(Registry(SHIPPED_MODELS))
        if adopted is not None:
            say(f"using the shipped model {adopted} (trained with real annotations)", err=True)
    return registry.current()
