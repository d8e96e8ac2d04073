/** Payment: cash with change, card and UPI with a reference, split across tenders. */
import { useState } from "preact/hooks";
import { changeDue, type Payment } from "../lib/cart.ts";
import { hold as holdPoints, release, type Member } from "../lib/loyalty.ts";
import { formatMoney, parseMoney } from "../lib/tax.ts";
import { uuid7 } from "../lib/uuid.ts";

const CHANNELS = ["print", "whatsapp", "sms", "email", "none"] as const;

export function Pay({ total, currency, member, token, onDone, onClose }: {
  total: number; currency: string; member: Member | null; token: string;
  onDone: (payments: Payment[], channel: string, phone: string, holdId?: string) => void; onClose: () => void;
}) {
  const [payments, setPayments] = useState<Payment[]>([]);
  const [method, setMethod] = useState<Payment["method"]>("cash");
  const paid = payments.reduce((s, p) => s + p.amount, 0);
  const remaining = Math.max(0, total - paid);
  const [amount, setAmount] = useState((remaining / 100).toFixed(2));
  const [reference, setReference] = useState("");
  const [channel, setChannel] = useState<string>("print");
  const [phone, setPhone] = useState("");
  const [error, setError] = useState("");
  const [holdId, setHoldId] = useState<string | undefined>();
  const [points, setPoints] = useState("");
  const [cartRef] = useState(uuid7);

  /** Hold points or a reward on the server and tender its value (capped at what is due). */
  const redeem = async (req: { points?: number; reward_id?: string }) => {
    if (!member) return;
    try {
      const h = await holdPoints(token, { member_id: member.member_id, bill_total: total,
                                          idempotency_key: `${cartRef}:${req.points ?? req.reward_id}`, ...req });
      setHoldId(h.hold_id);
      const next = [...payments, { method: "points" as const, amount: Math.min(h.value, remaining), reference: h.hold_id }];
      setPayments(next);
      setAmount((Math.max(0, total - next.reduce((s2, p) => s2 + p.amount, 0)) / 100).toFixed(2));
      setError("");
    } catch (err) {
      const body = (err as { body?: { error?: { message?: string } } }).body;
      setError(body?.error?.message ?? "Redemption needs the server (offline).");
    }
  };
  const close = () => { if (holdId) void release(token, holdId).catch(() => {}); onClose(); };

  const add = () => {
    let minor: number;
    try { minor = parseMoney(amount); } catch (e) { setError(`amount: ${(e as Error).message}`); return; }
    if (minor <= 0) { setError("amount: must be more than zero"); return; }
    if (method !== "cash" && minor > remaining) { setError(`${method} cannot exceed what is due`); return; }
    if (method !== "cash" && !reference.trim()) { setError(`${method}: enter the reference`); return; }
    const next = [...payments, { method, amount: minor, reference: reference.trim() || undefined }];
    setPayments(next);
    setReference("");
    setError("");
    const left = Math.max(0, total - next.reduce((s, p) => s + p.amount, 0));
    setAmount((left / 100).toFixed(2));
  };
  const ready = paid >= total;
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
        {member && !holdId && (
          <div class="redeem">
            <label>Pay with {member.points_name} ({member.spendable} spendable{member.stale ? ", last known" : ""})
              <input data-testid="redeem-points" value={points} inputMode="numeric"
                     onInput={(e) => setPoints((e.target as HTMLInputElement).value)} /></label>
            <button data-testid="redeem" disabled={!/^\d+$/.test(points) || ready}
                    onClick={() => void redeem({ points: Number(points) })}>Redeem</button>
            {member.rewards.filter((r) => r.eligible).map((r) => (
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
        <fieldset class="channels"><legend>Receipt</legend>
          {CHANNELS.map((c) => (
            <label key={c}><input type="radio" name="channel" checked={channel === c}
                                  onChange={() => setChannel(c)} /> {c}</label>
          ))}
          {["whatsapp", "sms"].includes(channel) && (
            <input placeholder="Customer phone" value={phone} data-testid="receipt-phone"
                   onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
          )}
        </fieldset>
        <div class="actions">
          <button onClick={close}>Back</button>
          <button class="primary" data-testid="complete" disabled={!ready}
                  onClick={() => onDone(payments, channel, phone, holdId)}>Complete sale</button>
        </div>
      </div>
    </div>
  );
}
