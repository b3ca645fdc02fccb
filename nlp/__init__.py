"""valpub's library: PDF extraction, French NLP tagging and territorial profiles.

Plain functions and small classes, one module per stage. The rule that keeps it
reusable: nothing here imports Prefect, Typer or :mod:`flows` (a test checks it), and
nothing happens at import time (no model loading, no I/O).
"""
