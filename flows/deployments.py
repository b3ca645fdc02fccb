"""valpub's deployments for a Prefect server with a worker: the pipeline and retraining.

Register them once (again after changing a schedule or a path), then start a worker::

    export PREFECT_API_URL=http://prefect-host:4200/api
    python -m flows.deployments --corpus /data/corpus --out /data/outputs
    prefect worker start --pool valpub

Two deployments go to a work pool of type ``process`` (created when missing):

- ``valpub-pipeline/nightly`` runs :func:`flows.pipeline.pipeline_job` (what ``valpub
  run`` does) on ``--cron`` (default ``VALPUB_CRON`` or every night at 03:00);
- ``valpub-retrain/weekly`` runs :func:`retrain_job` (what ``valpub retrain`` does: the
  analysts' annotations join the training data, the new model is promoted only when it
  is not worse) on ``--retrain-cron`` (default ``VALPUB_RETRAIN_CRON`` or Sundays 04:00).

A Python script rather than ``prefect.yaml`` + ``prefect deploy``: the deployments name
their flows by module (``flows.pipeline.pipeline_job``), so a worker runs them from the
installed valpub package, with no code storage, image or pull step to maintain; and
their paths are resolved here, once, to absolute ones. The worker must run in an
environment where valpub is installed, on a machine that sees those paths.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.settings import settings

PIPELINE_DEPLOYMENT = "nightly"
RETRAIN_DEPLOYMENT = "weekly"


@flow(name="valpub-retrain", log_prints=True)
def retrain_job(
    out: str = "outputs",
    models: str | None = None,
    store: str | None = None,
    force: bool = False,
) -> str | None:
    """Retrain the classifier on the annotations, as ``valpub retrain`` does.

    Runs :func:`flows.train.train_model` with :func:`flows.train.analysts_examples`: the
    shipped sentences, the real-sentence annotations and the analysts' judgements of the
    annotation store (``store``, default ``OUT/annotations.db``) train a new version,
    promoted only when it is not worse than the current one (or with ``force``). A version
    that is not promoted is no failure: the run says so and keeps the current model.
    Returns the current version afterwards.
    """
    from flows.console import say
    from flows.train import NotPromotedError, analysts_examples, train_model
    from nlp.model.registry import Registry

    logger = get_run_logger()
    models_dir = Path(models) if models else Path(out) / "models"
    try:
        examples, shown = analysts_examples(Path(out), store)
        train_model(
            models=models_dir, force=force, extra=examples, extra_source=shown, outputs=Path(out)
        )
    except NotPromotedError as exc:
        say(f"not promoted: {exc}", err=True)
        logger.warning("the new model was not promoted: it is worse than the current one")
    current = Registry(models_dir).current()
    logger.info("current model: %s", current)
    return current


def ensure_process_pool(name: str) -> None:
    """Create the work pool ``name`` (type ``process``) unless it exists.

    Raises:
        ValueError: a pool of that name exists with another type.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name,
                    type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                    description="valpub: the pipeline and the retraining",
                )
            )
            return
    if pool.type != "process":
        raise ValueError(f"work pool {name!r} has type {pool.type!r}, not 'process'")


def register(
    pool: str,
    corpus: Path | str,
    out: Path,
    workers: int = 0,
    cron: str = "0 3 * * *",
    retrain_cron: str = "0 4 * * 0",
    timezone: str = "UTC",
    runner: str = "process",
    dask_address: str | None = None,
    store: str | None = None,
    sources: Path | None = None,
) -> dict[str, Any]:
    """Register (or update) both deployments on the Prefect API; return their ids by name."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from flows.deployments import retrain_job  # by its module name, even under `-m`
    from flows.pipeline import pipeline_job
    from nlp.ingest.corpus import corpus_location

    ensure_process_pool(pool)
    out = out.resolve()
    common: dict[str, Any] = {
        "work_pool_name": pool,
        "build": False,
        "push": False,
        "entrypoint_type": EntrypointType.MODULE_PATH,
        "print_next_steps": False,
    }
    pipeline_id = pipeline_job.deploy(
        PIPELINE_DEPLOYMENT,
        schedule=Cron(cron, timezone=timezone),
        parameters={
            "corpus": str(corpus_location(corpus)),
            "out": str(out),
            "workers": workers,
            "runner": "dask" if dask_address else runner,
            "dask_address": dask_address,
            "sources": str(sources.resolve()) if sources else None,
        },
        description="valpub run: the corpus to labelled sentences, profiles and the report.",
        **common,
    )
    retrain_id = retrain_job.deploy(
        RETRAIN_DEPLOYMENT,
        schedule=Cron(retrain_cron, timezone=timezone),
        parameters={"out": str(out), "store": store},
        description="valpub retrain: a new model from the annotations, promoted if not worse.",
        **common,
    )
    return {
        f"{pipeline_job.name}/{PIPELINE_DEPLOYMENT}": pipeline_id,
        f"{retrain_job.name}/{RETRAIN_DEPLOYMENT}": retrain_id,
    }


def main(argv: list[str] | None = None) -> None:
    """Register the deployments (``python -m flows.deployments --help``)."""
    config = settings()
    parser = argparse.ArgumentParser(
        prog="python -m flows.deployments",
        description="Register valpub's deployments (pipeline, retraining) on a Prefect server.",
    )
    parser.add_argument("--pool", default=config.pool, help="work pool name")
    parser.add_argument(
        "--corpus",
        default=config.corpus,
        help="corpus folder, or its URL (the workers read the documents from there)",
    )
    parser.add_argument("--out", type=Path, default=config.out)
    parser.add_argument("--workers", type=int, default=config.workers)
    parser.add_argument("--cron", default=config.cron)
    parser.add_argument("--retrain-cron", default=config.retrain_cron)
    parser.add_argument("--timezone", default=config.timezone)
    parser.add_argument("--runner", choices=("process", "dask"), default="process")
    parser.add_argument("--dask-address", default=config.dask_address)
    parser.add_argument("--store", default=config.annotations_url)
    parser.add_argument(
        "--sources",
        type=Path,
        default=config.sources,
        help="CSV of URLs pulled into the corpus at each run",
    )
    args = parser.parse_args(argv)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        parser.error("set PREFECT_API_URL to the Prefect server that schedules the runs")
    ids = register(
        args.pool,
        args.corpus,
        args.out,
        workers=args.workers,
        cron=args.cron,
        retrain_cron=args.retrain_cron,
        timezone=args.timezone,
        runner=args.runner,
        dask_address=args.dask_address,
        store=args.store,
        sources=args.sources,
    )
    for name, deployment_id in ids.items():
        print(f"registered {name} ({deployment_id}) on work pool {args.pool!r}")
    print(f"start a worker: prefect worker start --pool {args.pool}")


if __name__ == "__main__":
    main()
