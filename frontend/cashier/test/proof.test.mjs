// The staff proof: the shared vectors (the server's cashier/proofs.py passes the same file),
// an order body signed as the till sends it, and staff keys sealed under the PIN.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { approvalsOf, orderBody } from "../../node_modules/.cashier-test/cart.js";
import { openTill } from "../../node_modules/.cashier-test/db.js";
import { spendOffline } from "../../node_modules/.cashier-test/loyalty.js";
import { allowanceLeft } from "../../node_modules/.cashier-test/policy.js";
import { approvalMessage, expired, factsOf, orderMessage, sign, signOrder } from "../../node_modules/.cashier-test/proof.js";
import { checkPin, seal, unseal } from "../../node_modules/.cashier-test/staff.js";

const vectors = JSON.parse(readFileSync(new URL("../../../tests/vectors/till_proofs.json", import.meta.url)));

for (const [i, c] of vectors.orders.entries()) {
  test(`order vector ${i}: the message and its signature`, async () => {
    assert.equal(orderMessage(c.facts), c.message);
    assert.equal(await sign(vectors.secret, c.message), c.signature);
  });
}

test("approval vectors", async () => {
  for (const c of vectors.approvals) {
    const f = c.facts;
    assert.equal(approvalMessage(f.client_order_id, f.key_id, f.line, f.gross, f.discount), c.message);
    assert.equal(await sign(vectors.secret, c.message), c.signature);
  }
});

const line = { key: "v1", variant_id: "v1", sku: "CRO", name: "Croissant", product_id: "p1", quantity: "2",
               unit_price: 6000, discount: 5000, tax_rate: "5", tax_inclusive: true };

test("an order body is signed over the facts the server computes, approvals included", async () => {
  const manager = { id: "skey_m", secret: vectors.secret, expires_at: "2999-01-01T00:00:00Z" };
  const cashier = { id: "skey_c", secret: vectors.secret, expires_at: "2999-01-01T00:00:00Z" };
  const lines = [{ ...line, approved_by: { id: "stf_m", name: "Meera" }, approval_key: manager }];
  const body = { ...orderBody(lines, [{ method: "cash", amount: 7000 }], { occurredAt: new Date(), currency: "INR",
    receiptChannel: "print", customerPhone: " +919845012345 " }), client_order_id: "0193a0f2-7c4e-7b3a-9d2e-1f2a3b4c5d6e" };
  const facts = factsOf(body, "skey_c", true);
  assert.deepEqual([facts.total, facts.lines, facts.payments, facts.customer_phone],
                   [7000, [[12000, 5000]], [["cash", 7000]], "+919845012345"]);
  const signed = await signOrder(body, cashier, true, approvalsOf(lines));
  assert.equal(signed.proof.signature, await sign(vectors.secret, orderMessage(facts)));
  assert.deepEqual(signed.proof.approvals, [{ line: 1, key_id: "skey_m", signature: await sign(vectors.secret,
    approvalMessage(body.client_order_id, "skey_m", 1, 12000, 5000)) }]);
  assert.equal(signed.proof.offline, true);
  assert.equal(JSON.stringify(signed).includes(vectors.secret), false); // the secret never leaves
  assert.equal(expired(cashier), false);
  assert.equal(expired({ ...cashier, expires_at: "2000-01-01T00:00:00Z" }), true);
});

test("a staff key is kept sealed under the PIN and opens only with it", async () => {
  const key = { id: "skey_1", secret: vectors.secret, expires_at: "2999-01-01T00:00:00Z" };
  const sealed = await seal("2468", key);
  assert.equal(JSON.stringify(sealed).includes(vectors.secret), false);
  assert.deepEqual(await unseal("2468", sealed), key);
  assert.equal(await unseal("1357", sealed), null);
});

test("sign-in: online the server's key is sealed; offline only the right PIN opens it", async () => {
  const db = await openTill("proof-signin");
  const staff = { id: "stf_1", name: "Asha", role: "cashier" };
  const key = { id: "skey_9", secret: vectors.secret, expires_at: "2999-01-01T00:00:00Z" };
  globalThis.fetch = async () => new Response(JSON.stringify({ ...staff, staff_key: key }));
  assert.deepEqual(await checkPin(db, "dt_x", staff, "2468"), { ok: true, offline: false, key });
  globalThis.fetch = async () => { throw new TypeError("Failed to fetch"); };
  assert.deepEqual(await checkPin(db, "dt_x", staff, "2468"), { ok: true, offline: true, key });
  assert.deepEqual(await checkPin(db, "dt_x", staff, "0000"), { ok: false, message: "Wrong PIN." });
  assert.match((await checkPin(db, "dt_x", { ...staff, id: "stf_2" }, "2468")).message, /not signed in/);
  db.close();
});

test("the offline allowance is spent per member per day, as the server counts it", async () => {
  const db = await openTill("proof-allowance");
  const member = { member_id: "la_1", member_code: "M1", available: 500, spendable: 500, pending: 0,
                   points_name: "points", point_value: 100, rewards: [], phone: "+919845012345" };
  await db.put("meta", member, "member:+919845012345");
  const today = new Date("2026-12-07T10:00:00Z");
  await spendOffline(db, member, 80, today);
  await spendOffline(db, member, 30, today);
  const cached = await db.get("meta", "member:+919845012345");
  assert.deepEqual([cached.spendable, cached.offline_used], [390, { day: "2026-12-07", points: 110 }]);
  assert.equal(allowanceLeft(120, cached.offline_used, today), 10);
  assert.equal(allowanceLeft(120, cached.offline_used, new Date("2026-12-08T00:00:01Z")), 120);
  db.close();
});
