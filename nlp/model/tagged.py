"""What names a document's stored tagged sentences: their row version and cache key.

Apart from :mod:`nlp.model.tagging`, which imports spaCy and scikit-learn, so that a run
can look up what it has already tagged without loading either.
"""

from __future__ import annotations

#: Version of the tagged-sentence rows (columns, segmentation): stored ones of another
#: version are tagged again.
TAGGED_VERSION = "2"


def model_key(fingerprint: str, model_version: str | None) -> str:
    """Cache key of tagged sentences: row version, lexicon fingerprint and model version."""
    key = f"v{TAGGED_VERSION}-{fingerprint}"
    return f"{key}-{model_version}" if model_version else key
