"""Tenancy: workspaces (brands), locations (outlets), terminals and API credentials."""
