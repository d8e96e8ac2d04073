/** The receipt channel a member prefers (GET /v1/pos/members/{id}/receipt-channel), cached. */
import { getMeta, setMeta, type Till } from "./db.ts";

export interface ReceiptPreference { channel: string; preferred_channel?: string | null;
  has_email: boolean; has_phone: boolean; reachable: Record<string, boolean> }

export async function receiptPreference(db: Till, token: string, memberId: string):
    Promise<ReceiptPreference | null> {
  const key = `receipt:${memberId}`;
  try {
    const res = await fetch(`/v1/pos/members/${encodeURIComponent(memberId)}/receipt-channel`,
                            { cache: "no-store", headers: { Authorization: `Bearer ${token}` } });
    if (res.ok) {
      const pref = (await res.json()) as ReceiptPreference;
      await setMeta(db, key, pref);
      return pref;
    }
  } catch { /* offline: the last known preference */ }
  return (await getMeta<ReceiptPreference>(db, key)) ?? null;
}
