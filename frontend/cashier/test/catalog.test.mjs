// The IndexedDB catalog: snapshot load with progress, search by name/SKU/barcode, cursor deltas.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyChanges, byCode, categories, loadSnapshot, search, variantsOf } from "../../node_modules/.cashier-test/catalog.js";
import { openTill } from "../../node_modules/.cashier-test/db.js";
import { addVariant } from "../../node_modules/.cashier-test/cart.js";

let n = 0;
const snapshot = () => ({
  format: 1, cursor: "7", location: { id: "loc_1" },
  tax_classes: [{ id: "tc5", name: "GST 5%", rate: "5", inclusive: true, hsn: "2101" }],
  products: [
    { id: "p1", title: "Masala Chai", category: "Tea", tax_class_id: "tc5", options: ["Size"] },
    { id: "p2", title: "Cold Brew Coffee", category: "Coffee", options: [] },
  ],
  variant_fields: ["id", "product_id", "sku", "barcode", "options", "name", "price", "compare_at", "tax_class_id", "image_url", "stock"],
  variants: [  // rows of values (the server's compact form) and plain objects both load
    ["v1", "p1", "CHAI-S", "8901000000019", ["S"], null, 9000, null, "tc5", null, "12"],
    ["v2", "p1", "CHAI-L", null, ["L"], null, 14000, null, "tc5", null, null],
    { id: "v3", product_id: "p2", sku: "CB-1", options: [], price: 24900 },
  ],
});

test("a snapshot loads in batches with progress and is searchable", async () => {
  const db = await openTill(`cat-${++n}`);
  const seen = [];
  await loadSnapshot(db, snapshot(), (phase, done, total) => seen.push([phase, done, total]));
  assert.deepEqual(seen.at(-1), ["store", 3, 3]);
  const v1 = await byCode(db, "8901000000019");
  assert.deepEqual([v1.id, v1.price, v1.stock, v1.title, "name" in v1], ["v1", 9000, "12", "Masala Chai", false]);
  assert.equal((await byCode(db, "CHAI-L")).id, "v2");
  assert.equal(await byCode(db, "nope"), undefined);
  assert.deepEqual((await search(db, "mas ch")).map((v) => v.id).sort(), ["v1", "v2"]);
  assert.deepEqual((await search(db, "chai-")).map((v) => v.id).sort(), ["v1", "v2"]);
  assert.deepEqual((await search(db, "cold coffee")).map((v) => v.id), ["v3"]);
  assert.deepEqual(await search(db, "tea coffee"), []);
  assert.deepEqual((await search(db, "", { category: "Coffee" })).map((v) => v.id), ["v3"]);
  assert.deepEqual(await categories(db), ["Coffee", "Tea"]);
  assert.equal((await variantsOf(db, "p1")).length, 2);
  db.close();
});

test("deltas update, rename and delete, and move the cursor", async () => {
  const db = await openTill(`cat-${++n}`);
  await loadSnapshot(db, snapshot());
  await applyChanges(db, [
    { type: "product", id: "p1", deleted: false, data: { id: "p1", title: "Ginger Chai", category: "Tea", options: ["Size"] } },
    { type: "variant", id: "v3", deleted: true, data: null },
    { type: "variant", id: "v4", deleted: false, data: { id: "v4", product_id: "p1", sku: "CHAI-XL", options: ["XL"], price: 18000 } },
  ], "9");
  assert.deepEqual((await search(db, "ginger")).map((v) => v.id).sort(), ["v1", "v2", "v4"]);
  assert.deepEqual(await search(db, "masala"), []);
  assert.equal(await byCode(db, "CB-1"), undefined);
  assert.equal(await db.get("meta", "catalog_cursor"), "9");
  db.close();
});

test("a scanned variant becomes a cart line with its outlet tax; a second scan adds one", async () => {
  const db = await openTill(`cat-${++n}`);
  await loadSnapshot(db, snapshot());
  const taxes = new Map((await db.getAll("taxes")).map((t) => [t.id, t]));
  const v1 = await byCode(db, "8901000000019");
  let lines = addVariant([], v1, taxes);
  lines = addVariant(lines, v1, taxes);
  assert.equal(lines.length, 1);
  assert.deepEqual([lines[0].quantity, lines[0].tax_rate, lines[0].tax_inclusive, lines[0].hsn, lines[0].variant],
                   ["2", "5", true, "2101", "S"]);
  db.close();
});
