"""valpub's library: PDF extraction, French NLP tagging and territorial profiles.

Plain functions and small classes, in one subpackage per stage, layered from the
bottom up: records, ingest, extract, language, model, results, annotation. A layer
imports only from itself and the layers below it; nothing here imports Prefect, Typer
or :mod:`flows`, and nothing happens at import time (no model loading, no I/O). Tests
check the imports (``tests/test_architecture.py``).
"""
