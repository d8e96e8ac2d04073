"""Orders: the canonical commerce record and the one ingest path every source goes through."""
