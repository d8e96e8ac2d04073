"""Data pipes: POS connections (ActivePOS terminals and provider webhooks) and their inbox."""
