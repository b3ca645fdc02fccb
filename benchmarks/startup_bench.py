"""Start-up of `valpub run`: seconds from the command to its first document, by Prefect server.

Measured in one run, on one document of the shipped sample corpus, all with the same
Prefect home, whose database a warm-up run has made. The first three go each into a fresh
output folder (so a run is never the "nothing changed" shortcut, and each first adopts
the shipped model, loading it once to check it):

* ``temporary``: ``--keep-server 0``, Prefect's temporary server started by the run;
* ``kept-cold``: the first run with no kept server: it starts one (and keeps it);
* ``kept-warm``: later runs, which find the kept server running;
* ``kept-changed``: the nightly case the target is stated for: the kept server, the
  output folder of the previous run (its model already there), and a corpus whose
  document changed since (another PDF of the sample corpus each time).

"First document" is the moment its clean pages are written (``OUT/pages/*.jsonl``); the
wall time of the whole command is given beside it. Medians of ``--repeat`` runs.
Prints a table and writes JSON; the target is kept-changed ≤ 5 s to the first document.

Usage: python benchmarks/startup_bench.py [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, write_json

VALPUB = Path(sys.executable).parent / "valpub"
TARGET_SECONDS = 5.0


def small_pdfs() -> list[Path]:
    """The PDFs of the sample corpus, smallest first."""
    return sorted((ROOT / "corpus").rglob("*.pdf"), key=lambda p: p.stat().st_size)


def one_document(folder: Path, pdf: Path | None = None) -> Path:
    """A corpus of one PDF (the smallest of the sample corpus), replacing what it held."""
    pdf = pdf or small_pdfs()[0]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.pdf"):
        old.unlink()
    shutil.copy(pdf, folder / pdf.name)
    return folder


def timed_run(corpus: Path, out: Path, env: dict[str, str], keep: float) -> tuple[float, float]:
    """(seconds to the first document's pages, seconds of the whole command)."""
    before = set((out / "pages").glob("*.jsonl"))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(VALPUB), "run", "--corpus", str(corpus), "--out", str(out), "--no-progress"],
        env={**env, "VALPUB_KEEP_SERVER": str(keep)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    first = float("nan")
    while proc.poll() is None:
        if first != first and set((out / "pages").glob("*.jsonl")) - before:
            first = time.perf_counter() - start
        time.sleep(0.02)
    total = time.perf_counter() - start
    if proc.returncode != 0:
        error = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        raise SystemExit(f"valpub run failed: {error}")
    if first != first:
        first = total
    return first, total


def stop(env: dict[str, str]) -> None:
    subprocess.run([str(VALPUB), "server", "stop"], env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "outputs" / "bench-startup.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="valpub-startup-"))
    env = {
        **{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
        "PREFECT_HOME": str(work / "prefect"),
        "PYTHONWARNINGS": "ignore",
    }
    runs = 0

    def measure(keep: float) -> tuple[float, float]:
        nonlocal runs
        runs += 1
        return timed_run(corpus, work / f"out-{runs}", env, keep)

    results: dict[str, dict[str, float]] = {}
    try:
        corpus = one_document(work / "corpus")
        measure(0)  # warm-up: Prefect's database, the model copy, the OS file cache
        samples = {
            "temporary": [measure(0) for _ in range(args.repeat)],
            "kept-cold": [measure(30)],
            "kept-warm": [measure(30) for _ in range(args.repeat)],
        }
        # the nightly case: the same output folder (its model already adopted), and a
        # corpus that changed since the last run (another document in it each time)
        same_out = work / "out-changed"
        timed_run(corpus, same_out, env, 30)
        samples["kept-changed"] = [
            timed_run(one_document(corpus, pdf), same_out, env, 30)
            for pdf in small_pdfs()[1 : 1 + args.repeat]
        ]
        stop(env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, values in samples.items():
        results[name] = {
            "first_document_s": statistics.median(v[0] for v in values),
            "command_s": statistics.median(v[1] for v in values),
            "runs": len(values),
        }
    print(f"`valpub run` start-up, one document, {os.cpu_count()} cores (medians)")
    print(f"{'server':<12} {'runs':>4} {'first doc s':>12} {'command s':>10}")
    for name, r in results.items():
        print(f"{name:<12} {r['runs']:>4} {r['first_document_s']:>12.1f} {r['command_s']:>10.1f}")
    warm = results["kept-changed"]["first_document_s"]
    ratio = warm / results["temporary"]["first_document_s"]
    verdict = "met" if warm <= TARGET_SECONDS else "NOT met"
    print(f"kept-changed first document {warm:.1f} s, target <= {TARGET_SECONDS} s: {verdict}")
    print(f"kept-changed / temporary: {ratio:.2f}")
    out = {
        "cores": os.cpu_count(),
        "runs": {k: {kk: round(vv, 3) for kk, vv in v.items()} for k, v in results.items()},
        "ratios": {"kept_changed_vs_temporary": round(ratio, 3)},
    }
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
