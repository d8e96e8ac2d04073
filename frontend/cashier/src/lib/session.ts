/**
 * The till session that survives a reload or a crash: the cart being rung up, the member on
 * it and who holds it, in the IndexedDB ``session`` store (one record). What is stored is only
 * what the cashier could read off the screen: the staff member's id, name and role, never a
 * PIN nor a signing key, so a reload always asks for the PIN again (lib/staff.ts checks it,
 * offline too). A manager's approval key, kept on a cart line to sign the approval at
 * Complete, is left out as well; a restored line loses that approval and its discount.
 *
 * Also the idle lock: after a configurable time with no key, pointer or touch the till asks
 * for the PIN again.
 */
import type { Cart } from "./app_state.ts";
import type { CartLine } from "./cart.ts";
import type { Till } from "./db.ts";
import type { Staff } from "./staff.ts";

/** The stored record: who holds the sale (locked on restore) and the cart. */
export interface StoredSession { staff: Staff; cart: Cart; saved_at: string }

/** The one record's key (lib/outbox.ts writes it too, with a completed sale). */
export const SESSION_KEY = "current";

/** The cart as it may be written: no staff key on any line. */
export function storableCart(cart: Cart): Cart {
  const lines = cart.lines.map((l): CartLine => {
    const { approval_key: _secret, ...kept } = l; // a manager's signing key: memory only
    return kept;
  });
  return { ...cart, lines };
}

/**
 * A stored cart brought back. A line approved by a manager cannot be signed any more (the key
 * was not stored), so the discount and its approval come off; the names of those lines are
 * returned for the cashier to apply them again.
 */
export function reviveCart(cart: Cart): { cart: Cart; unapproved: string[] } {
  const unapproved: string[] = [];
  const lines = cart.lines.map((l) => {
    if (!l.approved_by || l.approval_key) return l;
    unapproved.push(l.name);
    const { approved_by: _gone, ...rest } = l;
    return { ...rest, discount: 0 };
  });
  return { cart: { ...cart, lines }, unapproved };
}

export async function loadSession(db: Till): Promise<StoredSession | undefined> {
  return db.get("session", SESSION_KEY);
}

/** The record for ``staff`` holding ``cart``: only what may be stored. */
export function sessionRecord(staff: Staff, cart: Cart, now = new Date()): StoredSession {
  return { staff: { id: staff.id, name: staff.name, role: staff.role }, cart: storableCart(cart),
           saved_at: now.toISOString() };
}

/** Write the session, or remove it when nobody holds the till. */
export async function saveSession(db: Till, staff: Staff | null, cart: Cart, now = new Date()): Promise<void> {
  if (!staff) { await db.delete("session", SESSION_KEY); return; }
  await db.put("session", sessionRecord(staff, cart, now), SESSION_KEY);
}

/**
 * Writes session states one at a time, in order; a state that a newer one replaced before its
 * turn is skipped (only the last one matters). ``idle()`` resolves when nothing is pending.
 */
export class SessionWriter {
  private next: { staff: Staff | null; cart: Cart } | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly db: Till) {}

  write(staff: Staff | null, cart: Cart): void {
    this.next = { staff, cart };
    this.running ??= this.drain().finally(() => { this.running = null; });
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const { staff, cart } = this.next;
      this.next = null;
      // a failed write (storage full) must not stop the sale; the next change tries again
      await saveSession(this.db, staff, cart).catch((err) => console.warn("till session not saved", err));
    }
  }
}

/** The DOM events that count as someone at the till. */
const ACTIVITY = ["keydown", "pointerdown", "touchstart", "wheel"] as const;
/** How often the idle lock looks at the clock: a lock is at most this late. */
export const IDLE_CHECK_MS = 5_000;

/**
 * Call ``onIdle`` once ``minutes()`` pass with no activity on ``target`` (0 minutes: never).
 * It fires again only after new activity. Returns the function that stops watching.
 */
export function watchIdle(minutes: () => number, onIdle: () => void,
                          target: Pick<EventTarget, "addEventListener" | "removeEventListener"> = window,
                          now: () => number = Date.now): () => void {
  let last = now();
  let fired = false;
  const touch = () => { last = now(); fired = false; };
  for (const name of ACTIVITY) target.addEventListener(name, touch, { passive: true, capture: true });
  const check = () => {
    const limit = minutes() * 60_000;
    if (limit > 0 && !fired && now() - last >= limit) { fired = true; onIdle(); }
  };
  const timer = setInterval(check, IDLE_CHECK_MS);
  return () => {
    clearInterval(timer);
    for (const name of ACTIVITY) target.removeEventListener(name, touch, { capture: true });
  };
}
