"""The demo catalog: the café menu as products with variants, seeded idempotently."""

from sqlalchemy import select

from activereach.catalog import changes
from activereach.catalog.demo import seed_demo_catalog
from activereach.kit.db import unit_of_work
from activereach.tenancy.models import Location, Workspace
from tests.catalog.conftest import add_location, decode, variants


async def test_demo_catalog_is_idempotent_and_sellable(client, tenant, db) -> None:
    await add_location(client, tenant, "blr-indiranagar")
    await add_location(client, tenant, "mum-bandra")

    async def seed(session):  # type: ignore[no-untyped-def]
        ws = await session.get(Workspace, tenant.id)
        locations = list((await session.scalars(select(Location).where(
            Location.workspace_id == tenant.id).order_by(Location.code))).all())
        result = await seed_demo_catalog(session, ws, locations)
        return result, await changes.head(session, tenant.id)
    first, head = await unit_of_work(db, seed)
    second, head_again = await unit_of_work(db, seed)
    assert first == {"products_created": 8, "tax_classes": 3}
    assert second["products_created"] == 0 and head_again == head
    latte = (await client.get("/v1/catalog/products", headers=tenant.admin,
                              params={"q": "LATTE-M"})).json()["data"][0]
    assert [v["name"] for v in latte["variants"]] == ["Small", "Medium", "Large"]
    snap = decode(await client.get("/v1/catalog/snapshot", headers=tenant.admin,
                                   params={"location": "mum-bandra"}))
    by_sku = {v["sku"]: v for v in variants(snap)}
    assert by_sku["LATTE-M"]["price"] == 25900 and by_sku["BEANS-250-GR"]["stock"] == "40"
    assert by_sku["BEANS-250-GR"]["options"] == ["Ground"] and "stock" not in by_sku["LATTE-S"]
