"""Analytics: roll-up tables kept current by jobs, and the unified revenue queries."""
