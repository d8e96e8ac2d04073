/** Rewards in Payment: the hold a payment screen keeps open (released the moment it closes),
 *  and the reward list with the applied reward shown by name and by what it takes off. */
import { useEffect, useRef } from "preact/hooks";
import { OfflineError } from "../lib/api.ts";
import { getMeta, setMeta, type Till } from "../lib/db.ts";
import { release, type Hold, type Member, type Reward } from "../lib/loyalty.ts";
import type { RewardDiscount } from "../lib/rewards.ts";
import { formatMoney } from "../lib/tax.ts";

/** A reward applied to this payment: its hold on the server and its discount on the lines. */
export interface Applied { reward: Reward; discount: RewardDiscount; offline?: boolean } // offline: no hold

// A hold is treated as lapsed a little before the server would expire it, so the order never
// reaches the server carrying a hold that has just gone.
const MARGIN_MS = 15_000;

// The open hold's id, kept in IndexedDB until it is released or its sale completes.
const OPEN_HOLD = "open_hold";

/**
 * The one hold this payment screen has open (points or a reward). It is released on the
 * server at once when the screen closes, when the cart it belongs to is cleared (the screen
 * unmounts without completing) or when the page goes away; a completed sale keeps it, for the
 * order commits it. A release sent as the page unloads may never leave the browser, so the id
 * is also kept in IndexedDB and ``releaseLeftover`` frees it when the till starts again.
 */
export function useOpenHold(db: Till, token: string) {
  const open = useRef<{ id: string; deadline: number } | null>(null);
  const done = useRef(false);
  const drop = (keepalive = false) => {
    const id = open.current?.id;
    open.current = null;
    if (!id) return;
    // offline: the next start or the TTL frees it
    void release(token, id, keepalive).then(() => setMeta(db, OPEN_HOLD, null), () => {});
  };
  useEffect(() => {
    const leaving = () => { if (!done.current) drop(true); };
    window.addEventListener("pagehide", leaving);
    return () => { window.removeEventListener("pagehide", leaving); leaving(); };
  }, []); // once: the screen opens and closes with its hold
  return {
    keep: (h: Hold) => {
      open.current = { id: h.hold_id, deadline: Date.now() + (h.expires_in ?? 300) * 1000 - MARGIN_MS };
      void setMeta(db, OPEN_HOLD, { id: h.hold_id });
    },
    release: () => drop(),
    lapsed: () => open.current !== null && Date.now() > open.current.deadline,
    complete: () => { done.current = true; void setMeta(db, OPEN_HOLD, null); },
  };
}

/** At start-up: release a hold a payment screen left open when the page went away (closed,
 *  reloaded, crashed). Kept for the next start only while the server cannot be reached. */
export async function releaseLeftover(db: Till, token: string): Promise<void> {
  const left = await getMeta<{ id: string } | null>(db, OPEN_HOLD);
  if (!left?.id) return;
  try { await release(token, left.id); } catch (err) { if (err instanceof OfflineError) return; }
  await setMeta(db, OPEN_HOLD, null); // released, or refused for good (used, unknown)
}

export function RewardChoice({ member, applied, disabled, currency, onApply, onRemove }: {
  member: Member; applied: Applied | null; disabled: boolean; currency: string;
  onApply: (r: Reward) => void; onRemove: () => void;
}) {
  if (applied) {
    const off = applied.discount.total;
    return (
      <p class="row" data-testid="reward-applied"><span>Reward: {applied.reward.name}{applied.offline ? " (offline)" : ""}</span>
        <span>{off ? `−${formatMoney(off, currency)}` : `${applied.reward.points_cost} ${member.points_name}`}
          {" "}<button class="link" data-testid="reward-remove" onClick={onRemove}>remove</button></span></p>
    );
  }
  return (
    <>
      {member.rewards.filter((r) => r.eligible).map((r) => (
        <button key={r.id} data-testid="apply-reward" disabled={disabled}
                onClick={() => onApply(r)}>Apply {r.name}</button>
      ))}
    </>
  );
}
