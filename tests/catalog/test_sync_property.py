"""Property: a snapshot at cursor C plus every delta page after C equals a fresh snapshot,
whatever edits happen in between (prices, outlet prices, stock, deactivation, deletion, tax)."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activereach.catalog import inventory, service
from activereach.catalog.inventory import Movement
from activereach.catalog.schemas import (
    PriceOverrideIn,
    ProductIn,
    ProductPatch,
    TaxClassPatch,
    VariantIn,
    VariantPatch,
)
from activereach.kit.db import unit_of_work
from tests.catalog.conftest import add_location, apply_changes, decode, state, tax_class

INDEX = st.integers(min_value=0, max_value=50)
OUTLET = st.sampled_from(["a", "b"])
EDIT = st.one_of(
    st.tuples(st.just("price"), INDEX, st.integers(0, 99999)),
    st.tuples(st.just("override"), INDEX, OUTLET, st.none() | st.integers(0, 99999)),
    st.tuples(st.just("stock"), INDEX, OUTLET, st.integers(-5, 5)),
    st.tuples(st.just("variant_active"), INDEX, st.booleans()),
    st.tuples(st.just("delete_variant"), INDEX),
    st.tuples(st.just("product_active"), INDEX, st.booleans()),
    st.tuples(st.just("delete_product"), INDEX),
    st.tuples(st.just("tax"), st.sampled_from(["0", "5", "12", "18", "28"])),
    st.tuples(st.just("add_product"), st.integers(1, 3)),
)


async def _ids(session, ws, kind):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from activereach.catalog.models import Product, Variant
    model = Product if kind == "product" else Variant
    return list((await session.scalars(select(model.id).where(
        model.workspace_id == ws, model.deleted_at.is_(None)).order_by(model.id))).all())


async def _edit(session, ws, tax_id, outlets, edit, counter):  # type: ignore[no-untyped-def]
    kind = edit[0]
    if kind == "add_product":
        n = next(counter)
        await service.create_product(session, ws, ProductIn(
            handle=f"p{n}", title=f"P{n}", tax_class_id=tax_id, option_names=["Size"],
            variants=[VariantIn(sku=f"P{n}-{i}", options=[str(i)], price=100 * i)
                      for i in range(edit[1])]))
        return
    if kind == "tax":
        await service.update_tax_class(session, ws, tax_id, TaxClassPatch(rate=Decimal(edit[1])))
        return
    targets = await _ids(session, ws, "product" if kind in {"product_active", "delete_product"}
                         else "variant")
    if not targets:
        return
    target = targets[edit[1] % len(targets)]
    if kind == "price":
        await service.update_variant(session, ws, target, VariantPatch(price=edit[2]))
    elif kind == "override" and edit[3] is None:
        await inventory.delete_price_override(session, ws, target, outlets[edit[2]])
    elif kind == "override":
        await inventory.set_price_override(session, ws, target, outlets[edit[2]],
                                           PriceOverrideIn(price=edit[3]))
    elif kind == "stock":
        await inventory.apply_movements(session, ws, [Movement(
            target, outlets[edit[2]], Decimal(edit[3]), "adjust", None)], track_missing=True)
    elif kind == "variant_active":
        await service.update_variant(session, ws, target, VariantPatch(active=edit[2]))
    elif kind == "delete_variant":
        await service.delete_variant(session, ws, target)
    elif kind == "product_active":
        await service.update_product(session, ws, target, ProductPatch(active=edit[2]))
    elif kind == "delete_product":
        await service.delete_product(session, ws, target)


async def _snapshot(client, tenant):  # type: ignore[no-untyped-def]
    response = await client.get("/v1/catalog/snapshot", headers=tenant.admin,
                                params={"location": "a"})
    assert response.status_code == 200
    return decode(response)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(before=st.lists(EDIT, max_size=8), after=st.lists(EDIT, min_size=1, max_size=15),
       page=st.integers(1, 7))
async def test_snapshot_plus_deltas_equals_fresh_snapshot(client, make_tenant, db, before, after,
                                                          page) -> None:
    import itertools
    tenant = await make_tenant()
    tax = await tax_class(client, tenant)
    outlets = {code: (await add_location(client, tenant, code))["id"] for code in ("a", "b")}
    counter = itertools.count()
    for edit in [("add_product", 2), ("add_product", 3), *before]:
        await unit_of_work(db, lambda s, e=edit: _edit(s, tenant.id, tax["id"], outlets, e, counter))
    snap = await _snapshot(client, tenant)
    for edit in after:
        await unit_of_work(db, lambda s, e=edit: _edit(s, tenant.id, tax["id"], outlets, e, counter))
    current, cursor = state(snap), snap["cursor"]
    while True:
        response = await client.get("/v1/catalog/changes", headers=tenant.admin,
                                    params={"cursor": cursor, "location": "a", "limit": page})
        assert response.status_code == 200, response.text
        apply_changes(current, response.json())
        cursor = response.json()["cursor"]
        if not response.json()["has_more"]:
            break
    fresh = await _snapshot(client, tenant)
    assert current == state(fresh)
    assert cursor == fresh["cursor"]
