"""The ASGI entry point for uvicorn and other servers: ``activereach.asgi:app``."""

from activereach.app import create_app

app = create_app()
