"""What analytics SDKs put around their messages (issue 21): HTTP Basic auth and the body's
``writeKey``, gzip bodies (and bombs), Segment's size limits, and error replies that
rudder-sdk-python can read (top-level ``code``/``message`` beside our ``error``)."""

from __future__ import annotations

import base64
import gzip
import uuid

import orjson

from activereach.collect.envelope import BATCH_LIMIT_BYTES, MESSAGE_LIMIT_BYTES


def _identify(**extra: object) -> dict:
    return {"type": "identify", "messageId": f"i-{uuid.uuid4().hex}", "userId": "u-t",
            "traits": {"name": "T"}, **extra}


def _basic(key: str, password: str = "") -> dict[str, str]:
    token = base64.b64encode(f"{key}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _post(client, path: str, body: object, headers: dict[str, str], *,  # type: ignore[no-untyped-def]
                gzipped: bool = False):
    data = orjson.dumps(body)
    headers = {"Content-Type": "application/json", **headers}
    if gzipped:
        data, headers = gzip.compress(data), {**headers, "Content-Encoding": "gzip"}
    return await client.post(path, content=data, headers=headers)


class TestAuth:
    async def test_basic_auth_with_the_key_as_user_name(self, client, tenant) -> None:
        response = await _post(client, "/v1/batch", {"batch": [_identify()]}, _basic(tenant.write_key))
        assert response.status_code == 200, response.text

    async def test_the_body_write_key(self, client, tenant) -> None:
        body = {"batch": [_identify()], "writeKey": tenant.write_key}
        assert (await _post(client, "/v1/batch", body, {})).status_code == 200

    async def test_a_wrong_basic_key_is_a_readable_401(self, client, tenant) -> None:
        response = await _post(client, "/v1/batch", {"batch": [_identify()]}, _basic("wk_nope"))
        body = response.json()
        assert response.status_code == 401
        # rudder-sdk-python reads payload["code"]; our clients read payload["error"]
        assert body["code"] == body["error"]["code"] == "unauthorized"
        assert body["message"] == body["error"]["message"]

    async def test_no_credential_at_all(self, client) -> None:
        response = await _post(client, "/v1/batch", {"batch": [_identify()]}, {})
        assert response.status_code == 401 and "Basic" in response.json()["message"]

    async def test_other_routes_keep_the_plain_error_shape(self, client) -> None:
        body = (await client.get("/v1/contacts", params={"phone": "1"})).json()
        assert set(body) == {"error"}


class TestGzip:
    async def test_a_gzip_batch_is_read(self, client, tenant) -> None:
        response = await _post(client, "/v1/batch", {"batch": [_identify()]},
                               _basic(tenant.write_key), gzipped=True)
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 1

    async def test_a_bomb_is_refused_without_inflating_it(self, client, tenant) -> None:
        bomb = gzip.compress(b'{"batch": [' + b" " * (64 * 1024 * 1024) + b"]}")
        assert len(bomb) < 200 * 1024
        response = await client.post("/v1/batch", content=bomb, headers={
            **_basic(tenant.write_key), "Content-Encoding": "gzip",
            "Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"

    async def test_a_broken_gzip_is_a_400_with_its_own_code(self, client, tenant) -> None:
        data = gzip.compress(orjson.dumps({"batch": [_identify()]}))[:-12]
        response = await client.post("/v1/batch", content=data, headers={
            **_basic(tenant.write_key), "Content-Encoding": "gzip",
            "Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "malformed_body"

    async def test_an_unknown_encoding_is_a_415(self, client, tenant) -> None:
        response = await client.post("/v1/batch", content=b"xx", headers={
            **_basic(tenant.write_key), "Content-Encoding": "br"})
        assert response.status_code == 415

    async def test_a_400_from_the_framework_has_a_code(self, client, tenant) -> None:
        response = await client.post("/v1/batch", content=b"{not json", headers={
            **_basic(tenant.write_key), "Content-Type": "application/json"})
        assert response.status_code == 400 and response.json()["code"] == "malformed_json"


class TestLimits:
    async def test_501_small_messages_are_one_batch(self, client, tenant) -> None:
        batch = [_identify(userId=f"u-{i}") for i in range(501)]
        response = await _post(client, "/v1/batch", {"batch": batch}, _basic(tenant.write_key),
                               gzipped=True)
        assert response.status_code == 200, response.text[:300]
        assert response.json()["accepted"] == 501

    async def test_a_batch_over_500_kb_is_a_413(self, client, tenant) -> None:
        filler = "x" * 20_000
        batch = [_identify(traits={"note": filler}) for _ in range(BATCH_LIMIT_BYTES // 20_000 + 2)]
        response = await _post(client, "/v1/batch", {"batch": batch}, _basic(tenant.write_key),
                               gzipped=True)
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"

    async def test_a_message_over_32_kb_is_rejected_alone(self, client, tenant) -> None:
        big = _identify(traits={"note": "x" * MESSAGE_LIMIT_BYTES})
        response = await _post(client, "/v1/batch", {"batch": [_identify(), big]},
                               _basic(tenant.write_key))
        verdicts = response.json()["results"]
        assert response.status_code == 400
        assert [v["status"] for v in verdicts] == [200, 413]
        assert verdicts[1]["error"]["code"] == "message_too_large"


async def test_json_is_read_whatever_the_content_type_says(client, tenant) -> None:
    """RudderStack's Node SDK posts its gzip JSON as application/x-www-form-urlencoded."""
    data = gzip.compress(orjson.dumps({"batch": [_identify()]}))
    response = await client.post("/v1/batch", content=data, headers={
        **_basic(tenant.write_key), "Content-Encoding": "gzip",
        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
