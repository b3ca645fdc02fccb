"""What a run publishes: stored outputs, profiles, report and QDPX export.

Where a run's outputs live and whether they can be reused, the per-territory
profiles and how far their labels can be trusted, the HTML report with its charts and
tables, and the QDPX export for qualitative-analysis software. Imports only the
layers below: records to model.
"""
