/**
 * The order outbox: a sale is committed to IndexedDB before any network call, and leaves the
 * outbox only when the server acknowledged it (201, or 200 for a replay of the same UUID).
 * Nothing is ever purged automatically: a refused order stays, marked "rejected", for export.
 */
import type { BillCode } from "./bills.ts";
import type { OutboxEntry, SentEntry, Till } from "./db.ts";
import { SESSION_KEY, type StoredSession } from "./session.ts";

export interface SendResult { status: number; body: Record<string, unknown> | null }
/** Sends one order; throws on a network failure (the entry stays and is retried later). */
export type Sender = (entry: OutboxEntry) => Promise<SendResult>;

/** Statuses after which retrying the same body cannot succeed: kept, flagged, not retried. */
const PERMANENT = new Set([400, 404, 409, 413, 422]);

/**
 * Add a sale with the next receipt sequence number and, when the pool has one, a pre-issued
 * bill code; all in one transaction, so a code is never spent twice nor lost. ``session`` is
 * the till session after the sale (its cart emptied), written in the same transaction: a
 * crash can then neither lose the sale nor bring its cart back to be rung up twice.
 */
export async function enqueue(db: Till, id: string, body: Record<string, unknown>, now = new Date(),
                              session?: StoredSession): Promise<OutboxEntry> {
  const tx = db.transaction(["outbox", "meta", "session"], "readwrite");
  const meta = tx.objectStore("meta");
  const seq = (((await meta.get("receipt_seq")) as number | undefined) ?? 0) + 1;
  const pool = ((await meta.get("bill_pool")) as BillCode[] | undefined) ?? [];
  const bill = pool[0];
  const metadata: Record<string, unknown> = { ...((body.metadata as Record<string, unknown>) ?? {}),
                                              terminal_seq: seq };
  if (bill) {
    metadata.bill_code = bill.code;
    metadata.invoice_number = bill.invoice_number;
    const spent = ((await meta.get("bill_spent")) as string[] | undefined) ?? [];
    await meta.put(pool.slice(1), "bill_pool");
    await meta.put([...spent, bill.code], "bill_spent");
  }
  const entry: OutboxEntry = { id, seq, body: { ...body, client_order_id: id, metadata }, bill,
    created_at: now.toISOString(), attempts: 0, status: "pending" };
  await meta.put(seq, "receipt_seq");
  await tx.objectStore("outbox").add(entry);
  if (session) await tx.objectStore("session").put(session, SESSION_KEY);
  await tx.done;
  return entry;
}

export async function unsynced(db: Till): Promise<OutboxEntry[]> {
  return db.getAllFromIndex("outbox", "seq");
}

export async function unsyncedCount(db: Till): Promise<number> {
  return db.count("outbox");
}

export interface FlushReport { sent: number; rejected: number; remaining: number; offline: boolean;
  unauthorized: boolean }

/** Send every pending entry in receipt order; stop at the first network failure. */
export async function flush(db: Till, send: Sender): Promise<FlushReport> {
  const report: FlushReport = { sent: 0, rejected: 0, remaining: 0, offline: false, unauthorized: false };
  for (const entry of await unsynced(db)) {
    if (entry.status !== "pending") continue;
    let result: SendResult;
    try {
      result = await send(entry);
    } catch {
      report.offline = true;
      break;
    }
    if (result.status === 200 || result.status === 201) {
      await acknowledge(db, entry, result.body ?? {});
      report.sent += 1;
    } else if (result.status === 401 || result.status === 403) {
      report.unauthorized = true; // revoked till: keep everything, stop sending
      break;
    } else if (PERMANENT.has(result.status)) {
      await db.put("outbox", { ...entry, attempts: entry.attempts + 1, status: "rejected",
                               last_error: JSON.stringify(result.body).slice(0, 2000) });
      report.rejected += 1;
    } else {
      await db.put("outbox", { ...entry, attempts: entry.attempts + 1,
                               last_error: `HTTP ${result.status}` });
      break; // 5xx / 429: the server is unwell; try again on the next tick
    }
  }
  report.remaining = await unsyncedCount(db);
  return report;
}

/** Move an entry to "sent" with the server's reply; one transaction, so never lost nor doubled. */
async function acknowledge(db: Till, entry: OutboxEntry, reply: Record<string, unknown>): Promise<void> {
  const tx = db.transaction(["outbox", "sent"], "readwrite");
  const sent: SentEntry = { id: entry.id, seq: entry.seq, body: entry.body, reply,
                            acked_at: new Date().toISOString() };
  await tx.objectStore("sent").put(sent);
  await tx.objectStore("outbox").delete(entry.id);
  await tx.done;
}

/** Put a rejected entry back in the queue (after the cause was fixed on the server). */
export async function retry(db: Till, id: string): Promise<void> {
  const entry = await db.get("outbox", id);
  if (entry) await db.put("outbox", { ...entry, status: "pending" });
}

/** Every unsynced sale as one JSON document, for the emergency export. */
export async function exportUnsynced(db: Till, device: unknown): Promise<string> {
  const entries = await unsynced(db);
  return JSON.stringify({ format: "activepos-outbox/1", exported_at: new Date().toISOString(),
                          device, orders: entries }, null, 2);
}

export interface RedemptionReport { id: string; seq: number; status: string; requested: number;
  settled: number; refused: number; refused_value: number; reason?: string | null;
  reward_name?: string | null } // a reward applied offline (its points are what was requested)

/** Synced sales whose offline redemption the server clamped or refused (for the sync view). */
export async function redemptionReports(db: Till): Promise<RedemptionReport[]> {
  const reports: RedemptionReport[] = [];
  for (const sent of await db.getAllFromIndex("sent", "seq")) {
    const loyalty = sent.reply.loyalty as { offline_redemption?: Omit<RedemptionReport, "id" | "seq"> } | null;
    const r = loyalty?.offline_redemption;
    if (r && r.status !== "settled") reports.push({ id: sent.id, seq: sent.seq, ...r });
  }
  return reports;
}

export interface FlagReport { id: string; seq: number; uncovered: number;
  reasons: { rule: string; field: string; message: string }[] }

/** Synced sales the server accepted but flagged for a manager (a till rule broken offline). */
export async function flaggedReports(db: Till): Promise<FlagReport[]> {
  const reports: FlagReport[] = [];
  for (const sent of await db.getAllFromIndex("sent", "seq")) {
    const review = sent.reply.review as { status?: string; uncovered?: number; reasons?: FlagReport["reasons"] } | null;
    if (review?.status === "flagged") {
      reports.push({ id: sent.id, seq: sent.seq, uncovered: review.uncovered ?? 0, reasons: review.reasons ?? [] });
    }
  }
  return reports;
}
