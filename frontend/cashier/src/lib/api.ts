/**
 * The till's one client for the server's API, and the device endpoints (pairing, the catalog
 * feed, order submission). Every module reaches the server through ``request``/``send``/``call``:
 * the headers are built here only, replies are read as JSON here, a refusal becomes an
 * ``ApiError`` and no reply at all an ``OfflineError``. (The service worker keeps its own fetch:
 * it serves the app shell, not the API.)
 */
import type { Change, Snapshot } from "./catalog.ts";
import type { OutboxEntry } from "./db.ts";
import type { SendResult } from "./outbox.ts";

export interface Device {
  device_token: string;
  terminal: { id: string; terminal_id?: string; name?: string; [k: string]: unknown };
  location: { id: string; code?: string; name?: string; [k: string]: unknown };
  workspace: { id: string; name?: string; currency?: string; [k: string]: unknown };
}

/** The server answered with an error: its status and, from ``{"error": {"code", "message"}}``,
 *  the code and message (absent when the reply carried no such body). */
export class ApiError extends Error {
  readonly code?: string;
  /** The server's own words, for texts shown to the cashier. */
  readonly serverMessage?: string;

  constructor(readonly status: number, readonly body: unknown) {
    super(`HTTP ${status}`); // the catalog error text quotes this, as it always did
    this.name = "ApiError";
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof error?.code === "string") this.code = error.code;
    if (typeof error?.message === "string") this.serverMessage = error.message;
  }
}

/** No reply: the network is down or the server unreachable (the fetch itself failed). */
export class OfflineError extends Error {
  constructor(cause: unknown) {
    // the cause's words ("Failed to fetch"), which the till's texts showed before this type
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "OfflineError";
  }
}

export interface CallOptions {
  method?: "GET" | "POST";
  /** The till's device token, sent as ``Authorization: Bearer``. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Default "no-store" (the browser also sends ``Pragma``/``Cache-Control: no-cache``).
   *  Pairing, order submission and the PIN check never set it, and pass "default" to keep so. */
  cache?: RequestCache;
  /** ``Content-Type: application/json`` (default true): the config and receipt-channel reads
   *  never sent it, and pass false to keep the same headers on the wire. */
  contentType?: boolean;
  /** Let the request outlive the page (a hold released as the tab closes). */
  keepalive?: boolean;
}

/** The only place the till's request headers are built. */
function headers(opts: CallOptions): Record<string, string> {
  const h: Record<string, string> = {};
  if (opts.contentType !== false) h["Content-Type"] = "application/json";
  if (opts.token) h.Authorization = `Bearer ${opts.token}`;
  return h;
}

/** The raw reply (for streaming or the status alone); no reply throws ``OfflineError``. */
export async function request(path: string, opts: CallOptions = {}): Promise<Response> {
  const init: RequestInit = { method: opts.method ?? "GET", headers: headers(opts), cache: opts.cache ?? "no-store" };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  if (opts.keepalive) init.keepalive = true;
  try {
    return await fetch(path, init);
  } catch (err) {
    throw new OfflineError(err);
  }
}

/** The reply's JSON, or null when it has none (an error page, an empty or cut-off body). */
async function readJson(res: Response): Promise<unknown> {
  try { return await res.json(); } catch { return null; }
}

export interface Reply { status: number; body: Record<string, unknown> | null }

/** Any reply as its status and JSON body; only a missing reply throws (``OfflineError``). */
export async function send(path: string, opts: CallOptions = {}): Promise<Reply> {
  const res = await request(path, opts);
  return { status: res.status, body: (await readJson(res)) as Record<string, unknown> | null };
}

/** A successful reply's JSON; a refusal throws ``ApiError``, no reply ``OfflineError``. */
export async function call<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const res = await request(path, opts);
  if (!res.ok) throw new ApiError(res.status, await readJson(res));
  try {
    return (await res.json()) as T;
  } catch (err) {
    // a body that is not JSON is the server's bug; a body cut off half-way is the network's
    throw err instanceof SyntaxError ? err : new OfflineError(err);
  }
}

export async function pair(code: string): Promise<Device> {
  return call<Device>("/v1/pos/pair", { method: "POST", body: { pairing_code: code.trim() }, cache: "default" });
}

/** Still paired? 401/403 means the terminal or its pipe was revoked. */
export async function me(token: string): Promise<number> {
  return (await request("/v1/pos/me", { token })).status;
}

/** Download the snapshot, reporting bytes received (the feed is streamed, size unknown). */
export async function snapshot(token: string, onBytes: (n: number) => void,
                               timing: { download: number; parse: number } = { download: 0, parse: 0 }): Promise<Snapshot> {
  const t0 = performance.now();
  const res = await request("/v1/catalog/snapshot", { token });
  if (!res.ok || !res.body) throw new ApiError(res.status, await readJson(res));
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((err: unknown) => { throw new OfflineError(err); });
    if (done) break;
    parts.push(value);
    received += value.length;
    onBytes(received);
  }
  const t1 = performance.now();
  const all = new Uint8Array(received);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  const snap = JSON.parse(new TextDecoder().decode(all)) as Snapshot;
  timing.download = t1 - t0;
  timing.parse = performance.now() - t1;
  return snap;
}

export interface ChangesPage { cursor: string; has_more: boolean; changes: Change[] }

export async function changes(token: string, cursor: string): Promise<ChangesPage> {
  return call<ChangesPage>(`/v1/catalog/changes?cursor=${encodeURIComponent(cursor)}&limit=2000`, { token });
}

/** One outbox entry to POST /v1/pos/orders; a thrown error means "not delivered, retry". */
export function orderSender(token: string) {
  return (entry: OutboxEntry): Promise<SendResult> =>
    send("/v1/pos/orders", { method: "POST", token, body: entry.body, cache: "default" });
}
