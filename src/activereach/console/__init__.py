"""The server-rendered console at ``/dashboard/{workspace}/…``: settings, contacts, analytics."""
