/** Background duties of the till page: outbox flushing, catalog deltas, tab lock, storage. */
import * as api from "./api.ts";
import { poolSize, POOL_SIZE, topUp } from "./bills.ts";
import { applyChanges, catalogCursor, loadSnapshot, type Progress } from "./catalog.ts";
import { getMeta, setMeta, type Till } from "./db.ts";
import { flush, type FlushReport } from "./outbox.ts";

export const FLUSH_MS = 5_000;
export const DELTA_MS = 60_000;

let flushing: Promise<FlushReport> | null = null;

/** Flush the outbox; concurrent calls share one run (the server is idempotent anyway). */
export function flushOutbox(db: Till, device: api.Device): Promise<FlushReport> {
  if (!flushing) {
    flushing = flush(db, api.orderSender(device.device_token)).finally(() => { flushing = null; });
  }
  return flushing;
}

/** Keep the pre-issued bill code pool at least half full (online only; failures are quiet). */
export async function topUpBills(db: Till, device: api.Device): Promise<void> {
  if ((await poolSize(db)) < POOL_SIZE / 2) await topUp(db, device.device_token).catch(() => 0);
}

/** Where a cold sync spends its time (ms), kept in ``meta`` for diagnostics and the bench. */
export interface SyncTimings { download: number; parse: number; index: number; write: number; total: number;
  variants: number }

/** Full snapshot into IndexedDB. */
export async function fullSync(db: Till, device: api.Device, progress: Progress): Promise<void> {
  const t0 = performance.now();
  const timing = { download: 0, parse: 0 };
  const snap = await api.snapshot(device.device_token, (n) => progress("download", n, 0), timing);
  const stored = await loadSnapshot(db, snap, progress);
  const timings: SyncTimings = { ...timing, ...stored, total: performance.now() - t0, variants: snap.variants.length };
  await setMeta(db, "catalog_sync_timings", timings);
  console.info("ActivePOS cold sync (ms)", timings);
}

/** Catch up from the stored cursor; a 410 (cursor too old) falls back to a snapshot. */
export async function deltaSync(db: Till, device: api.Device, progress: Progress): Promise<number> {
  const cursor = await catalogCursor(db);
  if (!cursor) return 0; // the first snapshot belongs to the loading screen
  let at = cursor;
  let applied = 0;
  for (;;) {
    let page: api.ChangesPage;
    try {
      page = await api.changes(device.device_token, at);
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 410) { await fullSync(db, device, progress); return -1; }
      throw err;
    }
    await applyChanges(db, page.changes, page.cursor);
    applied += page.changes.length;
    at = page.cursor;
    if (!page.has_more) return applied;
  }
}

export async function savedDevice(db: Till): Promise<api.Device | undefined> {
  return getMeta<api.Device>(db, "device");
}

export async function saveDevice(db: Till, device: api.Device): Promise<void> {
  await setMeta(db, "device", device);
}

/** Whether the browser promised to keep the till's storage: "unknown" until it answers,
 *  "unsupported" where there is no Storage API to ask (nothing to explain then). */
export type StorageState = "unknown" | "persisted" | "refused" | "unsupported";

/** Ask for persistent storage so the browser never evicts unsynced sales. Chromium answers
 *  without a prompt, from how the site is used (installed, bookmarked, visited often), so a
 *  refusal can turn into a grant later: asking again is worth a button. */
export async function persistStorage(): Promise<StorageState> {
  if (!navigator.storage?.persist) return "unsupported";
  try {
    return (await navigator.storage.persisted()) || (await navigator.storage.persist()) ? "persisted" : "refused";
  } catch {
    return "refused";
  }
}

/**
 * One active tab per till (Web Locks). ``onActive`` runs once this tab holds the lock; a
 * second tab stays read-only until the first one closes.
 */
export function claimTab(onActive: () => void): boolean {
  if (!navigator.locks) { onActive(); return true; }
  let got = false;
  void navigator.locks.request("activepos-till", () => {
    got = true;
    onActive();
    return new Promise<void>(() => {}); // held for the life of the page
  });
  return got;
}

export function registerServiceWorker(): void {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/cashier/sw.js", { scope: "/cashier/" }).catch((err) => {
      console.warn("service worker not registered", err);
    });
  }
}
