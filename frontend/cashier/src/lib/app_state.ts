/**
 * The till's application state, in one store, and every action that changes it: pairing, the
 * first catalog load, sign-in and the lock, the cart, completing or voiding a sale, unpairing.
 * The background duties (outbox flushing, catalog deltas, bill codes, the online flag) start
 * and stop in one place, ``runDuties``. The cart and who holds it are written to IndexedDB on
 * every change (lib/session.ts) and restored, locked, at start-up. ui/app.tsx only renders
 * this state and calls these actions.
 */
import * as api from "./api.ts";
import { approvalsOf, orderBody, type AppliedReward, type CartLine, type Payment } from "./cart.ts";
import { loadConfig } from "./config.ts";
import { DB_NAME, getMeta, setMeta, type OutboxEntry, type Till } from "./db.ts";
import { spendOffline, type Member } from "./loyalty.ts";
import { enqueue, flaggedReports, redemptionReports, unsyncedCount } from "./outbox.ts";
import { DEFAULT_CONFIG, type TillConfig } from "./policy.ts";
import { expired, signOrder, type StaffKey } from "./proof.ts";
import { loadSession, reviveCart, sessionRecord, SessionWriter, watchIdle, type StoredSession } from "./session.ts";
import { listStaff, type Staff } from "./staff.ts";
import { createStore, type Store } from "./store.ts";
import * as till from "./till.ts";
import { uuid7 } from "./uuid.ts";

export type Screen = "boot" | "pair" | "loading" | "sale" | "receipt" | "revoked" | "sync";

/** The sale being rung up: its lines and the member it is for. */
export interface Cart { lines: CartLine[]; member: Member | null }
export const EMPTY_CART: Cart = { lines: [], member: null };

/** The staff member signed in at the till, with the key that signs their sales. */
export interface Cashier { staff: Staff; key: StaffKey }

/** The header's sync facts: what the outbox holds and when the catalog last synced. */
export interface SyncCounts { unsynced: number; refused: number; flagged: number; catalogAt?: string }

export interface AppState {
  screen: Screen;
  device: api.Device | null; // null until paired
  online: boolean;
  active: boolean; // this tab holds the till's lock; another tab is read only
  storage: till.StorageState; // whether the browser promised not to evict the till's storage
  storageNoticeHidden: boolean; // the cashier read the refusal's explanation and folded it
  progress: { phase: string; done: number; total: number }; // the first catalog load
  sync: SyncCounts;
  error: string;
  staff: Staff[];
  config: TillConfig;
  cashier: Cashier | null;
  // the staff member whose session is locked (idle, or restored after a reload): the cart
  // waits for a PIN; never set together with ``cashier``
  locked: Staff | null;
  cart: Cart;
  notice: string; // something the cashier should know, not an error (cleared by dismissing)
  last: OutboxEntry | null; // the sale the receipt screen shows
}

/** What the payment screen hands over to complete a sale. */
export interface Checkout {
  lines: CartLine[]; member: Member | null; payments: Payment[]; holdId?: string; offlinePoints?: number;
  offlineReward?: { id: string; points: number }; // a reward applied offline (no hold)
  channel: string; phone: string; email: string; reward?: AppliedReward;
}

type Patch = Partial<AppState> | ((s: AppState) => Partial<AppState>);

export function initialState(online = navigator.onLine): AppState {
  return { screen: "boot", device: null, online, active: false, storage: "unknown", storageNoticeHidden: false,
           progress: { phase: "", done: 0, total: 0 }, sync: { unsynced: 0, refused: 0, flagged: 0 },
           error: "", staff: [], config: DEFAULT_CONFIG, cashier: null, locked: null, cart: EMPTY_CART,
           notice: "", last: null };
}

/** Who holds the till's sale: the signed-in cashier, or the one whose session is locked. */
export function holder(s: AppState): Staff | null {
  return s.cashier?.staff ?? s.locked;
}

/**
 * The cart lasts while someone holds the till (signed in, or locked with the PIN asked
 * again), on the sale and Sync screens. The receipt of a completed sale and signing out empty
 * it; so does voiding it (``voidSale``).
 */
export function keepCart(s: AppState): AppState {
  const kept = holder(s) !== null && s.screen !== "receipt";
  return kept || s.cart === EMPTY_CART ? s : { ...s, cart: EMPTY_CART };
}

export class TillApp {
  readonly store: Store<AppState>;
  private duties: { device: api.Device; stop: () => void } | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopIdle: (() => void) | null = null;
  private readonly session: SessionWriter;
  // the session as last stored or restored: a state that differs from it is written
  private stored: { holder: string | null; cart: Cart } = { holder: null, cart: EMPTY_CART };

  constructor(readonly db: Till, initial: AppState = initialState()) {
    this.store = createStore(initial);
    this.session = new SessionWriter(db);
    // followed from the start (not from ``start``) so every cart change is durable at once
    this.store.subscribe(() => this.followSession());
  }

