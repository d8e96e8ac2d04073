/** The cart: lines built from catalog variants, priced with the shared tax rules. */
import type { TaxRec, VariantRec } from "./db.ts";
import type { Approval, StaffKey } from "./proof.ts";
import { cartTotals, parseDecimal, type LineInput } from "./tax.ts";

export interface CartLine extends LineInput {
  key: string; // variant id (one line per variant)
  variant_id: string; sku?: string; barcode?: string; name: string; variant?: string;
  category?: string; hsn?: string; product_id: string; note?: string;
  approved_by?: { id: string; name: string }; // the manager who approved a discount above the limit
  approval_key?: StaffKey; // that manager's key: signs the approval when the sale completes
  reward_discount?: number; // the part of ``discount`` a loyalty reward gives (lib/rewards.ts)
}

export interface Payment { method: "cash" | "card" | "upi" | "points"; amount: number; reference?: string;
  label?: string } // shown in place of the reference (a hold id is no text for a person); not sent

export function lineFor(v: VariantRec, taxes: Map<string, TaxRec>): CartLine {
  const tax = v.tax_class_id ? taxes.get(v.tax_class_id) : undefined;
  return { key: v.id, variant_id: v.id, sku: v.sku, barcode: v.barcode, name: v.title,
           variant: v.name || (v.options.length ? v.options.join(" / ") : undefined),
           category: v.category, hsn: tax?.hsn ?? v.hsn, product_id: v.product_id,
           quantity: "1", unit_price: v.price, discount: 0, tax_rate: tax?.rate ?? "0",
           tax_inclusive: tax?.inclusive ?? true };
}

/** Add one unit of a variant (a second scan bumps the quantity). */
export function addVariant(lines: CartLine[], v: VariantRec, taxes: Map<string, TaxRec>): CartLine[] {
  const at = lines.findIndex((l) => l.key === v.id);
  if (at < 0) return [...lines, lineFor(v, taxes)];
  return lines.map((l, i) => (i === at ? { ...l, quantity: addQty(l.quantity, "1") } : l));
}

export function addQty(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const num = x.num * 1000n / x.den + y.num * 1000n / y.den;
  return fromMilli(num);
}

function fromMilli(milli: bigint): string {
  const whole = milli / 1000n;
  const frac = (milli % 1000n).toString().padStart(3, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}

export function setQty(lines: CartLine[], key: string, quantity: string): CartLine[] {
  const q = parseDecimal(quantity);
  if (q.num <= 0n) return lines.filter((l) => l.key !== key);
  if (q.den > 1000n) throw new Error("quantity: at most 3 decimal places");
  return lines.map((l) => (l.key === key ? { ...l, quantity: fromMilli(q.num * 1000n / q.den) } : l));
}

export function totalsOf(lines: CartLine[]) {
  return cartTotals(lines);
}

/** Change due: cash over-payment only (the server refuses over-payment by card). */
export function changeDue(total: number, payments: Payment[]): number {
  const paid = payments.reduce((s, p) => s + p.amount, 0);
  return Math.max(0, paid - total);
}

export interface SaleContext { occurredAt: Date; currency: string; cashier?: { id: string; name: string };
  receiptChannel: string;
  customerPhone?: string; customerEmail?: string; holdId?: string; memberId?: string; offlinePoints?: number;
  offlineRewardId?: string; // a reward applied offline (no hold): settled on sync
  reward?: AppliedReward }

/** The reward a sale's hold pays for, by name, for the till's own receipt (the server works the
 *  discount out again from the reward itself). */
export interface AppliedReward { name: string; discount: number }

/** The canonical order body the till stores in its outbox and sends to POST /v1/pos/orders. */
export function orderBody(lines: CartLine[], payments: Payment[], ctx: SaleContext): Record<string, unknown> {
  const { totals } = totalsOf(lines);
  const body: Record<string, unknown> = {
    occurred_at: ctx.occurredAt.toISOString(), currency: ctx.currency,
    lines: lines.map((l) => ({
      sku: l.sku ?? l.barcode, product_id: l.product_id, name: l.name, variant: l.variant,
      category: l.category, quantity: l.quantity, unit_price: l.unit_price, discount: l.discount,
      reward_discount: l.reward_discount || undefined, tax_rate: l.tax_rate,
      tax_inclusive: l.tax_inclusive, hsn: l.hsn, note: l.note || undefined,
    })),
    payments: payments.map((p) => ({ method: p.method, amount: p.amount, reference: p.reference || undefined })),
    totals, receipt: { channel: ctx.receiptChannel },
    metadata: { cashier: ctx.cashier ?? null },
  };
  const metadata = body.metadata as Record<string, unknown>;
  if (ctx.customerPhone || ctx.customerEmail) body.customer = { phone: ctx.customerPhone, email: ctx.customerEmail };
  if (ctx.holdId) body.loyalty = { hold_id: ctx.holdId };
  else if (ctx.offlinePoints) body.loyalty = { offline_points: ctx.offlinePoints };
  else if (ctx.offlineRewardId) body.loyalty = { offline_reward_id: ctx.offlineRewardId };
  if (ctx.memberId) metadata.member_id = ctx.memberId;
  if (ctx.reward) metadata.reward = ctx.reward;
  const approvals = lines.filter((l) => l.approved_by).map((l) => ({
    line: lines.indexOf(l) + 1, sku: l.sku ?? l.barcode, discount: l.discount - (l.reward_discount ?? 0),
    manager: l.approved_by })); // what the manager approved: the line's own discount, not the reward
  if (approvals.length) metadata.discount_approvals = approvals;
  return JSON.parse(JSON.stringify(body)) as Record<string, unknown>; // drops undefined fields
}

/** The manager approvals the proof must sign: one per line approved above the limit. */
export function approvalsOf(lines: CartLine[]): Approval[] {
  return lines.flatMap((l, i) => (l.approved_by && l.approval_key ? [{ line: i + 1, key: l.approval_key }] : []));
}
