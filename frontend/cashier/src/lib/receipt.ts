/** The receipt channel a member prefers (GET /v1/pos/members/{id}/receipt-channel), cached. */
import { call } from "./api.ts";
import { cached } from "./cached.ts";
import type { Till } from "./db.ts";

export interface ReceiptPreference { channel: string; preferred_channel?: string | null;
  has_email: boolean; has_phone: boolean; reachable: Record<string, boolean> }

/** The server's answer; on any failure the last known preference, else null. */
export async function receiptPreference(db: Till, token: string, memberId: string):
    Promise<ReceiptPreference | null> {
  const got = await cached<ReceiptPreference>(db, { key: `receipt:${memberId}`,
    fetch: () => call(`/v1/pos/members/${encodeURIComponent(memberId)}/receipt-channel`, { token, contentType: false }) });
  return got.value ?? null;
}
