/**
 * A server resource the till keeps a copy of, so it holds offline: fetch it from the server,
 * store it in IndexedDB (``meta``), and when the server cannot be had serve the stored copy
 * with its age. Used for the till's config, the staff list, members and receipt preferences.
 *
 * The value is stored exactly as before this helper, under its own key, so a till that updates
 * keeps its copies; the time it was fetched goes beside it under ``fetched_at:<key>`` (copies
 * stored by an older till have no age until their next fetch).
 */
import { getMeta, type Till } from "./db.ts";

export interface Cached<T> {
  /** Undefined only when the server failed and this till holds no copy. */
  value: T | undefined;
  /** True when this is the stored copy, served because the fresh value could not be had. */
  stale: boolean;
  /** When the value came from the server (ISO time); unknown for copies older than this helper. */
  fetchedAt?: string;
  /** Why there is no fresh value (stale only). */
  error?: unknown;
}

export interface Resource<T> {
  /** The ``meta`` key the copy lives under. */
  key: string;
  fetch: () => Promise<T>;
  /** What to store, from the fresh value and the stored copy. Default: the fresh value. */
  merge?: (fresh: T, stored: T | undefined) => T;
  /** The failures that serve the stored copy; any other is thrown. Default: every failure. */
  fallback?: (err: unknown) => boolean;
}

const stampKey = (key: string) => `fetched_at:${key}`;

export async function cached<T>(db: Till, r: Resource<T>): Promise<Cached<T>> {
  try {
    const fresh = await r.fetch();
    const value = r.merge ? r.merge(fresh, await getMeta<T>(db, r.key)) : fresh;
    return { value, stale: false, fetchedAt: await remember(db, r.key, value) };
  } catch (error) {
    // a failed store write falls back too: the copy on disk is then the best there is
    if (r.fallback && !r.fallback(error)) throw error;
    const [value, fetchedAt] = await Promise.all([getMeta<T>(db, r.key), getMeta<string>(db, stampKey(r.key))]);
    return { value, stale: true, fetchedAt, error };
  }
}

/** Store a value the server just gave (with its time, in one transaction); returns that time. */
export async function remember(db: Till, key: string, value: unknown, now = new Date()): Promise<string> {
  const at = now.toISOString();
  const tx = db.transaction("meta", "readwrite");
  await Promise.all([tx.store.put(value, key), tx.store.put(at, stampKey(key)), tx.done]);
  return at;
}
