"""Orchestration: Prefect flows and the `valpub` command line, on top of :mod:`nlp`."""
