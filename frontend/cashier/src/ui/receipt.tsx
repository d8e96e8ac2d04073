/** The receipt at the till, in the thermal (58/80 mm) print layout, built from local data; once
 *  the sale has synced, the receipt step below it (how the digital receipt went, resend). */
import { useEffect, useState } from "preact/hooks";
import type { OutboxEntry, Till } from "../lib/db.ts";
import { renderSVG } from "uqr";
import { formatMoney } from "../lib/tax.ts";
import { Delivery } from "./delivery.tsx";

interface Line { name: string; variant?: string; quantity: string; unit_price: number; discount: number; note?: string }
interface Pay { method: string; amount: number; reference?: string }
type Totals = { subtotal: number; tax: number; discount: number; total: number };

export function Receipt({ db, token, entry, header, currency, onNext }: {
  db: Till; token: string; entry: OutboxEntry; header: string; currency: string; onNext: () => void;
}) {
  const [bill, setBill] = useState<Record<string, string> | null>(null);
  const [redemption, setRedemption] = useState<{ status: string; settled: number; requested: number } | null>(null);
  useEffect(() => {
    let stop = false;
    const look = async () => {
      const sent = await db.get("sent", entry.id);
      if (stop) return;
      if (sent) {
        setBill((sent.reply.bill as Record<string, string> | null) ?? {});
        const loyalty = sent.reply.loyalty as { offline_redemption?: { status: string; settled: number; requested: number } } | null;
        setRedemption(loyalty?.offline_redemption ?? null);
      }
      else setTimeout(look, 1000);
    };
    void look();
    return () => { stop = true; };
  }, [entry.id]);
  const body = entry.body as { lines: Line[]; payments: Pay[]; totals: Totals; occurred_at: string;
                               receipt?: { channel?: string };
                               metadata?: { reward?: { name: string; discount: number } } };
  const reward = body.metadata?.reward;
  const otherDiscount = body.totals.discount - (reward?.discount ?? 0);
  const url = entry.bill?.url ?? bill?.url;
  const paid = body.payments.reduce((s, p) => s + p.amount, 0);
  return (
    <div class="receipt-screen">
      <div class="receipt" data-testid="receipt">
        <h3>{header}</h3>
        <p>Receipt #{entry.seq} · {new Date(body.occurred_at).toLocaleString()}</p>
        <table>
          <tbody>
            {body.lines.map((l, i) => [
              <tr key={i}><td>{l.quantity} × {l.name}{l.variant ? ` (${l.variant})` : ""}</td>
                <td class="num">{formatMoney(l.unit_price, currency)}</td></tr>,
              l.note && <tr key={`${i}n`}><td colSpan={2} class="small" data-testid="receipt-note">Note: {l.note}</td></tr>,
            ])}
          </tbody>
        </table>
        <hr />
        <p class="row"><span>Taxable</span><span>{formatMoney(body.totals.subtotal, currency)}</span></p>
        <p class="row"><span>GST</span><span>{formatMoney(body.totals.tax, currency)}</span></p>
        {otherDiscount > 0 && <p class="row"><span>Discount</span>
          <span>-{formatMoney(otherDiscount, currency)}</span></p>}
        {reward && <p class="row" data-testid="receipt-reward"><span>Reward: {reward.name}</span>
          <span>{reward.discount ? `-${formatMoney(reward.discount, currency)}` : ""}</span></p>}
        <p class="row big"><span>Total</span><span data-testid="receipt-total">{formatMoney(body.totals.total, currency)}</span></p>
        {body.payments.map((p, i) => (
          <p class="row" key={i}><span>{p.method.toUpperCase()} {p.method === "points" ? "" : p.reference ?? ""}</span>
            <span>{formatMoney(p.amount, currency)}</span></p>
        ))}
        {paid > body.totals.total && <p class="row"><span>Change</span>
          <span>{formatMoney(paid - body.totals.total, currency)}</span></p>}
        {(entry.bill?.invoice_number || bill?.invoice_number) &&
          <p class="small" data-testid="receipt-invoice">Invoice {entry.bill?.invoice_number || bill?.invoice_number}</p>}
        {url && <div class="qr" data-testid="bill-qr" dangerouslySetInnerHTML={{ __html: renderSVG(url, { border: 1 }) }} />}
        {url && <p class="small" data-testid="bill-url">{url}</p>}
        {redemption && redemption.status !== "settled" && <p class="error noprint" data-testid="redemption-refused">
          Points redemption {redemption.status}: {redemption.settled} of {redemption.requested} points settled.</p>}
        <p class="small" data-testid="sync-state">{bill ? "Synced" : "Saved on this till; will sync"}</p>
      </div>
      {bill && <Delivery token={token} clientOrderId={entry.id} />}
      <div class="actions noprint">
        <button data-testid="print" onClick={() => window.print()}>Print</button>
        <button class="primary" data-testid="next-sale" onClick={onNext}>Next sale</button>
      </div>
    </div>
  );
}
