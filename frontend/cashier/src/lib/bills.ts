/**
 * Pre-issued bill codes: the till holds a pool of (code, URL, invoice number) reserved by the
 * server for this terminal, and spends one per sale, offline too; the server honours it on sync.
 */
import { call } from "./api.ts";
import { getMeta, setMeta, type Till } from "./db.ts";

export interface BillCode { code: string; url: string; invoice_number: string }
export const POOL_SIZE = 50;

/** Ask the server to top the pool up; drop codes this till already spent but has not synced. */
export async function topUp(db: Till, token: string, count = POOL_SIZE): Promise<number> {
  const body = await call<{ codes: BillCode[] }>("/v1/pos/bill-codes", { method: "POST", token, body: { count } });
  const tx = db.transaction("meta", "readwrite");
  const spent = new Set(((await tx.store.get("bill_spent")) as string[] | undefined) ?? []);
  const pool = body.codes.filter((c) => !spent.has(c.code))
    .map((c) => ({ code: c.code, url: c.url, invoice_number: c.invoice_number }));
  await tx.store.put(pool, "bill_pool");
  // forget spent codes the server no longer lists as unused (it has seen those orders)
  const listed = new Set(body.codes.map((c) => c.code));
  await tx.store.put([...spent].filter((c) => listed.has(c)), "bill_spent");
  await tx.done;
  return pool.length;
}

export async function poolSize(db: Till): Promise<number> {
  return ((await getMeta<BillCode[]>(db, "bill_pool")) ?? []).length;
}

export async function resetPool(db: Till): Promise<void> {
  await setMeta(db, "bill_pool", []);
}
