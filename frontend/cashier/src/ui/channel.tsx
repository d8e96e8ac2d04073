/** Receipt channel at payment: preselected from the member's preference, with an email field
 *  when email is chosen and the contact has no address on file. */
import { useEffect, useState } from "preact/hooks";
import type { Till } from "../lib/db.ts";
import type { Member } from "../lib/loyalty.ts";
import { receiptPreference, type ReceiptPreference } from "../lib/receipt.ts";

const CHANNELS = ["print", "whatsapp", "sms", "email", "none"] as const;
export interface ReceiptPick { channel: string; phone: string; email: string }

export function ReceiptChoice({ db, token, member, value, onChange }: {
  db: Till; token: string; member: Member | null; value: ReceiptPick; onChange: (v: ReceiptPick) => void;
}) {
  const [pref, setPref] = useState<ReceiptPreference | null>(null);
  useEffect(() => {
    if (!member || !member.member_id) return; // a member enrolled offline has no account yet
    let live = true;
    void receiptPreference(db, token, member.member_id).then((p) => {
      if (!live || !p) return;
      setPref(p);
      onChange({ ...value, channel: p.channel });
    });
    return () => { live = false; };
  }, [member?.member_id]);
  const needsPhone = ["whatsapp", "sms"].includes(value.channel) && !member?.phone && !pref?.has_phone;
  const needsEmail = value.channel === "email" && !pref?.has_email;
  return (
    <fieldset class="channels" data-testid="receipt-channels"><legend>Receipt
      {pref?.preferred_channel && <span class="small"> (prefers {pref.preferred_channel})</span>}</legend>
      {CHANNELS.map((c) => (
        <label key={c}><input type="radio" name="channel" value={c} data-testid={`channel-${c}`}
                              checked={value.channel === c} onChange={() => onChange({ ...value, channel: c })} /> {c}
          {pref && c in pref.reachable && !pref.reachable[c] && <span class="small"> (unreachable)</span>}</label>
      ))}
      {needsPhone && <input placeholder="Customer phone" value={value.phone} data-testid="receipt-phone"
                            onInput={(e) => onChange({ ...value, phone: (e.target as HTMLInputElement).value })} />}
      {needsEmail && <input type="email" placeholder="Customer email" value={value.email} data-testid="receipt-email"
                            onInput={(e) => onChange({ ...value, email: (e.target as HTMLInputElement).value })} />}
    </fieldset>
  );
}
