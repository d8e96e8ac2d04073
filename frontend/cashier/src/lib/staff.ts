/**
 * Staff sign-in. The server checks PINs (argon2, lock-out after misses); after a good online
 * check the till keeps a salted PBKDF2 verifier, so the same person can sign in offline later.
 */
import { HttpError } from "./api.ts";
import { getMeta, setMeta, type Till } from "./db.ts";

export interface Staff { id: string; name: string; role: "cashier" | "manager" }
interface Verifier { salt: string; hash: string }

const ITERATIONS = 100_000;

async function derive(pin: string, salt: Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS }, key, 256);
  return btoa(String.fromCharCode(...new Uint8Array(bits)));
}

function auth(token: string): Record<string, string> {
  return { "Content-Type": "application/json", Authorization: `Bearer ${token}` };
}

/** The outlet's staff; offline, the last list this till saw. */
export async function listStaff(db: Till, token: string): Promise<Staff[]> {
  try {
    const res = await fetch("/v1/pos/staff", { headers: auth(token), cache: "no-store" });
    if (!res.ok) throw new HttpError(res.status, null);
    const staff = ((await res.json()) as { data: Staff[] }).data;
    await setMeta(db, "staff", staff);
    return staff;
  } catch {
    return (await getMeta<Staff[]>(db, "staff")) ?? [];
  }
}

export type PinResult = { ok: true; offline: boolean } | { ok: false; message: string };

export async function checkPin(db: Till, token: string, staff: Staff, pin: string): Promise<PinResult> {
  let res: Response;
  try {
    res = await fetch(`/v1/pos/staff/${encodeURIComponent(staff.id)}/verify`, {
      method: "POST", headers: auth(token), body: JSON.stringify({ pin }) });
  } catch {
    const v = await getMeta<Verifier>(db, `pin:${staff.id}`);
    if (!v) return { ok: false, message: "Offline: this person has not signed in on this till before." };
    const salt = Uint8Array.from(atob(v.salt), (c) => c.charCodeAt(0));
    return (await derive(pin, salt)) === v.hash ? { ok: true, offline: true } : { ok: false, message: "Wrong PIN." };
  }
  if (res.ok) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    await setMeta(db, `pin:${staff.id}`, { salt: btoa(String.fromCharCode(...salt)), hash: await derive(pin, salt) });
    return { ok: true, offline: false };
  }
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return { ok: false, message: body?.error?.message ?? `Refused (${res.status}).` };
}
