"""The label schemes of the codebook (``../shared/codebook.md``), as data every stage shares."""

from __future__ import annotations

#: Label ids of every scheme, exactly as in the codebook (``../shared/codebook.md``).
CODEBOOK_LABELS: dict[str, tuple[str, ...]] = {
    "public_value": (
        "economic",
        "political",
        "social",
        "strategic",
        "quality_of_life",
        "ideological",
        "stewardship",
    ),
    "coproduction": ("active", "participative", "enhanced"),
    "governance": ("proactive", "open"),
    "pillar": ("infrastructure", "data", "organisation", "inclusion"),
    "helix": ("public_sector", "business", "academia", "civil_society", "environment"),
    "obstacle": ("phasing", "resources", "network_governance"),
}

#: Scheme ids, in codebook order.
SCHEMES: tuple[str, ...] = tuple(CODEBOOK_LABELS)
