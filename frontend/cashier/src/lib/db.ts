/** The till's IndexedDB: catalog stores, the order outbox, acknowledged sales and settings. */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";

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
}

export type Till = IDBPDatabase<TillDB>;
export const DB_NAME = "activepos";

/**
 * Version 2 stores the catalog in blocks (version 1 wrote one indexed record per variant, ~65 %
 * of a cold sync). Upgrading drops the old catalog stores and the cursor, so the till takes a
 * fresh snapshot; the outbox, sent sales and settings are kept.
 */
export function openTill(name = DB_NAME): Promise<Till> {
  return openDB<TillDB>(name, 2, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore("taxes", { keyPath: "id" });
        db.createObjectStore("outbox", { keyPath: "id" }).createIndex("seq", "seq", { unique: true });
        db.createObjectStore("sent", { keyPath: "id" }).createIndex("seq", "seq");
        db.createObjectStore("meta");
      } else {
        db.deleteObjectStore("variants");
        db.deleteObjectStore("products");
        void tx.objectStore("meta").delete("catalog_cursor");
      }
      db.createObjectStore("variants", { keyPath: "id" });
      db.createObjectStore("products", { keyPath: "id" });
      db.createObjectStore("blocks");
    },
  });
}

export async function getMeta<T>(db: Till, key: string): Promise<T | undefined> {
  return (await db.get("meta", key)) as T | undefined;
}

export async function setMeta(db: Till, key: string, value: unknown): Promise<void> {
  await db.put("meta", value, key);
}
