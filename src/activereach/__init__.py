"""Active Reach POS integration: one ingest path from every till into contact profiles."""

__version__ = "0.1.0"
