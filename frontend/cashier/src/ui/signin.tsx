/** Staff sign-in: pick your name, type your PIN. Also used to unlock a locked till and for a
 *  manager's approval. A good PIN yields that person's signing key (online from the server,
 *  offline unsealed with the PIN). */
import { useState } from "preact/hooks";
import type { Till } from "../lib/db.ts";
import type { StaffKey } from "../lib/proof.ts";
import { checkPin, type Staff } from "../lib/staff.ts";

export function SignIn({ db, token, staff, title, action = "Sign in", preselect, hint, onSignedIn, onCancel }: {
  db: Till; token: string; staff: Staff[]; title: string; action?: string;
  preselect?: Staff; // the person whose locked session this unlocks
  hint?: string;
  onSignedIn: (s: Staff, key: StaffKey) => void; onCancel?: () => void;
}) {
  const [who, setWho] = useState<Staff | null>(
    (preselect && staff.find((s) => s.id === preselect.id)) || (staff.length === 1 ? staff[0] : null));
  const [pin, setPin] = useState("");
  const [error, setError] = useState("");
  const submit = async () => {
    if (!who) return;
    const result = await checkPin(db, token, who, pin);
    setPin("");
    if (result.ok) onSignedIn(who, result.key); else setError(result.message);
  };
  return (
    <form class="pair" data-testid="signin" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <h2>{title}</h2>
      {hint && <p class="small">{hint}</p>}
      <div class="optrow">
        {staff.map((s) => (
          <button type="button" key={s.id} class={who?.id === s.id ? "opt on" : "opt"}
                  onClick={() => { setWho(s); setError(""); }}>{s.name}</button>
        ))}
      </div>
      <input data-testid="pin" type="password" inputMode="numeric" autoComplete="off" maxLength={6}
             placeholder="PIN" value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} />
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        {onCancel && <button type="button" onClick={onCancel}>Cancel</button>}
        <button class="primary" type="submit" data-testid="signin-submit" disabled={!who || !/^\d{4,6}$/.test(pin)}>
          {action}</button>
      </div>
    </form>
  );
}
