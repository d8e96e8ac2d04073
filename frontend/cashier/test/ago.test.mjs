// The age of a cached balance in a cashier's words, and the receipt step's lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ago } from "../../node_modules/.cashier-test/ago.js";
import { describe, notSent, settling } from "../../node_modules/.cashier-test/receipt_step.js";

test("a cached balance says how old it is", () => {
  const now = Date.now();
  const before = (minutes) => new Date(now - minutes * 60_000).toISOString();
  assert.equal(ago(before(0), now), "just now");
  assert.equal(ago(before(12), now), "12 min ago");
  assert.equal(ago(before(180), now), "3 h ago");
  assert.match(ago(before(5 * 24 * 60), now), /^on \S+ \S+$/);
  assert.equal(ago(undefined, now), "at an unknown time");
});

test("the receipt step reads in words", () => {
  const sms = { channel: "sms", status: "delivered", to: "+91•••••6666", resend: false, updated_at: "" };
  assert.equal(describe(sms), "SMS to +91•••••6666: delivered");
  assert.equal(describe({ ...sms, channel: "whatsapp", resend: true }), "WhatsApp to +91•••••6666: delivered (resent)");
  assert.equal(settling({ outcome: "sent", reason: null, messages: [{ ...sms, status: "queued" }] }), true);
  assert.equal(settling({ outcome: "sent", reason: null, messages: [sms] }), false);
  assert.equal(notSent({ outcome: "not_sent", reason: "whatsapp: channel_not_configured", messages: [] }),
               "Not sent: whatsapp: channel not configured");
  assert.equal(notSent({ outcome: "sent", reason: null, messages: [sms] }), null);
});
