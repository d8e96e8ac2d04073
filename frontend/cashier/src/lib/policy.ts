/**
 * Pure till rules that must hold offline too: how many points a stale balance may redeem
 * (the configurable cap: the till's offline allowance per member per day, spent cumulatively,
 * as loyalty/offline.py counts it), and when a line discount needs a manager's PIN.
 */
import { rewardInWindow } from "./rewards.ts";

export interface TillConfig { offline_redeem_cap: number; discount_limit_bp: number;
  idle_lock_minutes: number; weighed_prefixes: string }
/** The server's built-in defaults (cashier/settings.py), used before the first config fetch
 *  (and for fields a config cached by an older till lacks). */
export const DEFAULT_CONFIG: TillConfig = { offline_redeem_cap: 500, discount_limit_bp: 1000,
  idle_lock_minutes: 5, weighed_prefixes: "20-29" };

/** Most points an offline sale may redeem: the cap, the last known balance and the bill. */
export function offlineRedeemLimit(o: { cap: number; spendable: number; due: number;
                                       pointValue: number }): number {
  if (o.pointValue <= 0) return 0;
  return Math.max(0, Math.min(o.cap, o.spendable, Math.floor(o.due / o.pointValue)));
}

/** Why ``points`` cannot be redeemed offline, or null when the till may take them. */
export function offlineRedeemError(points: number, o: { cap: number; spendable: number; due: number;
                                                        pointValue: number; hasPhone: boolean }): string | null {
  if (!Number.isInteger(points) || points <= 0) return "points: enter a whole number above zero";
  if (!o.hasPhone) return "Offline redemption needs the member looked up by phone.";
  if (o.cap <= 0) return "Redeeming points offline is switched off for this till.";
  const limit = offlineRedeemLimit(o);
  if (points > limit) {
    const why = limit === o.cap ? `the offline cap of ${o.cap}` : limit === o.spendable
      ? `the last known balance of ${o.spendable}` : "what is due";
    return `Offline, at most ${limit} points can be redeemed (${why}).`;
  }
  return null;
}

/** Why a reward cannot be applied offline (no hold), or null when the till may apply it: its
 *  points cost must fit the till's allowance left today for the member (``cap``) and the last
 *  known balance; the server settles the points (and recomputes the discount) on sync. */
export function offlineRewardError(r: { name: string; points_cost: number; eligible: boolean;
                                        valid_from?: string | null; valid_until?: string | null },
                                   o: { cap: number; allowance: number; spendable: number; hasPhone: boolean;
                                        now?: Date }): string | null {
  if (!o.hasPhone) return "Offline, a reward needs the member looked up by phone.";
  if (o.cap <= 0) return "Redeeming rewards offline is switched off for this till.";
  if (!r.eligible) return `${r.name} was not eligible at the last look-up.`;
  if (!rewardInWindow(r, o.now ?? new Date())) return `${r.name} is not valid today.`;
  if (r.points_cost > o.spendable) {
    return `Offline: ${r.name} costs ${r.points_cost} points; the last known balance is ${o.spendable}.`;
  }
  if (r.points_cost > o.allowance) {
    return `Offline: ${r.name} costs ${r.points_cost} points; ${o.allowance} are left of this till's offline allowance for the member today.`;
  }
  return null;
}

/** The limit a cashier works under: their own when the console set one, else the till's
 *  (cashier/checks.py ``staff_limit``, which the server applies to every order). */
export function discountLimitFor(config: TillConfig, staff: { discount_limit_bp?: number | null } | null | undefined): number {
  const own = staff?.discount_limit_bp;
  return typeof own === "number" ? own : config.discount_limit_bp;
}

/** A discount above ``limitBp`` of the line's gross amount needs a manager's approval. */
export function discountNeedsApproval(gross: number, discount: number, limitBp: number): boolean {
  if (discount <= 0) return false;
  return discount * 10_000 > gross * limitBp;
}

/** Points spent offline for one member on one UTC day (the server's allowance window). */
export interface OfflineUse { day: string; points: number }

export function utcDay(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** What is left today of the till's offline allowance for a member. */
export function allowanceLeft(cap: number, used: OfflineUse | undefined, now = new Date()): number {
  const spent = used && used.day === utcDay(now) ? used.points : 0;
  return Math.max(0, cap - spent);
}
