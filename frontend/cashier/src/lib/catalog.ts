/**
 * The outlet catalog in IndexedDB: snapshot load (with progress), cursor deltas and search.
 * Variants carry their product's title and category so search and the list need one read.
 */
import type { ProductRec, TaxRec, Till, VariantRec } from "./db.ts";
import { getMeta, setMeta } from "./db.ts";

const BATCH = 2000;

export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

type VariantDoc = Omit<VariantRec, "title" | "category" | "hsn" | "sort" | "tokens">;

export function enrich(doc: VariantDoc, product: ProductRec | undefined): VariantRec {
  const title = product?.title ?? doc.name ?? doc.sku ?? doc.id;
  const label = [title, doc.name, ...(doc.options ?? [])].filter(Boolean).join(" ");
  const tokens = new Set([...tokenize(label), ...tokenize(product?.category ?? "")]);
  if (doc.sku) tokens.add(doc.sku.toLowerCase());
  return { ...doc, options: doc.options ?? [], title, category: product?.category,
           hsn: product?.hsn, sort: label.toLowerCase(), tokens: [...tokens] };
}

/** Variants arrive as rows of values named once by ``variant_fields`` (or as objects). */
export interface Snapshot { cursor: string; location: Record<string, unknown>; variant_fields?: string[];
  tax_classes: TaxRec[]; products: ProductRec[]; variants: (VariantDoc | unknown[])[] }

function variantDoc(row: VariantDoc | unknown[], fields: string[] | undefined): VariantDoc {
  if (!Array.isArray(row)) return row;
  const doc: Record<string, unknown> = {};
  (fields ?? []).forEach((name, i) => { if (row[i] !== null && row[i] !== undefined) doc[name] = row[i]; });
  return doc as unknown as VariantDoc;
}

export type Progress = (phase: "download" | "store", done: number, total: number) => void;

/** Replace the catalog with a snapshot, writing in batches so the UI can show progress. */
export async function loadSnapshot(db: Till, snap: Snapshot, progress: Progress = () => {}): Promise<void> {
  const clear = db.transaction(["variants", "products", "taxes"], "readwrite");
  await Promise.all([clear.objectStore("variants").clear(), clear.objectStore("products").clear(),
                     clear.objectStore("taxes").clear()]);
  for (const t of snap.tax_classes) clear.objectStore("taxes").put(t);
  for (const p of snap.products) clear.objectStore("products").put(p);
  await clear.done;
  const products = new Map(snap.products.map((p) => [p.id, p]));
  const total = snap.variants.length;
  for (let start = 0; start < total; start += BATCH) {
    const tx = db.transaction("variants", "readwrite");
    for (const row of snap.variants.slice(start, start + BATCH)) {
      const v = variantDoc(row, snap.variant_fields);
      tx.store.put(enrich(v, products.get(v.product_id)));
    }
    await tx.done;
    progress("store", Math.min(start + BATCH, total), total);
  }
  await setMeta(db, "catalog_cursor", snap.cursor);
  await setMeta(db, "catalog_synced_at", new Date().toISOString());
  await setMeta(db, "catalog_count", total);
}

export interface Change { type: "tax_class" | "product" | "variant"; id: string; deleted: boolean;
  data: Record<string, unknown> | null }

/** Apply one page of the delta feed in one transaction. */
export async function applyChanges(db: Till, changes: Change[], cursor: string): Promise<void> {
  const tx = db.transaction(["variants", "products", "taxes", "meta"], "readwrite");
  const variants = tx.objectStore("variants");
  const products = tx.objectStore("products");
  for (const c of changes) {
    if (c.type === "tax_class") {
      if (c.deleted) await tx.objectStore("taxes").delete(c.id);
      else await tx.objectStore("taxes").put(c.data as unknown as TaxRec);
    } else if (c.type === "product") {
      const siblings = await variants.index("product_id").getAll(c.id);
      if (c.deleted) {
        await products.delete(c.id);
        for (const v of siblings) await variants.delete(v.id);
      } else {
        const p = c.data as unknown as ProductRec;
        await products.put(p);
        for (const v of siblings) await variants.put(enrich(v, p));
      }
    } else if (c.deleted) {
      await variants.delete(c.id);
    } else {
      const doc = c.data as unknown as VariantDoc;
      await variants.put(enrich(doc, await products.get(doc.product_id)));
    }
  }
  await tx.objectStore("meta").put(cursor, "catalog_cursor");
  await tx.objectStore("meta").put(new Date().toISOString(), "catalog_synced_at");
  await tx.done;
}

export async function catalogCursor(db: Till): Promise<string | undefined> {
  return getMeta<string>(db, "catalog_cursor");
}

/** Exact barcode, then exact SKU: what a scanner or a typed code resolves to. */
export async function byCode(db: Till, code: string): Promise<VariantRec | undefined> {
  const text = code.trim();
  if (!text) return undefined;
  return (await db.getFromIndex("variants", "barcode", text)) ??
    (await db.getFromIndex("variants", "sku", text));
}

/**
 * Search by name (every word a prefix of some word), SKU or barcode; or browse a category.
 * The most selective word (smallest native index count) drives one bulk read; the others filter.
 */
export async function search(db: Till, query: string, opts: { category?: string; limit?: number } = {}):
    Promise<VariantRec[]> {
  const limit = opts.limit ?? 300;
  const words = [...new Set(tokenize(query))];
  if (!words.length) {
    if (opts.category) return db.getAllFromIndex("variants", "category", opts.category, limit);
    return db.getAllFromIndex("variants", "sort", undefined, limit);
  }
  const exact = await byCode(db, query);
  const index = db.transaction("variants").store.index("tokens");
  const range = (w: string) => IDBKeyRange.bound(w, `${w}\uffff`);
  const counts = await Promise.all(words.map((w) => index.count(range(w))));
  const lead = words[counts.indexOf(Math.min(...counts))];
  const others = words.filter((w) => w !== lead);
  // one word: the first `limit` hits are the answer; several: read enough candidates to filter
  const cap = others.length ? Math.min(Math.min(...counts), 20_000) : limit;
  const candidates = await index.getAll(range(lead), cap);
  const out: VariantRec[] = exact ? [exact] : [];
  const seen = new Set(out.map((v) => v.id));
  for (const v of candidates) {
    if (out.length >= limit) break;
    if (seen.has(v.id) || (opts.category && v.category !== opts.category)) continue;
    if (others.every((w) => v.tokens.some((t) => t.startsWith(w)))) {
      out.push(v);
      seen.add(v.id);
    }
  }
  return out;
}

export async function variantsOf(db: Till, productId: string): Promise<VariantRec[]> {
  return db.getAllFromIndex("variants", "product_id", productId);
}

export async function categories(db: Till): Promise<string[]> {
  const out: string[] = [];
  let cursor = await db.transaction("variants").store.index("category").openKeyCursor(undefined, "nextunique");
  while (cursor) {
    out.push(String(cursor.key));
    cursor = await cursor.continue();
  }
  return out;
}
