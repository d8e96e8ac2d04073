/** The receipt step's delivery panel: status (queued, sent, delivered, failed), resend, another
 *  channel with a phone or email typed here. Shown once the sale has synced. */
import { useEffect, useState } from "preact/hooks";
import { ApiError, OfflineError } from "../lib/api.ts";
import { describe, notSent, receiptStatus, sendReceipt, settling, type ReceiptStatus } from "../lib/receipt_step.ts";

const CHANNELS = [["whatsapp", "WhatsApp"], ["sms", "SMS"], ["email", "Email"]] as const;

export function Delivery({ token, clientOrderId }: { token: string; clientOrderId: string }) {
  const [status, setStatus] = useState<ReceiptStatus | null>(null);
  const [channel, setChannel] = useState<string>("whatsapp");
  const [to, setTo] = useState("");
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = async (left: number) => {
      try {
        const got = await receiptStatus(token, clientOrderId);
        if (stop) return;
        setStatus(got);
        if (settling(got) && left > 0) timer = setTimeout(() => void look(left - 1), 2000);
      } catch {
        if (!stop && left > 0) timer = setTimeout(() => void look(left - 1), 3000);
      }
    };
    void look(30);
    return () => { stop = true; if (timer) clearTimeout(timer); };
  }, [clientOrderId, status?.messages.length]);
  const send = async (pick: string, address: string) => {
    setBusy(true);
    try {
      setStatus(await sendReceipt(token, clientOrderId, pick, address));
      setNotice("Sending…");
    } catch (err) {
      setNotice(err instanceof ApiError ? err.serverMessage ?? "Could not send" :
                err instanceof OfflineError ? "Offline: try again when the till is online" : String(err));
    } finally {
      setBusy(false);
    }
  };
  const last = status?.messages[status.messages.length - 1];
  const why = status ? notSent(status) : null;
  return (
    <div class="delivery noprint" data-testid="delivery">
      <h4>Digital receipt</h4>
      {!status && <p class="small">Checking…</p>}
      {status?.messages.map((m, i) => <p key={i} class={`small status-${m.status}`} data-testid="delivery-status">{describe(m)}</p>)}
      {why && <p class="small" data-testid="delivery-status">{why}</p>}
      {last && <button disabled={busy} data-testid="resend" onClick={() => void send(last.channel, "")}>Resend</button>}
      <fieldset class="channels"><legend>Send on another channel</legend>
        {CHANNELS.map(([value, label]) => (
          <label key={value}><input type="radio" name="again" value={value} checked={channel === value}
                                    data-testid={`again-${value}`} onChange={() => setChannel(value)} /> {label}</label>
        ))}
        <input placeholder={channel === "email" ? "Email (blank: the one on file)" : "Phone (blank: the one on file)"}
               value={to} data-testid="again-to" onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        <button disabled={busy} data-testid="again-send" onClick={() => void send(channel, to)}>Send</button>
      </fieldset>
      {notice && <p class="small" role="status" data-testid="delivery-notice">{notice}</p>}
    </div>
  );
}
