"""The run summary that a run publishes as a Prefect artifact (Markdown).

The counts of documents, pages and sentences, the documents per status, then those to
check (failed, or with a reason) and the sources that could not be pulled.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flows.tasks import FAILED_STATUSES

#: Key of the run summary among the Prefect artifacts (the latest run's is shown first).
SUMMARY_KEY = "valpub-run-summary"


def summary_markdown(
    rows: list[dict[str, Any]],
    sentences: int,
    model_version: str | None,
    seconds: float,
    runner: str = "process",
    pulled: list[dict[str, Any]] | None = None,
) -> str:
    """The run summary published as a Prefect artifact: counts, then the documents to check.

    Lists every document whose status is not ``ok`` or that has a reason, with it, and
    with ``pulled`` (the outcomes of :func:`flows.tasks.pull_task`), the URLs that could
    not be pulled.
    """
    counts = Counter(str(r["status"]) for r in rows)
    pages = sum(int(r["pages"] or 0) for r in rows)
    model = f"`{model_version}`" if model_version else "none (lexicons only)"
    lines = [
        "# valpub run summary",
        "",
        "| documents | pages | sentences | model | runner | time |",
        "|---:|---:|---:|---|---|---:|",
        f"| {len(rows)} | {pages} | {sentences} | {model} | {runner} | {seconds:.1f} s |",
        "",
        "## Documents per status",
        "",
        "| status | documents |",
        "|---|---:|",
        *(f"| {status} | {n} |" for status, n in sorted(counts.items())),
        "",
    ]
    flagged = [r for r in rows if r["status"] != "ok" or r["reason"]]
    flagged.sort(key=lambda r: (r["status"] not in FAILED_STATUSES, r["status"], r["file"]))
    if flagged:
        lines += [
            "## Documents to check",
            "",
            "| file | status | reason |",
            "|---|---|---|",
            *(
                f"| {_cell(r['file'])} | {r['status']} | {_cell(r['reason'] or '')} |"
                for r in flagged
            ),
            "",
        ]
    else:
        lines += ["Every document was processed without remark.", ""]
    if pulled is not None:
        by_status = Counter(str(p["status"]) for p in pulled)
        lines += [
            "## Sources pulled",
            "",
            ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
            or "no URL in the sources file",
            "",
        ]
        failed = [p for p in pulled if p["status"] not in {"downloaded", "unchanged"}]
        if failed:
            lines += [
                "| line | URL | status | reason |",
                "|---:|---|---|---|",
                *(
                    f"| {p['line']} | {_cell(p['url'])} | {p['status']} | {_cell(p['reason'])} |"
                    for p in failed
                ),
                "",
            ]
    return "\n".join(lines)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
