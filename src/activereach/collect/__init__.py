"""The Segment-compatible collection API (``POST /v1/batch``): web stores' analytics calls
become timeline events, profile traits and, for ``Order Completed``, orders on the one ingest
path. It sits above contacts, events and orders and is imported by none of them."""