  private set = (patch: Patch): void => {
    this.store.update((s) => {
      const p = typeof patch === "function" ? patch(s) : patch;
      const same = (Object.keys(p) as (keyof AppState)[]).every((k) => Object.is(s[k], p[k]));
      return same ? s : keepCart({ ...s, ...p });
    });
  };

  /** Boot: claim the tab, ask for persistent storage, resume the saved pairing. */
  start = (): void => {
    if (this.unsubscribe) return;
    // the duties follow (device, active): they start once both are set
    this.unsubscribe = this.store.subscribe(() => this.followDuties());
    till.claimTab(() => this.set({ active: true }));
    void this.askStorage();
    void getMeta<boolean>(this.db, "storage_notice_hidden").then((hidden) => this.set({ storageNoticeHidden: !!hidden }));
    this.stopIdle = watchIdle(() => this.store.get().config.idle_lock_minutes, this.lock);
    void this.resume();
  };

  /** Stop the duties and stop following the state. */
  stop = (): void => {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.stopIdle?.();
    this.stopIdle = null;
    this.duties?.stop();
    this.duties = null;
  };

  private async resume(): Promise<void> {
    const saved = await till.savedDevice(this.db);
    await this.refresh();
    if (!saved) { this.set({ screen: "pair" }); return; }
    this.set({ device: saved });
    this.set({ staff: await listStaff(this.db, saved.device_token) });
    this.set({ config: await loadConfig(this.db, saved.device_token) });
    const session = await loadSession(this.db);
    if (await getMeta(this.db, "catalog_cursor")) this.set({ screen: "sale", ...this.restore(session) });
    else this.loadCatalog(saved);
  }

  /** The stored session, locked: the PIN is asked again after every reload or crash. */
  private restore(session: StoredSession | undefined): Partial<AppState> {
    if (!session) return {};
    const { cart, unapproved } = reviveCart(session.cart);
    this.stored = { holder: session.staff.id, cart }; // as stored, less what cannot be signed
    const notice = unapproved.length ? `After the reload, the manager-approved discount on ${unapproved.join(", ")} `
      + "was taken off (the approval is not kept): apply it again." : "";
    return { locked: session.staff, cart, notice };
  }

  /** Write the cart and who holds it whenever either changes (only the active tab writes:
   *  a read-only second tab must not overwrite the sale the first one is ringing up). */
  private followSession(): void {
    const s = this.store.get();
    const who = holder(s);
    if (!s.active || (this.stored.holder === (who?.id ?? null) && this.stored.cart === s.cart)) return;
    this.stored = { holder: who?.id ?? null, cart: s.cart };
    this.session.write(who, s.cart);
  }

  /** Resolves once the session writes so far are on disk (tests, and before a reload). */
  saved = (): Promise<void> => this.session.idle();

  private async askStorage(): Promise<void> {
    this.set({ storage: await till.persistStorage() });
  }

  private followDuties(): void {
    const { device, active } = this.store.get();
    const want = device && active ? device : null;
    if (this.duties?.device === want) return;
    this.duties?.stop();
    this.duties = want ? { device: want, stop: this.runDuties(want) } : null;
  }

  /**
   * Every background duty of a paired till in the active tab (only it sends): flush the outbox
   * now, on reconnect and every FLUSH_MS (then top up bill codes), catch the catalog up after a
   * flush and every DELTA_MS, track the online flag. Returns the function that stops them all.
   */
  private runDuties(d: api.Device): () => void {
    const flushAndCatchUp = () => void this.flush(d).then(() => this.catchUp(d));
    flushAndCatchUp();
    const goOnline = () => { this.set({ online: true }); flushAndCatchUp(); };
    const goOffline = () => this.set({ online: false });
    window.addEventListener("online", goOnline);
    window.addEventListener("offline", goOffline);
    const flushing = setInterval(() => void this.flush(d).then(() => till.topUpBills(this.db, d)), till.FLUSH_MS);
    const catching = setInterval(() => void this.catchUp(d), till.DELTA_MS);
    return () => {
      window.removeEventListener("online", goOnline);
      window.removeEventListener("offline", goOffline);
      clearInterval(flushing);
      clearInterval(catching);
    };
  }

  /** Re-read the header's sync facts from IndexedDB. */
  refresh = async (): Promise<void> => {
    const unsynced = await unsyncedCount(this.db);
    const sync: SyncCounts = { unsynced, refused: (await redemptionReports(this.db)).length,
      flagged: (await flaggedReports(this.db)).length, catalogAt: await getMeta<string>(this.db, "catalog_synced_at") };
    this.set((s) => ({
      sync: sameCounts(s.sync, sync) ? s.sync : sync,
      // an unpair refusal no longer holds once every sale synced
      error: unsynced === 0 && s.error.startsWith("Refused:") ? "" : s.error,
    }));
  };

  private async flush(d: api.Device): Promise<void> {
    const report = await till.flushOutbox(this.db, d);
    if (report.unauthorized && [401, 403].includes(await api.me(d.device_token).catch(() => 0))) {
      this.set({ screen: "revoked" });
    }
    await this.refresh();
  }

