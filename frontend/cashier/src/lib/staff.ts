/**
 * Staff sign-in. The server checks PINs (argon2, lock-out after misses) and, on a good check,
 * issues that person's signing key for this till (lib/proof.ts). The till keeps the key only
 * wrapped (AES-GCM) under a key derived from the PIN (PBKDF2, 100k iterations): the same person
 * can sign in offline later, and a copy of the device's storage alone signs nothing.
 */
import { ApiError, call, OfflineError } from "./api.ts";
import { cached } from "./cached.ts";
import { getMeta, setMeta, type Till } from "./db.ts";
import { b64url, fromB64url, type StaffKey } from "./proof.ts";

/** ``discount_limit_bp``: this person's own line-discount limit (null/absent: the till's). */
export interface Staff { id: string; name: string; role: "cashier" | "manager"; discount_limit_bp?: number | null }
/** The key as stored: sealed under the PIN. (An older till stored only a PIN verifier.) */
interface Sealed { salt: string; iv?: string; sealed?: string; key_id?: string; expires_at?: string }

const ITERATIONS = 100_000;

async function pinKey(pin: string, salt: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS }, base,
                                 { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

/** Seal a key under the PIN (exported for the tests). */
export async function seal(pin: string, key: StaffKey): Promise<Sealed> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await pinKey(pin, salt),
                                           new TextEncoder().encode(key.secret));
  return { salt: b64url(salt), iv: b64url(iv), sealed: b64url(new Uint8Array(data)), key_id: key.id,
           expires_at: key.expires_at };
}

/** The key, or null when the PIN is wrong (AES-GCM refuses to open with another key). */
export async function unseal(pin: string, s: Sealed): Promise<StaffKey | null> {
  if (!s.iv || !s.sealed || !s.key_id || !s.expires_at) return null;
  try {
    const data = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromB64url(s.iv) },
                                             await pinKey(pin, fromB64url(s.salt)), fromB64url(s.sealed));
    return { id: s.key_id, secret: new TextDecoder().decode(data), expires_at: s.expires_at };
  } catch {
    return null;
  }
}

/** The outlet's staff; on any failure, the last list this till saw. */
export async function listStaff(db: Till, token: string): Promise<Staff[]> {
  const got = await cached<Staff[]>(db, { key: "staff",
    fetch: async () => (await call<{ data: Staff[] }>("/v1/pos/staff", { token })).data });
  return got.value ?? [];
}

export type PinResult = { ok: true; offline: boolean; key: StaffKey } | { ok: false; message: string };

/** Online the server checks the PIN (and issues the key, kept sealed); with no reply, the
 *  sealed key this person left on this till opens with the right PIN. */
export async function checkPin(db: Till, token: string, staff: Staff, pin: string): Promise<PinResult> {
  let key: StaffKey;
  try {
    key = (await call<{ staff_key: StaffKey }>(`/v1/pos/staff/${encodeURIComponent(staff.id)}/verify`,
                                               { method: "POST", token, body: { pin }, cache: "default" })).staff_key;
  } catch (err) {
    if (err instanceof OfflineError) return checkOffline(db, staff, pin);
    if (err instanceof ApiError) return { ok: false, message: err.serverMessage ?? `Refused (${err.status}).` };
    throw err;
  }
  await setMeta(db, `pin:${staff.id}`, await seal(pin, key));
  return { ok: true, offline: false, key };
}

async function checkOffline(db: Till, staff: Staff, pin: string): Promise<PinResult> {
  const sealed = await getMeta<Sealed>(db, `pin:${staff.id}`);
  if (!sealed) return { ok: false, message: "Offline: this person has not signed in on this till before." };
  if (!sealed.sealed) return { ok: false, message: "Offline: sign in online once more first (new staff keys)." };
  const key = await unseal(pin, sealed);
  return key ? { ok: true, offline: true, key } : { ok: false, message: "Wrong PIN." };
}
