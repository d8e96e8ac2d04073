// Offline rules of the till: the redemption cap, the manager-approval limit, and what the
// order carries for both; the sync view's report of redemptions the server refused.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { orderBody } from "../../node_modules/.cashier-test/cart.js";
import { loadConfig } from "../../node_modules/.cashier-test/config.js";
import { openTill } from "../../node_modules/.cashier-test/db.js";
import { enqueue, flush, redemptionReports } from "../../node_modules/.cashier-test/outbox.js";
import { DEFAULT_CONFIG, discountLimitFor, discountNeedsApproval, offlineRedeemError, offlineRedeemLimit } from "../../node_modules/.cashier-test/policy.js";
import { uuid7 } from "../../node_modules/.cashier-test/uuid.js";

const terms = { cap: 300, spendable: 500, due: 100_000, pointValue: 100, hasPhone: true };

test("offline redemption is capped by the till setting, the stale balance and the bill", () => {
  assert.equal(offlineRedeemLimit(terms), 300);
  assert.equal(offlineRedeemLimit({ ...terms, spendable: 120 }), 120);
  assert.equal(offlineRedeemLimit({ ...terms, due: 15_050 }), 150); // ₹150.50 due → 150 whole points
  assert.equal(offlineRedeemError(300, terms), null);
  assert.match(offlineRedeemError(301, terms), /at most 300 points can be redeemed \(the offline cap of 300\)/);
  assert.match(offlineRedeemError(200, { ...terms, spendable: 120 }), /last known balance of 120/);
  assert.match(offlineRedeemError(10, { ...terms, cap: 0 }), /switched off/);
  assert.match(offlineRedeemError(10, { ...terms, hasPhone: false }), /phone/);
  assert.match(offlineRedeemError(0, terms), /whole number/);
  assert.match(offlineRedeemError(1.5, terms), /whole number/);
});

test("a line discount above the limit needs a manager; at the limit it does not", () => {
  assert.equal(discountNeedsApproval(10_000, 1_000, 1_000), false); // exactly 10%
  assert.equal(discountNeedsApproval(10_000, 1_001, 1_000), true);
  assert.equal(discountNeedsApproval(10_000, 0, 0), false);
  assert.equal(discountNeedsApproval(10_000, 1, 0), true); // limit 0: every discount
  assert.equal(discountNeedsApproval(10_000, 10_000, 10_000), false); // limit 100%: never
});

test("a cashier's own discount limit replaces the till's; none set keeps the till's", () => {
  assert.equal(discountLimitFor(DEFAULT_CONFIG, null), 1_000);
  assert.equal(discountLimitFor(DEFAULT_CONFIG, { discount_limit_bp: null }), 1_000);
  assert.equal(discountLimitFor(DEFAULT_CONFIG, { discount_limit_bp: 2_500 }), 2_500);
  assert.equal(discountLimitFor(DEFAULT_CONFIG, { discount_limit_bp: 0 }), 0); // every discount asks
});

test("the order carries the offline redemption and the approving manager", () => {
  const line = { key: "v1", variant_id: "v1", sku: "LAT-M", name: "Latte", product_id: "p1", quantity: "1",
                 unit_price: 20_000, discount: 5_000, tax_rate: "5", tax_inclusive: true,
                 approved_by: { id: "stf_1", name: "Meera" } };
  const body = orderBody([line, { ...line, key: "v2", sku: "CRO", discount: 0, approved_by: undefined }],
    [{ method: "points", amount: 20_000, reference: "offline" }, { method: "cash", amount: 15_000 }],
    { occurredAt: new Date("2026-11-25T10:00:00Z"), currency: "INR", receiptChannel: "email",
      customerPhone: "+919845012345", customerEmail: "a@example.com", offlinePoints: 200 });
  assert.deepEqual(body.loyalty, { offline_points: 200 });
  assert.deepEqual(body.customer, { phone: "+919845012345", email: "a@example.com" });
  assert.deepEqual(body.metadata.discount_approvals,
                   [{ line: 1, sku: "LAT-M", discount: 5_000, manager: { id: "stf_1", name: "Meera" } }]);
  const held = orderBody([line], [], { occurredAt: new Date(), currency: "INR", receiptChannel: "print",
                                       holdId: "lh_1", offlinePoints: 5 });
  assert.deepEqual(held.loyalty, { hold_id: "lh_1" }); // a hold wins: never both
});

test("the till config is cached for offline use, with defaults before the first fetch", async () => {
  const db = await openTill("policy-config");
  globalThis.fetch = async () => { throw new TypeError("Failed to fetch"); };
  assert.deepEqual(await loadConfig(db, "dt_x"), DEFAULT_CONFIG);
  globalThis.fetch = async () => new Response(JSON.stringify({ offline_redeem_cap: 50, discount_limit_bp: 500 }));
  assert.deepEqual(await loadConfig(db, "dt_x"), { ...DEFAULT_CONFIG, offline_redeem_cap: 50, discount_limit_bp: 500 });
  globalThis.fetch = async () => { throw new TypeError("Failed to fetch"); };
  assert.equal((await loadConfig(db, "dt_x")).offline_redeem_cap, 50);
  db.close();
});

test("refused and clamped offline redemptions from the server are listed for the sync view", async () => {
  const db = await openTill("policy-reports");
  const ids = [uuid7(), uuid7(), uuid7()];
  for (const id of ids) await enqueue(db, id, { lines: [], loyalty: { offline_points: 100 } });
  const replies = [
    { status: "settled", requested: 100, settled: 100, refused: 0, refused_value: 0, reason: null },
    { status: "clamped", requested: 100, settled: 40, refused: 60, refused_value: 6000, reason: "only 40 points" },
    { status: "refused", requested: 100, settled: 0, refused: 100, refused_value: 10000, reason: "none" },
  ];
  let i = 0;
  await flush(db, async () => ({ status: 201, body: { order_id: `ord_${i}`, loyalty: { offline_redemption: replies[i++] } } }));
  const reports = await redemptionReports(db);
  assert.deepEqual(reports.map((r) => [r.seq, r.status, r.refused_value]), [[2, "clamped", 6000], [3, "refused", 10000]]);
  db.close();
});
