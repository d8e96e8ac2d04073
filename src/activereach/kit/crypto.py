"""Secrets at rest: Fernet with a key derived (HKDF-SHA256) from the server's secret key.

``encrypt(text) -> str`` / ``decrypt(token) -> str``.  Servers built with explicit settings bind
them with ``use_settings``; otherwise the environment's settings apply (CLI, external worker).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from activereach.config import Settings, get_settings

_INFO = b"activereach/kit/secrets/v1"
_configured: Settings | None = None


def use_settings(settings: Settings) -> None:
    """Bind the app's settings (tests and servers built with explicit settings)."""
    global _configured
    _configured = settings


def current_settings() -> Settings:
    return _configured or get_settings()


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> str:
    return _fernet(current_settings().resolved_secret_key()).encrypt(text.encode()).decode()


def decrypt(token: str, ttl: int | None = None) -> str:
    """``ttl`` (seconds) refuses a token older than that, as Fernet's own timestamp says."""
    try:
        return _fernet(current_settings().resolved_secret_key()).decrypt(
            token.encode(), ttl=ttl).decode()
    except InvalidToken as exc:
        raise ValueError("secret cannot be decrypted with this server's secret key") from exc
