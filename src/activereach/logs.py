"""Logging: structlog over the standard library, key=value or JSON lines, secrets redacted.

Redaction covers every path a secret could take into a log line (issue 18, finding 3):

- fields named like a secret are masked whatever their value, nested dicts and lists included;
- any string that looks like one of our credentials, a ``Bearer``/``Basic`` credential or a
  credential header (``Authorization: …``, ``X-Clover-Auth: …``) is masked;
- tracebacks are rendered to plain text *before* the redactor runs, without local variables
  (locals are where request headers and provider secrets sit), so the redactor sees them;
- the finished line is scrubbed once more, whatever the renderer produced (belt and braces for
  a value that reached the renderer in a shape the field rules did not know).

Both log modes (console key=value and JSON) share the one chain.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

# Anything that looks like one of our credentials is masked wherever it appears in a log line.
_SECRET_RE = re.compile(r"\b(sk|wk|dt)_[A-Za-z0-9]{8,}")
# HTTP credentials in any text: "Bearer <token>", "Basic <base64>", and credential headers
# written as "name: value" / "name=value" / "'name': 'value'" (a repr'd header dict, a traceback).
# Schemes as HTTP spells them (case-sensitive: "basic checks" in prose is not a credential).
_SCHEME_RE = re.compile(r"\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
_HEADER_RE = re.compile(
    r"""(?P<name>\b(?:authorization|proxy-authorization|x-clover-auth|x-write-key|x-api-key)\b"""
    r"""['"]?\s*[:=,]\s*(?:b?['"])?)(?P<value>(?:(?:Bearer|Basic)\s+)?[^'"\s,;})\]]+)""",
    re.IGNORECASE)
# A cookie header carries several "name=value;" pairs: masked to the end of the value.
_COOKIE_RE = re.compile(
    r"""(?P<name>\b(?:set-)?cookie\b['"]?\s*[:=,]\s*(?:b?['"])?)(?P<value>[^'"\r\n]+)""",
    re.IGNORECASE)

# Fields whose value is a secret whatever it looks like (provider secrets, PINs, pairing codes).
_SECRET_FIELDS = {"secret", "secrets", "token", "password", "pin", "authorization", "api_key",
                  "authkey", "pairing_code", "device_token", "signature", "cookie",
                  "x-clover-auth", "x-write-key", "x-api-key"}
_SECRET_SUFFIXES = ("_secret", "_token", "_password", "_pin")
_REDACTED = "[redacted]"
_MAX_DEPTH = 8


def redact_text(text: str) -> str:
    """``text`` with every credential-shaped substring masked (ids and codes stay readable)."""
    # Header forms first (their value may start with a scheme), then bare schemes and keys.
    text = _HEADER_RE.sub(lambda m: m.group("name") + _REDACTED, text)
    text = _COOKIE_RE.sub(lambda m: m.group("name") + _REDACTED, text)
    text = _SCHEME_RE.sub(lambda m: m.group(1) + m.group(2) + _REDACTED, text)
    return _SECRET_RE.sub(lambda m: m.group(1) + "_" + _REDACTED, text)


def _is_secret_field(name: object) -> bool:
    if not isinstance(name, str):
        return False
    lowered = name.lower()
    return lowered in _SECRET_FIELDS or lowered.endswith(_SECRET_SUFFIXES)


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: _REDACTED if _is_secret_field(k) else _redact_value(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v, depth + 1) for v in value)
    return value


def _redact(_: object, __: str, event_dict: EventDict) -> EventDict:
    for key, value in list(event_dict.items()):
        if key.startswith("_"):
            continue  # structlog's own plumbing (_record, _from_structlog)
        event_dict[key] = _REDACTED if _is_secret_field(key) else _redact_value(value)
    return event_dict


def _scrubbed(renderer: Callable[..., Any]) -> Callable[..., Any]:
    """The renderer, with its finished line passed through ``redact_text``."""
    def render(logger: object, method: str, event_dict: EventDict) -> Any:
        line = renderer(logger, method, event_dict)
        if isinstance(line, bytes):
            return redact_text(line.decode("utf-8", "replace")).encode()
        return redact_text(line)
    return render


def configure_logging(level: str = "info", *, json_logs: bool = False) -> None:
    if json_logs:
        renderer: Callable[..., Any] = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback)
    # format_exc_info turns exc_info into a plain-text "exception" field (no locals) here, ahead
    # of _redact: a traceback rendered after the redactor would escape it.
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info, _redact]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _scrubbed(renderer)],
        foreign_pre_chain=shared))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
