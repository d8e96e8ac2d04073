"""Bad input: one error shape, 400/413/422 naming the problem, nothing half-written."""

import json

from tests.conftest import order_body


def _is_error_shape(body: dict) -> bool:
    return set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])


async def test_malformed_json_is_a_400(client, tenant) -> None:
    response = await client.post("/v1/orders", headers={**tenant.admin, "content-type": "application/json"},
                                 content=b'{"external_id": ')
    assert response.status_code == 400 and _is_error_shape(response.json())
    assert response.json()["error"]["code"] == "malformed_json"


async def test_non_utf8_bytes_are_a_400(client, tenant) -> None:
    response = await client.post("/v1/orders", headers={**tenant.admin, "content-type": "application/json"},
                                 content=b'{"external_id": "\xff\xfe"}')
    assert response.status_code in (400, 422) and _is_error_shape(response.json())


async def test_deeply_nested_json_is_refused_before_parsing(client, tenant) -> None:
    body = b'{"metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = await client.post("/v1/orders", headers={**tenant.admin, "content-type": "application/json"},
                                 content=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "too_deep"


async def test_oversized_body_is_a_413(client, tenant) -> None:
    big = json.dumps(order_body(metadata={"blob": "x" * 2_000_000})).encode()
    response = await client.post("/v1/orders", headers={**tenant.admin, "content-type": "application/json"},
                                 content=big)
    assert response.status_code == 413 and _is_error_shape(response.json())


async def test_wrong_types_name_the_field(client, tenant) -> None:
    response = await client.post("/v1/orders", headers=tenant.admin,
                                 json=order_body(lines=[{"name": "x", "quantity": 1, "unit_price": "ten"}]))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "lines.0.unit_price"


async def test_unknown_route_and_method_use_the_error_shape(client, tenant) -> None:
    missing = await client.get("/v1/nothing-here", headers=tenant.admin)
    assert missing.status_code == 404 and _is_error_shape(missing.json())
    wrong = await client.put("/v1/orders", headers=tenant.admin, json={})
    assert wrong.status_code == 405 and _is_error_shape(wrong.json())


async def test_health_ready_metrics_and_openapi(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    metrics = await client.get("/metrics")
    assert "activereach_http_request_seconds" in metrics.text
    spec = (await client.get("/openapi.json")).json()
    assert "/v1/orders" in spec["paths"] and "/v1/batch" in spec["paths"]
