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

export interface TillDB extends DBSchema {
  variants: { key: string; value: VariantRec;
    indexes: { sku: string; barcode: string; tokens: string; product_id: string; category: string; sort: string } };
  products: { key: string; value: ProductRec };
  taxes: { key: string; value: TaxRec };
  outbox: { key: string; value: OutboxEntry; indexes: { seq: number } };
  sent: { key: string; value: SentEntry; indexes: { seq: number } };
  meta: { key: string; value: unknown };
}

export type Till = IDBPDatabase<TillDB>;
export const DB_NAME = "activepos";

export function openTill(name = DB_NAME): Promise<Till> {
  return openDB<TillDB>(name, 1, {
    upgrade(db) {
      const v = db.createObjectStore("variants", { keyPath: "id" });
      v.createIndex("sku", "sku");
      v.createIndex("barcode", "barcode");
      v.createIndex("tokens", "tokens", { multiEntry: true });
      v.createIndex("product_id", "product_id");
      v.createIndex("category", "category");
      v.createIndex("sort", "sort");
      db.createObjectStore("products", { keyPath: "id" });
      db.createObjectStore("taxes", { keyPath: "id" });
      db.createObjectStore("outbox", { keyPath: "id" }).createIndex("seq", "seq", { unique: true });
      db.createObjectStore("sent", { keyPath: "id" }).createIndex("seq", "seq");
      db.createObjectStore("meta");
    },
  });
}

export async function getMeta<T>(db: Till, key: string): Promise<T | undefined> {
  return (await db.get("meta", key)) as T | undefined;
}

export async function setMeta(db: Till, key: string, value: unknown): Promise<void> {
  await db.put("meta", value, key);
}
