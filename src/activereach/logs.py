"""Logging: structlog over the standard library, key=value or JSON lines, secrets redacted."""

from __future__ import annotations

import logging
import re

import structlog

# Anything that looks like one of our credentials is masked wherever it appears in a log line.
_SECRET_RE = re.compile(r"\b(sk|wk|dt)_[A-Za-z0-9]{8,}")


# Fields whose value is a secret whatever it looks like (provider secrets, PINs, pairing codes).
_SECRET_FIELDS = {"secret", "secrets", "token", "password", "pin", "authorization", "api_key",
                  "authkey", "pairing_code", "device_token", "signature"}
_SECRET_SUFFIXES = ("_secret", "_token", "_password", "_pin")


def _redact(_: object, __: str, event_dict: dict) -> dict:
    for key, value in list(event_dict.items()):
        lowered = key.lower()
        if lowered in _SECRET_FIELDS or lowered.endswith(_SECRET_SUFFIXES):
            event_dict[key] = "[redacted]"
        elif isinstance(value, str):
            event_dict[key] = _SECRET_RE.sub(lambda m: m.group(1) + "_[redacted]", value)
    return event_dict


def configure_logging(level: str = "info", *, json_logs: bool = False) -> None:
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer(colors=False)
    shared = [structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
              structlog.processors.TimeStamper(fmt="iso", utc=True), _redact]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=shared))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
