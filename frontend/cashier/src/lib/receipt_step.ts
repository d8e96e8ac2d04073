/** The receipt step after payment: how the receipt went (GET /v1/pos/orders/{id}/receipt) and
 *  sending it again or on another channel (POST). The server answers in people's words. */
import { call } from "./api.ts";
import { uuid7 } from "./uuid.ts";

export interface ReceiptMessage { channel: string; status: string; to: string; resend: boolean; updated_at: string }
export interface ReceiptStatus { outcome: string; reason: string | null; messages: ReceiptMessage[] }

const path = (clientOrderId: string) => `/v1/pos/orders/${encodeURIComponent(clientOrderId)}/receipt`;

export function receiptStatus(token: string, clientOrderId: string): Promise<ReceiptStatus> {
  return call<ReceiptStatus>(path(clientOrderId), { token });
}

export function sendReceipt(token: string, clientOrderId: string, channel: string, to: string):
    Promise<ReceiptStatus> {
  return call<ReceiptStatus>(path(clientOrderId), { method: "POST", token,
    body: { channel, to: to.trim() || null, request_id: uuid7() } });
}

/** Whether the status can still change without the cashier doing anything. */
export function settling(status: ReceiptStatus): boolean {
  return status.outcome === "queued" || status.messages.some((m) => m.status === "queued");
}

/** One line a cashier reads: "SMS to +91•••••7777: delivered". */
export function describe(m: ReceiptMessage): string {
  const names: Record<string, string> = { whatsapp: "WhatsApp", sms: "SMS", email: "Email" };
  return `${names[m.channel] ?? m.channel} to ${m.to}: ${m.status}${m.resend ? " (resent)" : ""}`;
}

/** Why nothing was sent, in words (the server's reasons are "channel: reason; …"). */
export function notSent(status: ReceiptStatus): string | null {
  if (status.messages.length || status.outcome === "queued") return null;
  return status.reason ? `Not sent: ${status.reason.replaceAll("_", " ")}` : "Not sent";
}
