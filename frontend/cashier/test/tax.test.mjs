// Cart maths against the shared GST vectors the server's orders/rules.py also passes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { cartTotals, halfUp, lineAmounts, parseMoney } from "../../node_modules/.cashier-test/tax.js";
import { addQty, changeDue, orderBody } from "../../node_modules/.cashier-test/cart.js";

const vectors = JSON.parse(readFileSync(new URL("../../../tests/vectors/order_totals.json", import.meta.url)));

for (const c of vectors.cases) {
  test(`vector: ${c.name}`, () => {
    const { lines, totals } = cartTotals(c.lines, c.order_discount ?? 0, c.shipping ?? 0);
    assert.deepEqual(lines, c.expect_lines);
    assert.deepEqual(totals, c.expect);
  });
}

test("half-up rounds .5 away from zero, exactly", () => {
  assert.equal(halfUp(5n, 10n), 1n);
  assert.equal(halfUp(4n, 10n), 0n);
  assert.equal(halfUp(-5n, 10n), -1n);
  assert.equal(halfUp(25n, 10n), 3n);
});

test("no float drift on awkward quantities and rates", () => {
  // 0.1 + 0.2 style inputs: 3 × 0.335 kg at 999 paise, 2.5% inclusive
  const l = lineAmounts({ quantity: "1.005", unit_price: 999, discount: 0, tax_rate: "2.5", tax_inclusive: true });
  assert.equal(l.gross, 1004); // 1003.995 → 1004
  assert.equal(l.taxable + l.tax, l.net);
  assert.equal(addQty("0.1", "0.2"), "0.3");
});

test("money typed by the cashier parses exactly and refuses fractions of a paisa", () => {
  assert.equal(parseMoney("120.5"), 12050);
  assert.equal(parseMoney("0.07"), 7);
  assert.throws(() => parseMoney("1.005"), /2 decimal places/);
  assert.throws(() => parseMoney("abc"), /not a decimal/);
});

test("change is only the over-payment", () => {
  assert.equal(changeDue(16402, [{ method: "cash", amount: 20000 }]), 3598);
  assert.equal(changeDue(16402, [{ method: "card", amount: 6402, reference: "x" }, { method: "cash", amount: 10000 }]), 0);
});

test("the order body carries the totals the server will recompute", () => {
  const line = { key: "v1", variant_id: "v1", sku: "LAT-M", name: "Latte", variant: "M", product_id: "p1",
                 quantity: "2", unit_price: 24900, discount: 0, tax_rate: "5", tax_inclusive: true };
  const body = orderBody([line], [{ method: "upi", amount: 49800, reference: "UPI1" }],
                         { occurredAt: new Date("2026-11-25T10:00:00Z"), currency: "INR", receiptChannel: "print" });
  assert.deepEqual(body.totals, { subtotal: 47429, tax: 2371, discount: 0, shipping: 0, total: 49800 });
  assert.equal(body.lines[0].quantity, "2");
  assert.equal(body.receipt.channel, "print");
  assert.equal("customer" in body, false);
});
