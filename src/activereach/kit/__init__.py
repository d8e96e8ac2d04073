"""Small shared helpers: ids, money, errors, database plumbing, JSON."""
