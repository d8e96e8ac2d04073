"""Fuzz suite: schemathesis over the OpenAPI, malformed ingest bodies, mapping properties."""
