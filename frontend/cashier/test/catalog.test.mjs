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

// --- block storage and the in-memory index (cold sync without one IndexedDB record per variant) ---
import { openDB } from "idb";
import { BLOCK, catalogIndex, indexSnapshot, productOf } from "../../node_modules/.cashier-test/catalog.js";

const FIELDS = ["id", "product_id", "sku", "barcode", "options", "name", "price", "compare_at", "tax_class_id", "image_url", "stock"];
const big = (variants) => ({
  format: 1, cursor: "40", location: { id: "loc_1" }, variant_fields: FIELDS,
  tax_classes: [{ id: "tc5", name: "GST 5%", rate: "5", inclusive: true }],
  products: Array.from({ length: Math.ceil(variants / 3) }, (_, p) => (
    { id: `p${String(p).padStart(5, "0")}`, title: `Item ${p}`, category: `Cat ${p % 4}`, options: ["Size"] })),
  variants: Array.from({ length: variants }, (_, i) => [`v${String(i).padStart(6, "0")}`,
    `p${String(Math.floor(i / 3)).padStart(5, "0")}`, `SKU-${i}`, `890${String(i).padStart(10, "0")}`,
    [["S", "M", "L"][i % 3]], null, 100 + i, null, "tc5", null, null]),
});
const ids = (vs) => vs.map((v) => v.id);

test("a large snapshot is written as a few blocks in one transaction, with progress per block", async () => {
  const name = `cat-${++n}`;
  const db = await openTill(name);
  const seen = [];
  const total = BLOCK * 2 + 500;
  await loadSnapshot(db, big(total), (phase, done, all) => seen.push([phase, done, all]));
  assert.deepEqual(seen, [["store", BLOCK, total], ["store", BLOCK * 2, total], ["store", total, total]]);
  const keys = await db.getAllKeys("blocks");
  assert.deepEqual(keys, ["p:000000", "v:000000", "v:000001", "v:000002"]);
  assert.equal(await db.count("variants"), 0); // nothing per variant
  assert.equal(await db.get("meta", "catalog_cursor"), "40");
  assert.equal(await db.get("meta", "catalog_count"), total);
  db.close();
});

test("after a reload the catalog reads back from the blocks and delta records, equal to a fresh index", async () => {
  const name = `cat-${++n}`;
  const snap = big(BLOCK + 10);
  const first = await openTill(name);
  await loadSnapshot(first, snap);
  await applyChanges(first, [
    { type: "product", id: "p00001", deleted: false, data: { id: "p00001", title: "Ginger Chai", category: "Tea", options: ["Size"] } },
    { type: "variant", id: "v000000", deleted: true, data: null },
    { type: "variant", id: "v999999", deleted: false, data: { id: "v999999", product_id: "p00001", sku: "GC-XL", options: ["XL"], price: 500 } },
    { type: "product", id: "p00002", deleted: true, data: null },
    { type: "variant", id: "v000004", deleted: false, data: { id: "v000004", product_id: "p00001", sku: "SKU-4", barcode: "8900000000004", options: ["M"], price: 999 } },
  ], "41");
  const live = await search(first, "ginger");
  first.close();
  const again = await openTill(name); // a new page: nothing cached, read from IndexedDB
  assert.deepEqual(ids(await search(again, "ginger")), ids(live));
  assert.deepEqual(ids(await search(again, "ginger")), ["v000003", "v000004", "v000005", "v999999"]);
  assert.equal((await byCode(again, "8900000000004")).price, 999);
  assert.equal(await byCode(again, "8900000000000"), undefined);
  assert.equal(await byCode(again, "SKU-6"), undefined); // p00002 deleted with its variants
  assert.equal((await productOf(again, "p00001")).title, "Ginger Chai");
  assert.deepEqual(await categories(again), ["Cat 0", "Cat 1", "Cat 2", "Cat 3", "Tea"]);
  // the same catalog built from scratch (a fresh snapshot at cursor 41) searches alike
  const reread = await catalogIndex(again);
  const fresh = indexSnapshot({ products: [...reread.products.values()],
                                variants: [...reread.variants.values()].map((v) => ({ ...v })) });
  assert.deepEqual(ids(fresh.search("item 1")), ids(await search(again, "item 1")));
  // a new snapshot drops the delta records
  await loadSnapshot(again, snap);
  assert.equal(await again.count("variants"), 0);
  assert.equal(await again.count("products"), 0);
  assert.equal((await byCode(again, "8900000000000")).id, "v000000");
  again.close();
});

test("the in-memory index stays right through many removals (stale entries compacted)", () => {
  const index = indexSnapshot(big(3000));
  for (let i = 0; i < 2500; i++) index.remove(`v${String(i).padStart(6, "0")}`);
  assert.deepEqual(ids(index.search("item 999")), ["v002997", "v002998", "v002999"]);
  assert.deepEqual(index.search("item 5"), []);
  index.putVariant({ id: "v000001", product_id: "p00999", sku: "NEW-1", options: ["XS"], price: 1 });
  assert.deepEqual(ids(index.search("item 999 xs")), ["v000001"]);
  assert.equal(index.search("sku-0123", {}).length, 0);
  assert.equal(index.byCode("NEW-1").title, "Item 999");
});

test("opening a version-1 till upgrades the catalog to blocks and keeps the outbox", async () => {
  const name = `cat-${++n}`;
  const old = await openDB(name, 1, { upgrade(db) {
    const v = db.createObjectStore("variants", { keyPath: "id" });
    v.createIndex("tokens", "tokens", { multiEntry: true });
    db.createObjectStore("products", { keyPath: "id" });
    db.createObjectStore("taxes", { keyPath: "id" });
    db.createObjectStore("outbox", { keyPath: "id" }).createIndex("seq", "seq", { unique: true });
    db.createObjectStore("sent", { keyPath: "id" }).createIndex("seq", "seq");
    db.createObjectStore("meta");
  } });
  await old.put("outbox", { id: "o1", seq: 1, body: {}, status: "pending" });
  await old.put("variants", { id: "v1", tokens: ["x"] });
  await old.put("meta", "7", "catalog_cursor");
  old.close();
  const db = await openTill(name);
  assert.equal((await db.get("outbox", "o1")).seq, 1);
  assert.equal(await db.get("meta", "catalog_cursor"), undefined); // → the till takes a fresh snapshot
  assert.equal(await db.count("variants"), 0);
  assert.deepEqual(await db.getAllKeys("blocks"), []);
  db.close();
});
