/**
 * Reward maths for the cart: the TypeScript twin of the server's loyalty/reward_rules.py (both
 * pass tests/vectors/reward_discounts.json). A reward is a discount on the lines, never a tender:
 * a free item takes its unit price off the first lines with its SKU, an amount or a percent off
 * is spread over the eligible lines in proportion to their net, by cumulative floors, so the
 * parts add up exactly. An experience takes nothing off the bill.
 */
import { halfUp, lineAmounts, parseDecimal, type LineInput } from "./tax.ts";

const BP = 10_000n;
const DISCOUNT_KINDS = new Set(["percent", "fixed", "free_item"]);

export interface RewardTerms {
  kind: string; percent_bp?: number; amount?: number; min_bill?: number; sku?: string | null;
  item_quantity?: number;
}
/** A cart line before the reward: ``discount`` is the line's own (manual) discount only. */
export interface RewardLine extends LineInput { sku?: string }
export interface RewardDiscount { total: number; lines: number[]; reason: string | null }

export function rewardDiscount(terms: RewardTerms, lines: RewardLine[]): RewardDiscount {
  const amounts = lines.map(lineAmounts);
  const nothing = lines.map(() => 0);
  if (!DISCOUNT_KINDS.has(terms.kind)) return { total: 0, lines: nothing, reason: null };
  if (amounts.reduce((s, a) => s + a.total, 0) < (terms.min_bill ?? 0)) {
    return { total: 0, lines: nothing, reason: "min_bill" };
  }
  const eligible = lines.map((l) => !terms.sku || l.sku === terms.sku);
  if (!eligible.some(Boolean)) return { total: 0, lines: nothing, reason: "item_missing" };
  const nets = amounts.map((a, i) => (eligible[i] ? Math.max(a.net, 0) : 0));
  let parts: number[];
  if (terms.kind === "free_item") {
    parts = freeUnits(terms.item_quantity ?? 1, lines, nets);
  } else {
    const base = nets.reduce((s, n) => s + n, 0);
    const value = terms.kind === "fixed" ? Math.min(terms.amount ?? 0, base)
      : Number((BigInt(base) * BigInt(terms.percent_bp ?? 0)) / BP);
    parts = spread(value, nets);
  }
  const total = parts.reduce((s, p) => s + p, 0);
  return { total, lines: parts, reason: total ? null : "nothing_off" };
}

/** The unit price of up to ``units`` units, from the eligible lines in cart order (in
 *  thousandths of a unit: quantities carry at most 3 decimal places). */
function freeUnits(units: number, lines: RewardLine[], nets: number[]): number[] {
  let left = BigInt(units) * 1000n;
  return lines.map((l, i) => {
    const q = parseDecimal(l.quantity);
    const qty = (q.num * 1000n) / q.den;
    const take = nets[i] > 0 ? (left < qty ? left : qty) : 0n;
    left -= take;
    return Math.min(Number(halfUp(take * BigInt(l.unit_price), 1000n)), nets[i]);
  });
}

/** Whether ``now`` lies in a reward's validity window [valid_from, valid_until): the start
 *  counts, the end does not, null is open (loyalty/rules.py ``in_window``; the shared
 *  ``windows`` vectors). Offline, the last look-up's ``eligible`` cannot know the window closed. */
export function rewardInWindow(r: { valid_from?: string | null; valid_until?: string | null },
                               now: Date): boolean {
  const t = now.getTime();
  if (r.valid_from && t < Date.parse(r.valid_from)) return false;
  return !r.valid_until || t < Date.parse(r.valid_until);
}

/** ``amount`` split in proportion to ``weights`` by cumulative floors (exact sum). */
export function spread(amount: number, weights: number[]): number[] {
  const whole = weights.reduce((s, w) => s + w, 0);
  if (amount <= 0 || whole <= 0) return weights.map(() => 0);
  let before = 0n;
  let running = 0n;
  return weights.map((w) => {
    running += BigInt(w);
    const upto = (BigInt(amount) * running) / BigInt(whole);
    const part = upto - before;
    before = upto;
    return Number(part);
  });
}

/** The lines with the reward applied: each line's discount grows by its part of the reward,
 *  and ``reward_discount`` says how much of it the reward gave (the server checks that part). */
export function withReward<T extends RewardLine>(lines: T[], d: RewardDiscount | null):
    (T & { reward_discount: number })[] {
  return lines.map((l, i) => {
    const part = d?.lines[i] ?? 0;
    return { ...l, discount: l.discount + part, reward_discount: part };
  });
}

/** Why a discount reward takes nothing off this cart, in the cashier's words. */
export function rewardRefusal(reason: string | null, r: { name: string; min_bill?: number },
                              format: (minor: number) => string): string {
  if (reason === "min_bill") return `${r.name} needs a bill of ${format(r.min_bill ?? 0)} or more.`;
  if (reason === "item_missing") return `${r.name}: add the item to the cart first.`;
  return `${r.name} takes nothing off this cart.`;
}
