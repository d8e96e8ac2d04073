/** The server's device API: pairing, the catalog feed and order submission. One fetch each. */
import type { Change, Snapshot } from "./catalog.ts";
import type { OutboxEntry } from "./db.ts";
import type { SendResult } from "./outbox.ts";

export interface Device {
  device_token: string;
  terminal: { id: string; terminal_id?: string; name?: string; [k: string]: unknown };
  location: { id: string; code?: string; name?: string; [k: string]: unknown };
  workspace: { id: string; name?: string; currency?: string; [k: string]: unknown };
}

export class HttpError extends Error {
  constructor(public status: number, public body: unknown) {
    super(`HTTP ${status}`);
  }
}

function headers(token?: string): Record<string, string> {
  const h: Record<string, string> = { "Content-Type": "application/json" };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function json(res: Response): Promise<Record<string, unknown> | null> {
  try { return (await res.json()) as Record<string, unknown>; } catch { return null; }
}

export async function pair(code: string): Promise<Device> {
  const res = await fetch("/v1/pos/pair", { method: "POST", headers: headers(),
                                           body: JSON.stringify({ pairing_code: code.trim() }) });
  const body = await json(res);
  if (!res.ok) throw new HttpError(res.status, body);
  return body as unknown as Device;
}

/** Still paired? 401/403 means the terminal or its pipe was revoked. */
export async function me(token: string): Promise<number> {
  const res = await fetch("/v1/pos/me", { headers: headers(token), cache: "no-store" });
  return res.status;
}

/** Download the snapshot, reporting bytes received (the feed is streamed, size unknown). */
export async function snapshot(token: string, onBytes: (n: number) => void,
                               timing: { download: number; parse: number } = { download: 0, parse: 0 }): Promise<Snapshot> {
  const t0 = performance.now();
  const res = await fetch("/v1/catalog/snapshot", { headers: headers(token), cache: "no-store" });
  if (!res.ok || !res.body) throw new HttpError(res.status, await json(res));
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
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
  const res = await fetch(`/v1/catalog/changes?cursor=${encodeURIComponent(cursor)}&limit=2000`,
                          { headers: headers(token), cache: "no-store" });
  const body = await json(res);
  if (!res.ok) throw new HttpError(res.status, body);
  return body as unknown as ChangesPage;
}

/** One outbox entry to POST /v1/pos/orders; a thrown error means "not delivered, retry". */
export function orderSender(token: string) {
  return async (entry: OutboxEntry): Promise<SendResult> => {
    const res = await fetch("/v1/pos/orders", { method: "POST", headers: headers(token),
                                               body: JSON.stringify(entry.body) });
    return { status: res.status, body: await json(res) };
  };
}