  private async catchUp(d: api.Device): Promise<void> {
    try { await till.deltaSync(this.db, d, this.onProgress); } catch { /* offline: keep the local catalog */ }
    await till.topUpBills(this.db, d);
    this.set({ config: await loadConfig(this.db, d.device_token) });
    await this.refresh();
  }

  private onProgress = (phase: string, done: number, total: number): void => {
    this.set({ progress: { phase, done, total } });
  };

  /** The loading screen: the first snapshot, then the sale screen. */
  private loadCatalog(d: api.Device): void {
    this.set({ screen: "loading" });
    void till.fullSync(this.db, d, this.onProgress).then(async () => { await this.refresh(); this.set({ screen: "sale" }); })
      .catch((e) => this.set({ error: `Catalog download failed (${(e as Error).message}); retry when online.` }));
  }

  pair = async (code: string): Promise<void> => {
    try {
      const d = await api.pair(code);
      await till.saveDevice(this.db, d);
      this.set({ device: d, error: "" });
      this.set({ staff: await listStaff(this.db, d.device_token) });
      this.loadCatalog(d);
    } catch (e) {
      this.set({ error: e instanceof api.ApiError ? "That code is not valid or has expired." : "Cannot reach the server." });
    }
  };

  show = (screen: Screen): void => this.set({ screen });
  /** Sign in (or unlock: whoever signs in takes over the cart); ``null`` signs out, which ends
   *  the sale being rung up. */
  signIn = (cashier: Cashier | null): void => this.set({ cashier, locked: null });
  /** Lock the till: the cart stays, the signing key is dropped, the PIN is asked again. */
  lock = (): void => this.set((s) => (s.cashier ? { cashier: null, locked: s.cashier.staff } : {}));
  /** Void the sale being rung up: the cart and the member go, here and in storage. */
  voidSale = (): void => this.set({ cart: EMPTY_CART, notice: "" });
  dismissNotice = (): void => this.set({ notice: "" });
  /** Ask the browser for persistent storage again (it may grant it now). */
  retryStorage = (): Promise<void> => this.askStorage();
  /** Fold (or unfold) the explanation of refused persistent storage; remembered. */
  hideStorageNotice = (hidden: boolean): void => {
    this.set({ storageNoticeHidden: hidden });
    void setMeta(this.db, "storage_notice_hidden", hidden);
  };
  /** Change the cart: ``change`` gets the current cart and returns the parts that change. */
  updateCart = (change: (cart: Cart) => Partial<Cart>): void => this.set((s) => ({ cart: { ...s.cart, ...change(s.cart) } }));

  /** Sign the sale, make it durable in the outbox, show its receipt, then try to send it. */
  complete = async (c: Checkout): Promise<void> => {
    const { cashier, device } = this.store.get();
    if (!cashier) { this.set({ error: "Sign in first: every sale is signed by the staff member who rings it up." }); return; }
    const id = uuid7();
    const plain = orderBody(c.lines, c.payments, {
      occurredAt: new Date(), currency: device?.workspace.currency ?? "INR", receiptChannel: c.channel,
      customerPhone: c.member?.phone || c.phone || undefined, customerEmail: c.email.trim() || undefined,
      holdId: c.holdId, offlinePoints: c.offlinePoints, offlineRewardId: c.offlineReward?.id, memberId: c.member?.member_id, reward: c.reward,
      cashier: { id: cashier.staff.id, name: cashier.staff.name } });
    // made offline: no network, points taken against the offline allowance, or a key the
    // server would no longer accept online (the server then flags instead of refusing)
    const offline = !navigator.onLine || !!c.offlinePoints || !!c.offlineReward || expired(cashier.key);
    const body = await signOrder({ ...plain, client_order_id: id }, cashier.key, offline, approvalsOf(c.lines));
    await this.session.idle(); // an older cart written after the sale would bring it back
    // durable before anything else happens, with the stored cart emptied in the same transaction
    const entry = await enqueue(this.db, id, body, new Date(), sessionRecord(cashier.staff, EMPTY_CART));
    this.stored = { holder: cashier.staff.id, cart: EMPTY_CART };
    if (c.offlinePoints && c.member) await spendOffline(this.db, c.member, c.offlinePoints);
    if (c.offlineReward && c.member) await spendOffline(this.db, c.member, c.offlineReward.points);
    this.set({ last: entry, screen: "receipt" });
    await this.refresh();
    if (device) void this.flush(device);
  };

  /** Unpair and wipe this till: refused while any sale is unsynced. */
  unpair = async (): Promise<void> => {
    const left = await unsyncedCount(this.db);
    if (left > 0) { this.set({ error: `Refused: ${left} unsynced sale(s). Sync or export them first.` }); return; }
    this.stop();
    this.db.close();
    indexedDB.deleteDatabase(DB_NAME);
    location.reload();
  };
}

function sameCounts(a: SyncCounts, b: SyncCounts): boolean {
  return a.unsynced === b.unsynced && a.refused === b.refused && a.flagged === b.flagged && a.catalogAt === b.catalogAt;
}
