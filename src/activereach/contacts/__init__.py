"""Contacts: the unified profile, its identities and the rules that resolve them."""
