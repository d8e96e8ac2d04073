/**
 * Weighed-item barcodes: EAN-13 labels printed by a scale, in GS1's in-store number ranges
 * (prefixes 20-29 by default, a till setting). Layout, the common one:
 *
 *     P P I I I I I V V V V V C
 *     prefix  item     value   check digit
 *
 * The value is the price in minor units (price-embedded, the default) or the weight in grams
 * (weight-embedded). Pure: no I/O; the sale screen looks the item up in the catalog.
 */
import { addQty, lineFor, type CartLine } from "./cart.ts";
import type { TaxRec, VariantRec } from "./db.ts";

export type Embeds = "price" | "weight";
/** One range of prefixes and what their value digits mean. */
export interface PrefixRule { low: number; high: number; embeds: Embeds }

/** A label read against the rules. */
export interface Weighed {
  code: string; // the scanned 13 digits
  embeds: Embeds;
  item: string; // the 5-digit item code (PLU)
  value: number; // minor units (price) or grams (weight)
  /** Codes the catalog may hold the item under, most specific first. */
  lookups: string[];
}

const ITEM = /^(\d{2})(?:-(\d{2}))?(?:=(price|weight))?$/;

/**
 * Parse the setting: comma-separated ``NN`` or ``NN-NN``, each optionally ``=price`` or
 * ``=weight`` (price when left out). The server validates the same grammar
 * (cashier/schemas.py), so a bad value here can only be a hand-edited copy: it is refused.
 */
export function parsePrefixes(text: string): PrefixRule[] {
  const rules: PrefixRule[] = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const m = ITEM.exec(item);
    if (!m) throw new Error(`weighed prefixes: ${JSON.stringify(item)} is not NN, NN-NN[=price|=weight]`);
    const low = Number(m[1]);
    const high = Number(m[2] ?? m[1]);
    if (low > high) throw new Error(`weighed prefixes: ${item} runs backwards`);
    rules.push({ low, high, embeds: (m[3] as Embeds | undefined) ?? "price" });
  }
  return rules;
}

/** The GS1 check digit of the first 12 digits (weights 1, 3, 1, 3, ... from the left). */
export function checkDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

/** The label's reading, or null when it is not a weighed label under these rules (not 13
 *  digits, a bad check digit, or a prefix outside every range). */
export function readWeighed(code: string, rules: PrefixRule[]): Weighed | null {
  const text = code.trim();
  if (!/^\d{13}$/.test(text) || checkDigit(text) !== Number(text[12])) return null;
  const prefix = Number(text.slice(0, 2));
  const rule = rules.find((r) => prefix >= r.low && prefix <= r.high);
  if (!rule) return null;
  const item = text.slice(2, 7);
  const base = `${text.slice(0, 7)}00000`;
  return { code: text, embeds: rule.embeds, item, value: Number(text.slice(7, 12)),
           // the label with a zero value (how scales and catalogs list the item), the prefix and
           // item code, the bare item code (PLU) as barcode or SKU
           lookups: [`${base}${checkDigit(base)}`, text.slice(0, 7), item] };
}

/** Grams as a quantity in kilograms, exact to the gram (the order takes 3 decimals). */
export function gramsToKg(grams: number): string {
  const whole = Math.floor(grams / 1000);
  const frac = String(grams % 1000).padStart(3, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}

/** What a weighed label puts on its line: a weight as the quantity at the catalog's price per
 *  kilogram, or a price as the unit price of one pack. */
export function weighedAmounts(w: Weighed, cataloguePrice: number): { quantity: string; unit_price: number } {
  return w.embeds === "weight" ? { quantity: gramsToKg(w.value), unit_price: cataloguePrice }
    : { quantity: "1", unit_price: w.value };
}

/** The first catalog hit among a label's look-up codes. */
export async function findWeighed<V>(w: Weighed, find: (code: string) => Promise<V | undefined>):
    Promise<V | undefined> {
  for (const code of w.lookups) {
    const hit = await find(code);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Add a weighed label's line. Each label is its own line (two packs of tomatoes weigh
 * differently), keyed by variant and label; scanning the same label again adds it again.
 */
export function addWeighed(lines: CartLine[], v: VariantRec, taxes: Map<string, TaxRec>, w: Weighed): CartLine[] {
  const line: CartLine = { ...lineFor(v, taxes), key: `${v.id}|${w.code}`, ...weighedAmounts(w, v.price) };
  const at = lines.findIndex((l) => l.key === line.key);
  if (at < 0) return [...lines, line];
  return lines.map((l, i) => (i === at ? { ...l, quantity: addQty(l.quantity, line.quantity) } : l));
}
