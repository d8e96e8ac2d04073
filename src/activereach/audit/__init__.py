"""The audit log: who changed which setting, when, from what to what."""
