/** The till's IndexedDB: catalog stores, the order outbox, acknowledged sales, settings and the
 *  till session (the cart being rung up and who holds it). */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { StoredSession } from "./session.ts";

export interface VariantRec {
  id: string; product_id: string; sku?: string; barcode?: string; options: string[];
  name?: string; price: number; compare_at?: number; tax_class_id?: string; stock?: string;
  // denormalised from the product so the list renders without a second read
  title: string; category?: string; hsn?: string; sort: string; tokens: string[];
}
export interface ProductRec { id: string; title: string; category?: string; hsn?: string;
  tax_class_id?: string; options: string[]; handle?: string }
export interface TaxRec { id: string; name: string; rate: string; inclusive: boolean; hsn?: string }

export interface OutboxEntry {
  id: string; // the client order UUID, also the idempotency key
  seq: number; // local receipt sequence, keeps send order
  body: Record<string, unknown>;
  created_at: string;
  attempts: number;
  status: "pending" | "rejected";
  last_error?: string;
  bill?: { code: string; url: string; invoice_number: string }; // pre-issued, known offline
}
export interface SentEntry { id: string; seq: number; body: Record<string, unknown>;
  reply: Record<string, unknown>; acked_at: string }

/** A catalog entity removed by a delta after the snapshot that still holds it. */
export interface Tombstone { id: string; deleted: true }
/** Snapshot rows, stored a few thousand per record: ``v:NNNNN`` (variant rows) and ``p:NNNNN``. */
export interface CatalogBlock { fields?: string[]; rows: unknown[] }

export interface TillDB extends DBSchema {
  // the snapshot in large blocks; ``variants``/``products`` hold only what deltas changed since
  blocks: { key: string; value: CatalogBlock };
  variants: { key: string; value: Omit<VariantRec, "title" | "sort" | "tokens"> | Tombstone };
  products: { key: string; value: ProductRec | Tombstone };
  taxes: { key: string; value: TaxRec };
  outbox: { key: string; value: OutboxEntry; indexes: { seq: number } };
  sent: { key: string; value: SentEntry; indexes: { seq: number } };
  meta: { key: string; value: unknown };
  // one record, "current": the sale in progress and its cashier (never a PIN or key secret)
  session: { key: string; value: StoredSession };
}

export type Till = IDBPDatabase<TillDB>;
export const DB_NAME = "activepos";

/** The schema version; each step below upgrades from the one before it. */
export const DB_VERSION = 3;

/**
 * Version 2 stores the catalog in blocks (version 1 wrote one indexed record per variant, ~65 %
 * of a cold sync): upgrading from 1 drops the old catalog stores and the cursor, so the till
 * takes a fresh snapshot. Version 3 adds the ``session`` store and touches nothing else, so an
 * updated till keeps its offline catalog. The outbox, sent sales and settings are always kept.
 */
export function openTill(name = DB_NAME): Promise<Till> {
  return openDB<TillDB>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore("taxes", { keyPath: "id" });
        db.createObjectStore("outbox", { keyPath: "id" }).createIndex("seq", "seq", { unique: true });
        db.createObjectStore("sent", { keyPath: "id" }).createIndex("seq", "seq");
        db.createObjectStore("meta");
      }
      if (oldVersion < 2) {
        if (oldVersion === 1) {
          db.deleteObjectStore("variants");
          db.deleteObjectStore("products");
          void tx.objectStore("meta").delete("catalog_cursor");
        }
        db.createObjectStore("variants", { keyPath: "id" });
        db.createObjectStore("products", { keyPath: "id" });
        db.createObjectStore("blocks");
      }
      if (oldVersion < 3) db.createObjectStore("session");
    },
  });
}

export async function getMeta<T>(db: Till, key: string): Promise<T | undefined> {
  return (await db.get("meta", key)) as T | undefined;
}

export async function setMeta(db: Till, key: string, value: unknown): Promise<void> {
  await db.put("meta", value, key);
}
