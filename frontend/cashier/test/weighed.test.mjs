// Weighed-item barcodes: the prefix setting, the check digit, price- and weight-embedded labels,
// the catalog look-up codes and the line a label makes (priced by the shared tax rules).
import assert from "node:assert/strict";
import { test } from "node:test";
import { totalsOf } from "../../node_modules/.cashier-test/cart.js";
import { addWeighed, checkDigit, findWeighed, gramsToKg, parsePrefixes, readWeighed }
  from "../../node_modules/.cashier-test/weighed.js";

/** A valid EAN-13 from its first 12 digits. */
const ean = (first12) => `${first12}${checkDigit(first12)}`;
const DEFAULT = parsePrefixes("20-29");
const tomato = { id: "v7", product_id: "p7", sku: "TOM", barcode: ean("201234500000"), options: [], price: 4000,
                 tax_class_id: "t0", title: "Tomatoes", sort: "tomatoes", tokens: [] };
const taxes = new Map([["t0", { id: "t0", name: "Nil", rate: "0", inclusive: true }]]);

test("the prefix setting: ranges, single prefixes, what they embed; a typo is refused", () => {
  assert.deepEqual(DEFAULT, [{ low: 20, high: 29, embeds: "price" }]);
  assert.deepEqual(parsePrefixes(" 20-24=weight, 25 ,26-29=price"), [
    { low: 20, high: 24, embeds: "weight" }, { low: 25, high: 25, embeds: "price" }, { low: 26, high: 29, embeds: "price" }]);
  assert.deepEqual(parsePrefixes(""), []);
  for (const bad of ["2", "20-2", "29-20", "20=kg", "20;21"]) assert.throws(() => parsePrefixes(bad), /weighed prefixes/, bad);
});

test("the GS1 check digit", () => {
  assert.equal(checkDigit("890100000001"), 9); // the test catalog's 8901000000019
  assert.equal(checkDigit("400638133393"), 1); // 4006381333931, GS1's example
  assert.equal(checkDigit("200000000000"), 8);
});

test("a price-embedded label: the item code and the price in minor units", () => {
  const code = ean("201234508750"); // item 12345, ₹87.50
  const w = readWeighed(code, DEFAULT);
  assert.deepEqual({ ...w, lookups: undefined }, { code, embeds: "price", item: "12345", value: 8750, lookups: undefined });
  // the item as a catalog lists it: the label with a zero value, then prefix + item, then the PLU
  assert.deepEqual(w.lookups, [ean("201234500000"), "2012345", "12345"]);
});

test("a weight-embedded label: grams, as kilograms exact to the gram", () => {
  const w = readWeighed(ean("251234501250"), parsePrefixes("20-24,25-29=weight"));
  assert.deepEqual([w.embeds, w.value], ["weight", 1250]);
  assert.deepEqual([gramsToKg(1250), gramsToKg(1000), gramsToKg(5), gramsToKg(99999)], ["1.25", "1", "0.005", "99.999"]);
});

test("not a weighed label: another prefix, a bad check digit, not 13 digits, no prefixes set", () => {
  assert.equal(readWeighed(ean("890123450875"), DEFAULT), null);
  const good = ean("201234508750");
  assert.equal(readWeighed(`${good.slice(0, 12)}${(Number(good[12]) + 1) % 10}`, DEFAULT), null);
  assert.equal(readWeighed("20123450875", DEFAULT), null);
  assert.equal(readWeighed(good, []), null);
  assert.equal(readWeighed(good, parsePrefixes("21-29")), null);
});

test("the first look-up code the catalog knows wins", async () => {
  const w = readWeighed(ean("201234508750"), DEFAULT);
  const tried = [];
  const byPlu = await findWeighed(w, async (c) => { tried.push(c); return c === "12345" ? "plu" : undefined; });
  assert.equal(byPlu, "plu");
  assert.equal(tried.length, 3);
  assert.equal(await findWeighed(w, async () => undefined), undefined);
});

test("a label's line: its own line, the label's price or weight, the same label again adds again", () => {
  const priced = readWeighed(ean("201234508750"), DEFAULT);
  let lines = addWeighed([], tomato, taxes, priced);
  assert.deepEqual([lines[0].quantity, lines[0].unit_price, lines[0].sku, lines[0].name], ["1", 8750, "TOM", "Tomatoes"]);
  assert.equal(totalsOf(lines).totals.total, 8750);
  lines = addWeighed(lines, tomato, taxes, priced);
  assert.deepEqual(lines.map((l) => l.quantity), ["2"]);
  // a weighed label at ₹40.00/kg: 1.250 kg → ₹50.00 on a separate line
  const weight = readWeighed(ean("251234501250"), parsePrefixes("25=weight"));
  lines = addWeighed(lines, tomato, taxes, weight);
  assert.deepEqual(lines.slice(1).map((l) => [l.quantity, l.unit_price]), [["1.25", 4000]]);
  assert.equal(totalsOf(lines.slice(1)).totals.total, 5000);
  assert.equal(new Set(lines.map((l) => l.key)).size, 2);
});
