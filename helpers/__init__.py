"""Community-operations research kit: the public surface notebooks import from.

Import the module you need (``from helpers import kpi``); each is small and named after one domain noun.
"""

__all__ = [
    "catalog",
    "design",
    "glossary",
    "ingest",
    "kpi",
    "metrics",
    "plots",
    "project",
    "prose",
    "publish",
    "runner",
    "schema",
    "study",
    "synth",
    "timeline",
    "warehouse",
]
