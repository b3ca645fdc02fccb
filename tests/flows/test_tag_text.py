"""``valpub tag-text``: JSONL in and out, order kept, malformed lines named, empty text unlabelled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.paths import ROOT

LINES = [
    json.dumps({"id": "a", "text": "Un budget participatif permettra aux habitants de voter."}),
    '{"id": "b", "text": "unterminated',
    json.dumps({"id": 3, "text": ""}),
    json.dumps({"id": "d", "text": "La fibre optique attire de nouvelles entreprises."}),
]


def test_tag_text_on_an_empty_models_folder_uses_the_shipped_model(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.commands.model",
            "tag-text",
            "--models",
            str(tmp_path / "none"),
        ],
        input="\n".join(LINES) + "\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "line 2" in result.stderr
    assert "using the shipped model" in result.stderr
    assert (tmp_path / "none" / "current").read_text().strip() == (
        (ROOT / "models" / "current").read_text().strip()
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", 3, "d"]
    schemes = {"public_value", "coproduction", "governance", "pillar", "helix", "obstacle"}
    for row in rows:
        assert set(row["labels"]) == set(row["scores"]) == set(row["evidence"]) == schemes
    assert "participative" in rows[0]["labels"]["coproduction"]
    assert 0.0 < rows[0]["scores"]["coproduction"]["participative"] <= 1.0
    assert any(
        "budget participatif" in s.lower()
        for s in rows[0]["evidence"]["coproduction"]["participative"]
    )
    assert all(v == [] for v in rows[1]["labels"].values())


def test_tag_text_with_a_trained_model(tmp_path: Path, nlp, lexicon_matcher) -> None:
    import typer

    from flows.commands.model import register
    from nlp.model.learning import TrainConfig, train
    from nlp.model.lexicon_features import lexicon_matrix, lexicon_tags
    from nlp.model.registry import Registry
    from nlp.model.training import load_examples

    examples = load_examples(ROOT / "corpus" / "training" / "train.jsonl")[::8]
    lex = lexicon_matrix(lexicon_tags(nlp, lexicon_matcher, [e.text for e in examples]))
    clf, _report = train(examples, lex, TrainConfig(folds=2))
    registry = Registry(tmp_path / "models")
    registry.save("v1", clf.to_bundle(), {"summary": {}}, "#")
    registry.promote("v1")

    app = typer.Typer()
    register(app)
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app,
        ["tag-text", "--in", str(source), "--out", str(out), "--models", str(tmp_path / "models")],
    )
    assert result.exit_code == 1
    assert "line 2" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", 3, "d"]
    first = rows[0]
    for scheme, labels in first["labels"].items():
        assert set(first["sources"][scheme]) == set(labels)
        assert set(first["sources"][scheme].values()) <= {"lexicon", "classifier", "both"}
        assert all(0.0 <= p <= 1.0 for p in first["scores"][scheme].values())
    assert all(v == [] for v in rows[1]["labels"].values())

    listing = CliRunner().invoke(app, ["models", "list", "--models", str(tmp_path / "models")])
    assert listing.exit_code == 0 and "* v1" in listing.output


def test_parallel_workers_give_the_same_output_in_the_same_order(
    tmp_path: Path, trained_models: Path
) -> None:
    from nlp.model.training import load_examples

    texts = [e.text for e in load_examples(ROOT / "corpus" / "training" / "train.jsonl")][:1100]
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    lines.insert(700, "{not json")  # a malformed line in the second batch
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def tag(workers: int) -> tuple[str, str]:
        target = tmp_path / f"out-{workers}.jsonl"
        result = subprocess.run(
            [
                *(sys.executable, "-m", "flows.commands.model", "tag-text", "--in", str(source)),
                *("--out", str(target), "--models", str(trained_models)),
                *("--workers", str(workers)),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 1, result.stderr  # the malformed line
        assert "line 701" in result.stderr
        return target.read_text(encoding="utf-8"), result.stderr

    serial, _ = tag(1)
    parallel, _ = tag(2)
    rows = [json.loads(line) for line in parallel.splitlines()]
    assert [r["id"] for r in rows] == list(range(len(texts)))  # > 1 batch, order kept
    assert len(texts) > 512
    assert parallel == serial
    assert sum(any(r["labels"].values()) for r in rows) > len(rows) / 2


def test_repeated_texts_are_tagged_once_with_the_same_output(trained_models: Path) -> None:
    from flows.defaults import DEFAULT_LEXICONS
    from flows.tag_text import Tagger
    from nlp.model.training import load_examples

    tagger = Tagger(DEFAULT_LEXICONS, trained_models)
    texts = [e.text for e in load_examples(ROOT / "corpus" / "training" / "train.jsonl")][:40]
    # each text three times, in two batches: within a batch and across batches
    first = [(i, t) for i, t in enumerate(texts + texts[:20])]
    second = [(100 + i, t) for i, t in enumerate([*texts[10:], "", ""])]
    calls: list[int] = []
    tag = tagger.tag
    tagger.tag = lambda batch: calls.append(len(batch)) or tag(batch)  # type: ignore[method-assign]
    lines = tagger.tag_lines(first) + tagger.tag_lines(second)
    assert calls == [40, 1]  # the distinct texts of the first batch, then only ""
    tagger.tag = tag  # type: ignore[method-assign]
    tagger.forget()
    alone = {t: tag([t])[0] for t in [*texts, ""]}
    expected = [
        json.dumps({"id": i, **alone[t]}, ensure_ascii=False) + "\n" for i, t in first + second
    ]
    assert lines == expected
