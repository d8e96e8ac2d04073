"""schemathesis over the whole OpenAPI, in-process on the ASGI app, with valid credentials.

Every operation gets positive and negative generated cases; each reply must not be a 5xx, its
status must be one the operation documents, and its body must conform to the declared schema.
Half the cases get this workspace's real ids as path parameters (and ``?location=``) so the
success paths run too.  No operation and no check is excluded; the text routes (``/metrics``,
the CSV export, the HTML bill preview) declare their media types, so they are checked too.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from activereach.app import create_app
from activereach.config import Settings
from tests.reliability.test_auth_matrix import _auth_of
from tests.support import client_address

# The schema does not depend on settings or the database: build it once, at collection.
_APP = create_app(Settings(database_url="sqlite+aiosqlite://", secret_key="schema-only",
                           worker_mode="off"))
SPEC = _APP.openapi()
SCHEMA = schemathesis.openapi.from_dict(SPEC)
GUARDS = _auth_of(_APP)
# Deletions last, so the seeded objects the other operations look up still exist.
OPERATIONS = sorted(((method.upper(), path) for path, ops in SPEC["paths"].items()
                     for method in ops), key=lambda op: op[0] == "DELETE")

# Sized for ≤ 120 s for the whole module on SQLite with 2 busy cores (~130 operations).
POSITIVE_EXAMPLES = 10
NEGATIVE_EXAMPLES = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

# Reads that are lookups of one exact record by a value the generator cannot guess, so a 2xx
# is not expected of them (their 404/422 answers are still checked against the schema):
LOOKUPS = {
    "/v1/orders",            # ?external_id= of an existing order (exact match)
    "/v1/contacts",          # exactly one of ?phone= / ?email= of an existing contact
    "/v1/loyalty/members",   # ?phone=, ?code= or ?member_id= of an existing member
    "/v1/catalog/changes",   # ?cursor= must be an opaque cursor a snapshot handed out
}


def _draw(operation: Any, mode: GenerationMode, count: int) -> list[Any]:
    """Generated cases, deterministic (derandomized), drawn up front: the requests are async."""
    cases: list[Any] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def collect(case: Any) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        # Negative mode on an operation with no parameters or body: nothing can be made invalid.
        assert mode is GenerationMode.NEGATIVE, f"no valid case for {operation.label}"
    return cases


def _credentials(method: str, path: str, seeded: Any) -> dict[str, str]:
    guards = GUARDS.get((method, path), set())
    if "require_device" in guards:
        return seeded.device
    if "require_admin" in guards or "require_admin_or_device" in guards:
        return seeded.tenant.admin
    if "require_writer" in guards:
        return seeded.tenant.writer
    return {}


def _request_kwargs(case: Any, credentials: dict[str, str]) -> dict[str, Any]:
    """schemathesis' requests-style kwargs, turned into httpx2 ones."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    kwargs["headers"] = {**(kwargs.get("headers") or {}), **credentials}
    out = {key: kwargs[key] for key in ("method", "url", "headers", "params")
           if kwargs.get(key) is not None}
    if kwargs.get("cookies"):
        # httpx2 deprecates per-request cookies: send them as the header a browser would.
        out["headers"]["Cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    if kwargs.get("files"):
        out["files"] = kwargs["files"]
    return out


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_operation_conforms(method: str, path: str, app: Any, seeded: Any) -> None:
    operation = SCHEMA[path][method]
    positive = _draw(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES)
    cases = positive + _draw(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    assert cases, f"schemathesis generated nothing for {method} {path}"
    checks = CHECKS
    credentials = _credentials(method, path, seeded)
    failures: list[str] = []
    successes = 0
    statuses: list[tuple[int, str]] = []
    transport = httpx2.ASGITransport(app=app, client=client_address())
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for index, case in enumerate(cases):
            if index % 2 == 0 and case.path_parameters:
                # Real ids of this workspace: the operation's success path is exercised too.
                for name in list(case.path_parameters):
                    if name in seeded.ids:
                        case.path_parameters[name] = seeded.ids[name]
            if index % 2 == 0 and case.query and "location" in case.query:
                case.query["location"] = seeded.ids["location_id"]
            kwargs = _request_kwargs(case, credentials)
            response = await client.request(**kwargs)
            successes += index < len(positive) and 200 <= response.status_code < 300
            statuses.append((response.status_code, response.text[:120]))
            try:
                case.validate_response(response, checks=checks)
            except (AssertionError, FailureGroup) as exc:
                failures.append(f"{kwargs['method']} {kwargs['url']} params={kwargs.get('params')}"
                                f" body={str(kwargs.get('json', kwargs.get('content')))[:300]}"
                                f" → {response.status_code} {response.text[:300]}\n{exc}")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + \
        "\n---\n".join(failures[:3])
    if method == "GET" and "{" not in path and path not in LOOKUPS:
        # The credentials really work: a read with valid parameters succeeds at least once.
        assert successes, f"no positive case of {method} {path} got a 2xx: {statuses[:5]}"
