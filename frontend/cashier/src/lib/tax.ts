/** Exact GST cart maths: the TypeScript twin of the server's orders/rules.py (same vectors). */

export interface LineInput {
  quantity: string; // decimal text, at most 3 places
  unit_price: number; // minor units
  discount: number; // minor units, whole line
  tax_rate: string; // decimal text, e.g. "18" or "2.5"
  tax_inclusive: boolean;
}

export interface LineAmounts { gross: number; net: number; taxable: number; tax: number; total: number }

export interface OrderTotals { subtotal: number; tax: number; discount: number; shipping: number; total: number }

/** A decimal string as (integer numerator, power-of-ten denominator), never a float. */
export function parseDecimal(text: string): { num: bigint; den: bigint } {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const frac = match[3] ?? "";
  const num = BigInt(match[2] + frac) * (match[1] ? -1n : 1n);
  return { num, den: 10n ** BigInt(frac.length) };
}

/** num/den rounded half away from zero, like Decimal ROUND_HALF_UP. */
export function halfUp(num: bigint, den: bigint): bigint {
  if (den < 0n) return halfUp(-num, -den);
  if (num < 0n) return -halfUp(-num, den);
  return (2n * num + den) / (2n * den);
}

export function lineAmounts(line: LineInput): LineAmounts {
  const q = parseDecimal(line.quantity);
  const r = parseDecimal(line.tax_rate);
  const gross = halfUp(q.num * BigInt(line.unit_price), q.den);
  const net = gross - BigInt(line.discount);
  let taxable: bigint;
  let tax: bigint;
  if (line.tax_inclusive) {
    // net × 100 / (100 + rate), with rate = r.num / r.den
    taxable = halfUp(net * 100n * r.den, 100n * r.den + r.num);
    tax = net - taxable;
  } else {
    taxable = net;
    tax = halfUp(net * r.num, 100n * r.den);
  }
  return { gross: Number(gross), net: Number(net), taxable: Number(taxable), tax: Number(tax),
           total: Number(taxable + tax) };
}

export function orderTotals(lines: LineAmounts[], opts: { lineDiscounts: number; orderDiscount?: number;
                            shipping?: number }): OrderTotals {
  const orderDiscount = opts.orderDiscount ?? 0;
  const shipping = opts.shipping ?? 0;
  const taxable = lines.reduce((s, l) => s + l.taxable, 0);
  const tax = lines.reduce((s, l) => s + l.tax, 0);
  const total = lines.reduce((s, l) => s + l.total, 0) + shipping - orderDiscount;
  return { subtotal: taxable - orderDiscount, tax, discount: opts.lineDiscounts + orderDiscount,
           shipping, total };
}

/** Totals of a cart straight from its inputs. */
export function cartTotals(lines: LineInput[], orderDiscount = 0, shipping = 0):
    { lines: LineAmounts[]; totals: OrderTotals } {
  const amounts = lines.map(lineAmounts);
  const lineDiscounts = lines.reduce((s, l) => s + l.discount, 0);
  return { lines: amounts, totals: orderTotals(amounts, { lineDiscounts, orderDiscount, shipping }) };
}

/** Minor units as major text, e.g. 49800 → "498.00" (display only). */
export function formatMoney(minor: number, currency = "INR"): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const major = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const symbol = currency === "INR" ? "₹" : `${currency} `;
  return `${sign}${symbol}${major}.${(abs % 100).toString().padStart(2, "0")}`;
}

/** Major-unit text typed by the cashier ("120.5") → minor units, exactly. */
export function parseMoney(text: string): number {
  const d = parseDecimal(text || "0");
  if (d.den > 100n) throw new Error("at most 2 decimal places");
  return Number((d.num * 100n) / d.den);
}
