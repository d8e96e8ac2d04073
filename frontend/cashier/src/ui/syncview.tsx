/** The sync view: what is still in the outbox (and why), synced sales whose offline points
 *  redemption the server clamped or refused — so the cashier can settle up with the customer —
 *  and sales the server flagged for a manager (the console lists them too). */
import { useEffect, useState } from "preact/hooks";
import type { OutboxEntry, Till } from "../lib/db.ts";
import { flaggedReports, redemptionReports, retry, unsynced, type FlagReport, type RedemptionReport } from "../lib/outbox.ts";
import { formatMoney } from "../lib/tax.ts";

export function SyncView({ db, currency, onClose, onChanged }: {
  db: Till; currency: string; onClose: () => void; onChanged: () => void;
}) {
  const [pending, setPending] = useState<OutboxEntry[]>([]);
  const [reports, setReports] = useState<RedemptionReport[]>([]);
  const [flags, setFlags] = useState<FlagReport[]>([]);
  const load = async () => {
    setPending(await unsynced(db)); setReports(await redemptionReports(db)); setFlags(await flaggedReports(db));
  };
  useEffect(() => { void load(); const t = setInterval(() => void load(), 2000); return () => clearInterval(t); }, []);
  const requeue = async (id: string) => { await retry(db, id); await load(); onChanged(); };
  return (
    <div class="syncview" data-testid="sync-view">
      <h2>Sync</h2>
      <h3>Waiting to sync ({pending.length})</h3>
      {pending.length === 0 && <p class="small">Every sale reached the server.</p>}
      <ul>
        {pending.map((e) => (
          <li key={e.id} data-testid="outbox-entry">#{e.seq} · {new Date(e.created_at).toLocaleTimeString()} · {e.status}
            {e.attempts > 0 && ` · ${e.attempts} attempt(s)`}
            {e.last_error && <span class="small"> · {e.last_error.slice(0, 120)}</span>}
            {e.status === "rejected" && <button class="link" onClick={() => void requeue(e.id)}>retry</button>}</li>
        ))}
      </ul>
      <h3>Offline redemptions the server did not honour ({reports.length})</h3>
      {reports.length === 0 && <p class="small">None.</p>}
      <ul>
        {reports.map((r) => (
          <li key={r.id} data-testid="redemption-report">Receipt #{r.seq}: {r.status} — {r.reward_name ? `reward ${r.reward_name}: ` : ""}{r.settled} of {r.requested} points
            settled, {r.refused} refused ({formatMoney(r.refused_value, currency)} not covered){r.reason ? `: ${r.reason}` : ""}</li>
        ))}
      </ul>
      <h3>Flagged for a manager ({flags.length})</h3>
      {flags.length === 0 && <p class="small">None.</p>}
      <ul>
        {flags.map((f) => (
          <li key={f.id} data-testid="flag-report">Receipt #{f.seq}: {formatMoney(f.uncovered, currency)} not covered —
            {" "}{f.reasons.map((r) => r.message).join("; ")}</li>
        ))}
      </ul>
      <button class="primary" onClick={onClose}>Back to sale</button>
    </div>
  );
}
