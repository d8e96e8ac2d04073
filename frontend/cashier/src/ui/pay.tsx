/** Payment: cash with change, card and UPI with a reference, split tenders, pay with points. */
import { useState } from "preact/hooks";
import { ApiError } from "../lib/api.ts";
import type { Till } from "../lib/db.ts";
import { changeDue, type Payment } from "../lib/cart.ts";
import { hold as holdPoints, release, type Member } from "../lib/loyalty.ts";
import { allowanceLeft, offlineRedeemError, type TillConfig } from "../lib/policy.ts";
import { formatMoney, parseMoney } from "../lib/tax.ts";
import { uuid7 } from "../lib/uuid.ts";
import { ReceiptChoice, type ReceiptPick } from "./channel.tsx";

export interface Paid extends ReceiptPick { payments: Payment[]; holdId?: string; offlinePoints?: number }

export function Pay({ db, total, currency, member, token, config, onDone, onClose }: {
  db: Till; total: number; currency: string; member: Member | null; token: string; config: TillConfig;
  onDone: (paid: Paid) => void; onClose: () => void;
}) {
  const [payments, setPayments] = useState<Payment[]>([]);
  const [method, setMethod] = useState<Payment["method"]>("cash");
  const paid = payments.reduce((s, p) => s + p.amount, 0);
  const remaining = Math.max(0, total - paid);
  const [amount, setAmount] = useState((remaining / 100).toFixed(2));
  const [reference, setReference] = useState("");
  const [receipt, setReceipt] = useState<ReceiptPick>({ channel: "print", phone: "", email: "" });
  const [error, setError] = useState("");
  const [holdId, setHoldId] = useState<string | undefined>();
  const [offlinePoints, setOfflinePoints] = useState<number | undefined>();
  const [points, setPoints] = useState("");
  const [cartRef] = useState(uuid7);
  // the till's offline allowance for this member today (the server counts it the same way)
  const allowance = member ? allowanceLeft(config.offline_redeem_cap, member.offline_used) : 0;

  const tender = (p: Payment) => {
    const next = [...payments, p];
    setPayments(next);
    setAmount((Math.max(0, total - next.reduce((s, q) => s + q.amount, 0)) / 100).toFixed(2));
    setError("");
  };
  /** Offline: points against the last known balance, within the till's cap; settled on sync. */
  const redeemOffline = (n: number) => {
    if (!member) return;
    if (allowance <= 0 && config.offline_redeem_cap > 0) {
      setError("Offline: this member's offline allowance on this till is used up for today."); return;
    }
    const why = offlineRedeemError(n, { cap: allowance, spendable: member.spendable,
                                        due: remaining, pointValue: member.point_value, hasPhone: !!member.phone });
    if (why) { setError(why); return; }
    setOfflinePoints(n);
    tender({ method: "points", amount: n * member.point_value, reference: "offline" });
  };
  /** Online: hold points or a reward on the server and tender its value (capped at what is due). */
  const redeem = async (req: { points?: number; reward_id?: string }) => {
    if (!member) return;
    if (member.stale && req.points) { redeemOffline(req.points); return; }
    try {
      const h = await holdPoints(token, { member_id: member.member_id, bill_total: total,
                                          idempotency_key: `${cartRef}:${req.points ?? req.reward_id}`, ...req });
      setHoldId(h.hold_id);
      tender({ method: "points", amount: Math.min(h.value, remaining), reference: h.hold_id });
    } catch (err) {
      if (!(err instanceof ApiError) && req.points) { redeemOffline(req.points); return; }
      setError((err instanceof ApiError ? err.serverMessage : undefined) ?? "Rewards need the server (offline).");
    }
  };
  const close = () => { if (holdId) void release(token, holdId).catch(() => {}); onClose(); };

  const add = () => {
    let minor: number;
    try { minor = parseMoney(amount); } catch (e) { setError(`amount: ${(e as Error).message}`); return; }
    if (minor <= 0) { setError("amount: must be more than zero"); return; }
    if (method !== "cash" && minor > remaining) { setError(`${method} cannot exceed what is due`); return; }
    if (method !== "cash" && !reference.trim()) { setError(`${method}: enter the reference`); return; }
    setReference("");
    tender({ method, amount: minor, reference: reference.trim() || undefined });
  };
  const finish = () => {
    if (receipt.channel === "email" && receipt.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(receipt.email)) {
      setError("email: enter a valid address"); return;
    }
    onDone({ payments, holdId, offlinePoints, ...receipt });
  };
  const ready = paid >= total;
  const redeemed = holdId || offlinePoints;
  return (
    <div class="modal" role="dialog" aria-label="Payment">
      <div class="panel">
        <h2>Pay {formatMoney(total, currency)}</h2>
        <div class="tenders">
          {(["cash", "card", "upi"] as const).map((m) => (
            <button key={m} class={method === m ? "opt on" : "opt"} data-testid={`tender-${m}`}
                    onClick={() => setMethod(m)}>{m.toUpperCase()}</button>
          ))}
        </div>
        <label>Amount <input data-testid="pay-amount" value={amount} inputMode="decimal"
                             onInput={(e) => setAmount((e.target as HTMLInputElement).value)} /></label>
        {method !== "cash" && (
          <label>Reference <input data-testid="pay-reference" value={reference}
                                  onInput={(e) => setReference((e.target as HTMLInputElement).value)} /></label>
        )}
        <button data-testid="pay-add" disabled={ready} onClick={add}>Add tender</button>
        {error && <p class="error" role="alert">{error}</p>}
        {member && !redeemed && (
          <div class="redeem">
            <label>Pay with {member.points_name} ({member.spendable} spendable{member.stale ? ", last known" : ""})
              <input data-testid="redeem-points" value={points} inputMode="numeric"
                     onInput={(e) => setPoints((e.target as HTMLInputElement).value)} /></label>
            <button data-testid="redeem" disabled={!/^\d+$/.test(points) || ready}
                    onClick={() => void redeem({ points: Number(points) })}>Redeem</button>
            {member.stale && <p class="small" data-testid="offline-cap">Offline: up to {allowance} points
              for this member today, settled by the server when the sale syncs.</p>}
            {!member.stale && member.rewards.filter((r) => r.eligible).map((r) => (
              <button key={r.id} data-testid="apply-reward" disabled={ready}
                      onClick={() => void redeem({ reward_id: r.id })}>Apply {r.name}</button>
            ))}
          </div>
        )}
        <ul class="paid">
          {payments.map((p, i) => (
            <li key={i}>{p.method.toUpperCase()} {formatMoney(p.amount, currency)} {p.reference ?? ""}
              {p.method !== "points" && <button class="link" onClick={() => setPayments(payments.filter((_, j) => j !== i))}>remove</button>}</li>
          ))}
        </ul>
        <p>Due {formatMoney(remaining, currency)} · Change <b data-testid="change">
          {formatMoney(changeDue(total, payments), currency)}</b></p>
        <ReceiptChoice db={db} token={token} member={member} value={receipt} onChange={setReceipt} />
        <div class="actions">
          <button onClick={close}>Back</button>
          <button class="primary" data-testid="complete" disabled={!ready} onClick={finish}>Complete sale</button>
        </div>
      </div>
    </div>
  );
}
