"""Jobs: the transactional-outbox ``jobs`` table, its registry and the worker that runs it."""
