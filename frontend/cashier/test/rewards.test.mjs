// Reward discounts against the shared vectors the server's loyalty/reward_rules.py also passes,
// and the order body the till sends with a reward applied.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { rewardDiscount, rewardInWindow, rewardRefusal, spread, withReward } from "../../node_modules/.cashier-test/rewards.js";
import { cartTotals, formatMoney } from "../../node_modules/.cashier-test/tax.js";
import { orderBody } from "../../node_modules/.cashier-test/cart.js";

const vectors = JSON.parse(readFileSync(new URL("../../../tests/vectors/reward_discounts.json", import.meta.url)));

for (const c of vectors.cases) {
  test(`vector: ${c.name}`, () => {
    const got = rewardDiscount(c.reward, c.lines);
    assert.deepEqual(got, c.expect);
    assert.deepEqual(cartTotals(withReward(c.lines, got)).totals, c.expect_totals);
  });
}

for (const w of vectors.windows) {
  test(`window vector: ${w.name}`, () => {
    assert.equal(rewardInWindow(w, new Date(w.now)), w.open);
  });
}

test("spreading adds up exactly and never takes more than a line has", () => {
  assert.deepEqual(spread(100, [1, 1, 1]), [33, 33, 34]);
  assert.deepEqual(spread(0, [5, 5]), [0, 0]);
  assert.deepEqual(spread(10, [0, 0]), [0, 0]);
  assert.deepEqual(spread(7, [7, 0, 3]).reduce((s, p) => s + p, 0), 7);
});

test("the order carries the reward's part of each line's discount", () => {
  const lines = [{ key: "v1", variant_id: "v1", product_id: "p1", name: "Masala Chai", sku: "MASALA-CHAI",
                   quantity: "1", unit_price: 12900, discount: 0, tax_rate: "5", tax_inclusive: true },
                 { key: "v2", variant_id: "v2", product_id: "p2", name: "Latte", sku: "LAT-L",
                   quantity: "1", unit_price: 28900, discount: 0, tax_rate: "5", tax_inclusive: true }];
  const applied = withReward(lines, rewardDiscount({ kind: "free_item", sku: "MASALA-CHAI" }, lines));
  const body = orderBody(applied, [{ method: "cash", amount: 28900 }], {
    occurredAt: new Date(), currency: "INR", receiptChannel: "print", holdId: "lh_1",
    reward: { name: "Free Masala Chai", discount: 12900 } });
  assert.deepEqual(body.lines.map((l) => [l.discount, l.reward_discount]), [[12900, 12900], [0, undefined]]);
  assert.equal(body.totals.total, 28900);
  assert.equal(body.totals.discount, 12900);
  assert.deepEqual(body.loyalty, { hold_id: "lh_1" });
  assert.deepEqual(body.metadata.reward, { name: "Free Masala Chai", discount: 12900 });
  assert.equal(body.payments.some((p) => p.method === "points"), false);
});

test("a reward that takes nothing off says why, by name", () => {
  const fmt = (m) => formatMoney(m);
  assert.equal(rewardRefusal("min_bill", { name: "₹100 off", min_bill: 50000 }, fmt),
               "₹100 off needs a bill of ₹500.00 or more.");
  assert.match(rewardRefusal("item_missing", { name: "Free Masala Chai" }, fmt), /add the item/);
});
