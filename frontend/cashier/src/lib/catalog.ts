/**
 * The outlet catalog: snapshot load (with progress), cursor deltas and search.
 * IndexedDB holds the snapshot as large blocks of rows plus the entities deltas changed since
 * (one record each); lookups run on the in-memory ``CatalogIndex`` built from them.
 */
import { CatalogIndex, variantDoc, type VariantDoc } from "./catalog_index.ts";
import type { CatalogBlock, ProductRec, TaxRec, Till, Tombstone, VariantRec } from "./db.ts";
import { getMeta } from "./db.ts";

export { enrich, tokenize } from "./catalog_index.ts";

/** Rows per stored block: ~50 records for 100k variants instead of 100k indexed records. */
export const BLOCK = 2000;

/** Variants arrive as rows of values named once by ``variant_fields`` (or as objects). */
export interface Snapshot { cursor: string; location: Record<string, unknown>; variant_fields?: string[];
  tax_classes: TaxRec[]; products: ProductRec[]; variants: (VariantDoc | unknown[])[] }

export type Progress = (phase: "download" | "store", done: number, total: number) => void;

const loaded = new WeakMap<Till, Promise<CatalogIndex>>();

const blockKey = (kind: "v" | "p", n: number) => `${kind}:${String(n).padStart(6, "0")}`;

/** Build the in-memory index from snapshot rows (no IndexedDB read). */
export function indexSnapshot(snap: Pick<Snapshot, "products" | "variants" | "variant_fields">): CatalogIndex {
  const index = new CatalogIndex();
  for (const p of snap.products) index.products.set(p.id, p);
  for (const row of snap.variants) index.putVariant(variantDoc(row, snap.variant_fields));
  index.prepare();
  return index;
}

/**
 * Replace the catalog with a snapshot in ONE transaction (blocks, taxes, cursor together: an
 * interrupted load leaves the previous catalog intact). Progress is reported as blocks land.
 */
export async function loadSnapshot(db: Till, snap: Snapshot, progress: Progress = () => {}):
    Promise<{ index: number; write: number }> {
  const t0 = performance.now();
  const index = indexSnapshot(snap);
  const t1 = performance.now();
  const tx = db.transaction(["blocks", "variants", "products", "taxes", "meta"], "readwrite");
  const blocks = tx.objectStore("blocks");
  for (const name of ["blocks", "variants", "products", "taxes"] as const) void tx.objectStore(name).clear();
  for (const t of snap.tax_classes) void tx.objectStore("taxes").put(t);
  for (let start = 0, n = 0; start < snap.products.length; start += BLOCK * 2, n++) {
    void blocks.put({ rows: snap.products.slice(start, start + BLOCK * 2) }, blockKey("p", n));
  }
  const total = snap.variants.length;
  for (let start = 0, n = 0; start < total; start += BLOCK, n++) {
    const block: CatalogBlock = { fields: snap.variant_fields, rows: snap.variants.slice(start, start + BLOCK) };
    const done = Math.min(start + BLOCK, total);
    void blocks.put(block, blockKey("v", n)).then(() => progress("store", done, total));
  }
  const meta = tx.objectStore("meta");
  void meta.put(snap.cursor, "catalog_cursor");
  void meta.put(new Date().toISOString(), "catalog_synced_at");
  void meta.put(total, "catalog_count");
  await tx.done;
  if (!total) progress("store", 0, 0);
  loaded.set(db, Promise.resolve(index));
  return { index: t1 - t0, write: performance.now() - t1 };
}

/** The till's catalog in memory: built once per page from the blocks and the delta records. */
export function catalogIndex(db: Till): Promise<CatalogIndex> {
  let index = loaded.get(db);
  if (!index) {
    index = readIndex(db);
    loaded.set(db, index);
    index.catch(() => loaded.delete(db)); // a failed read is retried by the next caller
  }
  return index;
}

