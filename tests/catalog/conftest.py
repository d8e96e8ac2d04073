"""Helpers for catalog tests: tax classes, products, a paired till and snapshot decoding."""

from __future__ import annotations

import gzip
from typing import Any

import httpx2

from tests.conftest import Tenant, add_location


async def tax_class(client: httpx2.AsyncClient, tenant: Tenant, name: str = "GST 5",
                    rate: str = "5", **extra: Any) -> dict[str, Any]:
    response = await client.post("/v1/catalog/tax-classes", headers=tenant.admin,
                                 json={"name": name, "rate": rate, **extra})
    assert response.status_code in (200, 201), response.text
    return response.json()


async def product(client: httpx2.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/catalog/products", headers=tenant.admin, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def latte(client: httpx2.AsyncClient, tenant: Tenant, tax_id: str,
                prefix: str = "LATTE") -> dict[str, Any]:
    """A three-size latte: S 199.00, M 249.00, L 289.00."""
    return await product(client, tenant, handle=prefix.lower(), title="Latte", category="Coffee",
                         hsn="2101", tax_class_id=tax_id, option_names=["Size"], variants=[
                             {"sku": f"{prefix}-S", "options": ["Small"], "price": 19900},
                             {"sku": f"{prefix}-M", "options": ["Medium"], "price": 24900},
                             {"sku": f"{prefix}-L", "options": ["Large"], "price": 28900}])


async def paired_till(client: httpx2.AsyncClient, tenant: Tenant,
                      location: dict[str, Any]) -> dict[str, str]:
    """Create a terminal, issue a pairing code, pair: the device token's auth header."""
    term = (await client.post(f"/v1/locations/{location['id']}/terminals", headers=tenant.admin,
                              json={"terminal_id": "T1"})).json()
    code = (await client.post(f"/v1/locations/{location['id']}/terminals/{term['id']}/pairing-code",
                              headers=tenant.admin)).json()["pairing_code"]
    paired = await client.post("/v1/pos/pair", json={"pairing_code": code})
    assert paired.status_code == 200, paired.text
    return {"Authorization": f"Bearer {paired.json()['device_token']}"}


def decode(response: httpx2.Response) -> Any:
    """The JSON of a snapshot, whether or not the client already undid the compression."""
    raw = response.content
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    import orjson
    return orjson.loads(raw)


def variants(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Snapshot variant rows as objects (nulls dropped, like delta documents)."""
    fields = snapshot["variant_fields"]
    return [{k: v for k, v in zip(fields, row, strict=True) if v is not None}
            for row in snapshot["variants"]]


def state(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"tax_classes": {doc["id"]: doc for doc in snapshot["tax_classes"]},
            "products": {doc["id"]: doc for doc in snapshot["products"]},
            "variants": {doc["id"]: doc for doc in variants(snapshot)}}


KIND = {"tax_class": "tax_classes", "product": "products", "variant": "variants"}


def apply_changes(current: dict[str, dict[str, Any]], page: dict[str, Any]) -> None:
    for change in page["changes"]:
        table = current[KIND[change["type"]]]
        if change["deleted"]:
            table.pop(change["id"], None)
        else:
            table[change["id"]] = change["data"]


__all__ = ["add_location", "apply_changes", "decode", "latte", "paired_till", "product", "state",
           "tax_class", "variants"]


async def catalog_ids(client: httpx2.AsyncClient, tenant: Tenant,
                      location_id: str) -> dict[str, str]:
    """Ids of one of each catalog thing in a workspace (for the cross-tenant route walk)."""
    tax = await tax_class(client, tenant, "GST walk", "5")
    made = await latte(client, tenant, tax["id"], prefix="WALK")
    upload = await client.post("/v1/catalog/imports", content=b"handle,price\nw,1\n",
                               headers={**tenant.admin, "Content-Type": "text/csv"})
    return {"tax_id": tax["id"], "product_id": made["id"], "variant_id": made["variants"][0]["id"],
            "location": location_id, "import_id": upload.json()["id"]}
