/**
 * The staff proof every order carries (twin of cashier/proofs.py; both run
 * tests/vectors/till_proofs.json). The cashier's key signs the order's money facts; a manager's
 * key signs each discount above the limit. The server recomputes the same messages from its own
 * maths, so a device token alone, or an edited body, proves nothing.
 */
import { lineAmounts, type LineInput } from "./tax.ts";

/** A staff key the server issued to this till at a good online PIN check. */
export interface StaffKey { id: string; secret: string; expires_at: string }

export interface SignedFacts {
  client_order_id: string; key_id: string; offline: boolean; total: number;
  lines: [number, number][]; payments: [string, number][];
  hold_id: string; offline_points: number; customer_phone: string;
}

/** Separators escaped in free text, so two different orders never share a message. */
function text(value: string): string {
  return value.replace(/%/g, "%25").replace(/,/g, "%2C").replace(/:/g, "%3A").replace(/\|/g, "%7C")
    .replace(/\n/g, "%0A");
}

export function orderMessage(f: SignedFacts): string {
  return ["activepos-order-v1", f.client_order_id, f.key_id, f.offline ? "offline" : "online",
    String(f.total), f.lines.map(([g, d]) => `${g}:${d}`).join(","),
    f.payments.map(([m, a]) => `${text(m)}:${a}`).join(","),
    `${text(f.hold_id)}|${f.offline_points}`, text(f.customer_phone)].join("\n");
}

export function approvalMessage(clientOrderId: string, keyId: string, line: number, gross: number,
                                discount: number): string {
  return ["activepos-approval-v1", clientOrderId, keyId, String(line), `${gross}:${discount}`].join("\n");
}

export function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromB64url(value: string): Uint8Array<ArrayBuffer> {
  const b64 = value.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (value.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** HMAC-SHA256 of the message under the key's secret, unpadded base64url. */
export async function sign(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", fromB64url(secret), { name: "HMAC", hash: "SHA-256" },
                                            false, ["sign"]);
  return b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message))));
}

interface BodyLine extends LineInput { discount: number }
interface OrderShape {
  client_order_id: string; lines: BodyLine[]; payments?: { method: string; amount: number }[];
  totals?: { total?: number }; loyalty?: { hold_id?: string; offline_points?: number; offline_reward_id?: string };
  customer?: { phone?: string };
}

/** The facts of an order body, computed with the same maths the server uses. */
export function factsOf(body: OrderShape, keyId: string, offline: boolean): SignedFacts {
  const lines = body.lines.map((l) => { const a = lineAmounts(l); return [a.gross, a.gross - a.net] as [number, number]; });
  const total = body.totals?.total ?? body.lines.reduce((s, l) => s + lineAmounts(l).total, 0);
  return { client_order_id: body.client_order_id, key_id: keyId, offline, total, lines,
    payments: (body.payments ?? []).map((p) => [p.method.toLowerCase(), p.amount]),
    // the hold, or the reward applied offline (one slot: an order carries one of them)
    hold_id: body.loyalty?.hold_id ?? body.loyalty?.offline_reward_id ?? "", offline_points: body.loyalty?.offline_points ?? 0,
    customer_phone: (body.customer?.phone ?? "").trim() };
}

export interface Approval { line: number; key: StaffKey }

/** The body with its proof: the cashier's signature and each approving manager's. */
export async function signOrder(body: Record<string, unknown>, cashier: StaffKey, offline: boolean,
                                approvals: Approval[] = []): Promise<Record<string, unknown>> {
  const shape = body as unknown as OrderShape;
  const facts = factsOf(shape, cashier.id, offline);
  const signed = await Promise.all(approvals.map(async (a) => {
    const [gross, discount] = facts.lines[a.line - 1];
    const message = approvalMessage(shape.client_order_id, a.key.id, a.line, gross, discount);
    return { line: a.line, key_id: a.key.id, signature: await sign(a.key.secret, message) };
  }));
  return { ...body, proof: { key_id: cashier.id, offline, signature: await sign(cashier.secret, orderMessage(facts)),
                             approvals: signed } };
}

export function expired(key: StaffKey, now = new Date()): boolean {
  return new Date(key.expires_at).getTime() <= now.getTime();
}
