/** The loyalty register API (/v1/loyalty/...): member lookup, enrolment and point holds. */
import { ApiError, call, OfflineError } from "./api.ts";
import { cached, remember } from "./cached.ts";
import { getMeta, setMeta, type Till } from "./db.ts";
import { utcDay, type OfflineUse } from "./policy.ts";

/** A reward as the server lists it: its terms are what lib/rewards.ts turns into a discount. */
export interface Reward { id: string; name: string; kind: string; points_cost: number; eligible: boolean;
  percent_bp?: number; amount?: number; min_bill?: number; sku?: string | null; item_quantity?: number;
  reason_text?: string[]; points_short?: number; valid_from?: string | null;
  valid_until?: string | null; [k: string]: unknown }
export interface Member {
  member_id: string; member_code: string; available: number; spendable: number; pending: number;
  tier?: string | null; points_name: string; point_value: number; rewards: Reward[];
  name?: string | null;
  temporary?: boolean; // enrolled while offline: the sale's phone opens the account on sync
  phone?: string; // the number it was looked up or enrolled with (the order's customer)
  fetched_at?: string; stale?: boolean;
  offline_used?: OfflineUse; // points this till redeemed offline for the member today
}
export interface Hold { hold_id: string; points: number; value: number; reward_id?: string | null;
  status: string; expires_in?: number } // seconds left, by the server's clock

/** "loyalty:CODE" from a member QR, a bare member code, or a phone number. */
export function parseMemberRef(text: string): { phone?: string; code?: string } {
  const t = text.trim();
  if (t.toLowerCase().startsWith("loyalty:")) return { code: t.slice(8) };
  return /^[+\d][\d\s-]{5,}$/.test(t) ? { phone: t } : { code: t };
}

/** Look a member up online; with no reply, fall back to the last known copy marked stale. */
export async function lookup(db: Till, token: string, text: string): Promise<Member | null> {
  const ref = parseMemberRef(text);
  const query = ref.phone ? `phone=${encodeURIComponent(ref.phone)}` : `code=${encodeURIComponent(ref.code!)}`;
  try {
    const got = await cached<Member>(db, {
      key: `member:${ref.phone ?? ref.code}`,
      fetch: () => call<Member>(`/v1/loyalty/members?${query}`, { token }),
      // the day's offline use is the till's own count: a fresh balance does not reset it
      // a code lookup learns the phone from the server: the order names its customer by it
      merge: (member, prior) => ({ ...member, phone: ref.phone ?? member.phone ?? undefined,
                                   fetched_at: new Date().toISOString(),
                                   offline_used: prior?.offline_used }),
      fallback: (err) => !(err instanceof ApiError), // a refusal is the server's answer, not "offline"
    });
    if (got.value === undefined) throw got.error; // offline and not cached
    return got.stale ? { ...got.value, stale: true } : got.value;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** A member enrolled while offline: no account yet, no points to spend. The sale names its
 *  customer by this phone, so the server opens the account (and earns for the sale) when the
 *  order syncs; the next lookup online replaces this card with the real one. */
export function temporaryMember(phone: string, now = new Date()): Member {
  return { member_id: "", member_code: "", available: 0, spendable: 0, pending: 0, tier: null,
           points_name: "points", point_value: 0, rewards: [], phone, name: null,
           fetched_at: now.toISOString(), temporary: true };
}

export async function enroll(db: Till, token: string, phone: string): Promise<Member> {
  let fresh: Member;
  try {
    const member = await call<Member>("/v1/loyalty/members", { method: "POST", token, body: { phone } });
    fresh = { ...member, phone, fetched_at: new Date().toISOString() };
  } catch (err) {
    if (!(err instanceof OfflineError)) throw err;
    fresh = temporaryMember(phone);
  }
  await remember(db, `member:${phone}`, fresh);
  return fresh;
}

/** Reserve points (or a reward) for this cart; the order commits the hold when it syncs. */
export async function hold(token: string, req: { member_id: string; points?: number; reward_id?: string;
                           bill_total: number; idempotency_key: string }): Promise<Hold> {
  return call<Hold>("/v1/loyalty/holds", { method: "POST", token, body: req });
}

/** Release a hold at once (payment closed, cart cleared); ``keepalive`` while the page unloads. */
export async function release(token: string, holdId: string, keepalive = false): Promise<void> {
  await call(`/v1/loyalty/holds/${encodeURIComponent(holdId)}/release`, { method: "POST", token, keepalive });
}

/** After an offline redemption, lower the cached balance and count the day's allowance spent,
 *  so the next offline sale sees both. */
export async function spendOffline(db: Till, member: Member, points: number, now = new Date()): Promise<void> {
  if (!member.phone) return;
  const key = `member:${member.phone}`;
  const cached = await getMeta<Member>(db, key);
  if (!cached) return;
  const day = utcDay(now);
  const used = cached.offline_used?.day === day ? cached.offline_used.points : 0;
  await setMeta(db, key, { ...cached, spendable: Math.max(0, cached.spendable - points),
                           available: Math.max(0, cached.available - points),
                           offline_used: { day, points: used + points } });
}