async function readIndex(db: Till): Promise<CatalogIndex> {
  const tx = db.transaction(["blocks", "variants", "products"]);
  const [blocks, variants, products] = await Promise.all([
    tx.objectStore("blocks").getAll(), tx.objectStore("variants").getAll(), tx.objectStore("products").getAll()]);
  const productRows: ProductRec[] = [];
  const variantRows: VariantDoc[] = [];
  for (const block of blocks) {
    if (block.fields) for (const row of block.rows) variantRows.push(variantDoc(row as unknown[], block.fields));
    else productRows.push(...(block.rows as ProductRec[]));
  }
  const docs = new Map(variantRows.map((v) => [v.id, v]));
  for (const v of variants) {
    if (isTombstone(v)) docs.delete(v.id); else docs.set(v.id, v);
  }
  const live = new Map(productRows.map((p) => [p.id, p]));
  for (const p of products) {
    if (isTombstone(p)) live.delete(p.id); else live.set(p.id, p);
  }
  return indexSnapshot({ products: [...live.values()], variants: [...docs.values()] });
}

function isTombstone(doc: unknown): doc is Tombstone {
  return (doc as Tombstone).deleted === true;
}

export interface Change { type: "tax_class" | "product" | "variant"; id: string; deleted: boolean;
  data: Record<string, unknown> | null }

/** Apply one page of the delta feed in one transaction, then to the in-memory index. */
export async function applyChanges(db: Till, changes: Change[], cursor: string): Promise<void> {
  const index = await catalogIndex(db);
  const tx = db.transaction(["variants", "products", "taxes", "meta"], "readwrite");
  const variants = tx.objectStore("variants");
  const products = tx.objectStore("products");
  const gone = (id: string): Tombstone => ({ id, deleted: true });
  const after: (() => void)[] = [];
  for (const c of changes) {
    if (c.type === "tax_class") {
      if (c.deleted) void tx.objectStore("taxes").delete(c.id);
      else void tx.objectStore("taxes").put(c.data as unknown as TaxRec);
    } else if (c.type === "product") {
      if (c.deleted) {
        void products.put(gone(c.id));
        for (const v of index.variantsOf(c.id)) void variants.put(gone(v.id));
        after.push(() => index.deleteProduct(c.id));
      } else {
        const p = c.data as unknown as ProductRec;
        void products.put(p);
        after.push(() => index.putProduct(p));
      }
    } else if (c.deleted) {
      void variants.put(gone(c.id));
      after.push(() => index.remove(c.id));
    } else {
      const doc = c.data as unknown as VariantDoc & { id: string };
      void variants.put({ ...doc });
      after.push(() => index.putVariant({ ...doc }));
    }
  }
  void tx.objectStore("meta").put(cursor, "catalog_cursor");
  void tx.objectStore("meta").put(new Date().toISOString(), "catalog_synced_at");
  await tx.done;
  for (const apply of after) apply(); // only what IndexedDB committed reaches the index
}

export async function catalogCursor(db: Till): Promise<string | undefined> {
  return getMeta<string>(db, "catalog_cursor");
}

/** Exact barcode, then exact SKU: what a scanner or a typed code resolves to. */
export async function byCode(db: Till, code: string): Promise<VariantRec | undefined> {
  return (await catalogIndex(db)).byCode(code);
}

/**
 * Search by name (every word a prefix of some word), SKU or barcode; or browse a category.
 * The most selective word drives the scan; the others filter.
 */
export async function search(db: Till, query: string, opts: { category?: string; limit?: number } = {}):
    Promise<VariantRec[]> {
  return (await catalogIndex(db)).search(query, opts);
}

export async function variantsOf(db: Till, productId: string): Promise<VariantRec[]> {
  return (await catalogIndex(db)).variantsOf(productId);
}

export async function productOf(db: Till, productId: string): Promise<ProductRec | undefined> {
  return (await catalogIndex(db)).products.get(productId);
}

export async function categories(db: Till): Promise<string[]> {
  return [...(await catalogIndex(db)).categories()];
}
