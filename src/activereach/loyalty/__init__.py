"""Loyalty: one program per workspace, an append-only points ledger, holds and rewards."""
