/** Payment: cash with change, card and UPI with a reference, split tenders, pay with points,
 *  and rewards, which are discounts on the lines (lib/rewards.ts), never a tender. */
import { useMemo, useRef, useState } from "preact/hooks";
import { ApiError } from "../lib/api.ts";
import type { Till } from "../lib/db.ts";
import { changeDue, totalsOf, type AppliedReward, type CartLine, type Payment } from "../lib/cart.ts";
import { hold as holdPoints, type Member, type Reward } from "../lib/loyalty.ts";
import { allowanceLeft, offlineRedeemError, offlineRewardError, type TillConfig } from "../lib/policy.ts";
import { rewardDiscount, rewardRefusal, withReward } from "../lib/rewards.ts";
import { formatMoney, parseMoney } from "../lib/tax.ts";
import { uuid7 } from "../lib/uuid.ts";
import { ReceiptChoice, type ReceiptPick } from "./channel.tsx";
import { RewardChoice, useOpenHold, type Applied } from "./reward.tsx";

export interface Paid extends ReceiptPick {
  payments: Payment[]; holdId?: string; offlinePoints?: number;
  offlineReward?: { id: string; points: number }; // applied offline: no hold, settled on sync
  lines: CartLine[]; // the cart's lines with the applied reward's discount on them
  reward?: AppliedReward;
}

export function Pay({ db, lines, currency, member, token, config, onDone, onClose }: {
  db: Till; lines: CartLine[]; currency: string; member: Member | null; token: string; config: TillConfig;
  onDone: (paid: Paid) => void; onClose: () => void;
}) {
  const [applied, setApplied] = useState<Applied | null>(null);
  const paidLines = useMemo(() => withReward(lines, applied?.discount ?? null), [lines, applied]);
  const total = useMemo(() => totalsOf(paidLines).totals.total, [paidLines]);
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
  const released = useRef(0); // a hold asked for again after a release is a new request
  const open = useOpenHold(db, token);
  // the till's offline allowance for this member today (the server counts it the same way)
  const allowance = member ? allowanceLeft(config.offline_redeem_cap, member.offline_used) : 0;
  const fmt = (minor: number) => formatMoney(minor, currency);

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
  /** Hold on the server: typed points become a points tender worth the hold's value. */
  const hold = async (req: { points?: number; reward_id?: string }) => {
    if (!member) return undefined;
    const h = await holdPoints(token, { member_id: member.member_id, bill_total: total,
                                        idempotency_key: `${cartRef}:${req.points ?? req.reward_id}:${released.current}`, ...req });
    open.keep(h);
    setHoldId(h.hold_id);
    return h;
  };
  const redeem = async (n: number) => {
    if (!member) return;
    if (member.stale) { redeemOffline(n); return; }
    try {
      const h = await hold({ points: n });
      if (h) tender({ method: "points", amount: Math.min(h.value, remaining), reference: h.hold_id,
                      label: `${h.points} ${member.points_name}` });
    } catch (err) {
      if (!(err instanceof ApiError)) { redeemOffline(n); return; }
      setError(err.serverMessage ?? "The points could not be held.");
    }
  };
  /** Offline: the reward against the last known balance, within the till's allowance; no
   *  hold — the order names the reward and the server settles its points on sync. */
  const applyOffline = (r: Reward, discount: Applied["discount"]) => {
    if (!member) return;
    const why = offlineRewardError(r, { cap: config.offline_redeem_cap, allowance,
                                        spendable: member.spendable, hasPhone: !!member.phone });
    if (why) { setError(why); return; }
    setApplied({ reward: r, discount, offline: true });
    setAmount((Math.max(0, total - discount.total - paid) / 100).toFixed(2));
    setError("");
  };
  /** A reward: worked out on the lines first (nothing off → not applied), then held (offline:
   *  applied against the last known balance instead). */
  const applyReward = async (r: Reward) => {
    const discount = rewardDiscount(r, lines.map((l) => ({ ...l, sku: l.sku ?? l.barcode })));
    if (r.kind !== "experience" && discount.total === 0) { setError(rewardRefusal(discount.reason, r, fmt)); return; }
    if (member?.stale) { applyOffline(r, discount); return; }
    try {
      await hold({ reward_id: r.id });
      setApplied({ reward: r, discount });
      setAmount((Math.max(0, total - discount.total - paid) / 100).toFixed(2));
      setError("");
    } catch (err) {
      if (!(err instanceof ApiError)) { applyOffline(r, discount); return; } // the network failed
      setError(err.serverMessage ?? "The reward could not be held.");
    }
  };
  const dropHold = () => { open.release(); released.current += 1; setHoldId(undefined); setApplied(null); };
  const close = () => { open.release(); onClose(); };

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
    if (open.lapsed()) {
      dropHold();
      setPayments(payments.filter((p) => p.method !== "points"));
      setError("The hold on the member's points lapsed: apply the reward or the points again."); return;
    }
    open.complete(); // the order commits the hold: closing the screen now must not release it
    const reward = applied ? { name: applied.reward.name, discount: applied.discount.total } : undefined;
    const offlineReward = applied?.offline ? { id: applied.reward.id, points: applied.reward.points_cost } : undefined;
    onDone({ payments, holdId, offlinePoints, offlineReward, lines: paidLines, reward, ...receipt });
  };
  const ready = paid >= total;
  const redeemed = holdId || offlinePoints || applied;
  return (
    <div class="modal" role="dialog" aria-label="Payment">
      <div class="panel">
        <h2>Pay <span data-testid="pay-total">{fmt(total)}</span></h2>
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
        {member && applied && <RewardChoice member={member} applied={applied} disabled currency={currency}
                                            onApply={() => {}} onRemove={dropHold} />}
        {member && !redeemed && (
          <div class="redeem">
            <label>Pay with {member.points_name} ({member.spendable} spendable{member.stale ? ", last known" : ""})
              <input data-testid="redeem-points" value={points} inputMode="numeric"
                     onInput={(e) => setPoints((e.target as HTMLInputElement).value)} /></label>
            <button data-testid="redeem" disabled={!/^\d+$/.test(points) || ready}
                    onClick={() => void redeem(Number(points))}>Redeem</button>
            {member.stale && <p class="small" data-testid="offline-cap">Offline: up to {allowance} points
              for this member today, settled by the server when the sale syncs.</p>}
            {member.stale && member.rewards.some((r) => r.eligible) && <p class="small" data-testid="offline-rewards">
              Offline: a reward is applied against the last known balance; its points count towards the allowance.</p>}
            <RewardChoice member={member} applied={null} disabled={ready} currency={currency}
                          onApply={(r) => void applyReward(r)} onRemove={dropHold} />
          </div>
        )}
        <ul class="paid">
          {payments.map((p, i) => (
            <li key={i}>{p.method.toUpperCase()} {fmt(p.amount)} {p.label ?? p.reference ?? ""}
              {p.method !== "points" && <button class="link" onClick={() => setPayments(payments.filter((_, j) => j !== i))}>remove</button>}</li>
          ))}
        </ul>
        <p>Due {fmt(remaining)} · Change <b data-testid="change">{fmt(changeDue(total, payments))}</b></p>
        <ReceiptChoice db={db} token={token} member={member} value={receipt} onChange={setReceipt} />
        <div class="actions">
          <button onClick={close}>Back</button>
          <button class="primary" data-testid="complete" disabled={!ready} onClick={finish}>Complete sale</button>
        </div>
      </div>
    </div>
  );
}
