// The outbox: durable across re-opens, entries leave only after an ack, replays are harmless.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { openTill } from "../../node_modules/.cashier-test/db.js";
import { enqueue, exportUnsynced, flush, retry, unsynced, unsyncedCount } from "../../node_modules/.cashier-test/outbox.js";
import { uuid7 } from "../../node_modules/.cashier-test/uuid.js";

let n = 0;
const fresh = () => `till-${++n}`;
const order = (total) => ({ occurred_at: "2026-11-25T10:00:00Z", lines: [{ sku: "A", quantity: "1", unit_price: total }] });

/** A fake server: idempotent on client_order_id, like POST /v1/pos/orders. */
function server() {
  const orders = new Map();
  const send = async (entry) => {
    const id = entry.body.client_order_id;
    if (orders.has(id)) return { status: 200, body: { ...orders.get(id), replayed: true } };
    const reply = { order_id: `ord_${orders.size + 1}`, replayed: false };
    orders.set(id, reply);
    return { status: 201, body: reply };
  };
  return { orders, send };
}

test("a sale survives closing and re-opening the database", async () => {
  const name = fresh();
  let db = await openTill(name);
  const id = uuid7();
  await enqueue(db, id, order(100));
  db.close();
  db = await openTill(name);
  const left = await unsynced(db);
  assert.equal(left.length, 1);
  assert.equal(left[0].id, id);
  assert.equal(left[0].body.client_order_id, id);
  assert.equal(left[0].body.metadata.terminal_seq, 1);
  db.close();
});

test("entries leave only after the server acknowledged them, in receipt order", async () => {
  const db = await openTill(fresh());
  const ids = [uuid7(), uuid7(), uuid7()];
  for (const id of ids) await enqueue(db, id, order(100));
  const { orders, send } = server();
  let calls = 0;
  const flaky = async (entry) => { if (++calls === 2) throw new TypeError("Failed to fetch"); return send(entry); };
  const first = await flush(db, flaky);
  assert.deepEqual([first.sent, first.remaining, first.offline], [1, 2, true]);
  assert.deepEqual((await unsynced(db)).map((e) => e.id), ids.slice(1));
  const second = await flush(db, send);
  assert.deepEqual([second.sent, second.remaining], [2, 0]);
  assert.equal(orders.size, 3);
  assert.equal(await db.count("sent"), 3);
  db.close();
});

test("a lost response is replayed without a duplicate", async () => {
  const db = await openTill(fresh());
  await enqueue(db, uuid7(), order(250));
  const { orders, send } = server();
  // the server commits, then the reply is lost on the way back
  const lossy = async (entry) => { await send(entry); throw new TypeError("network connection lost"); };
  assert.equal((await flush(db, lossy)).remaining, 1);
  const again = await flush(db, send);
  assert.equal(again.sent, 1);
  assert.equal(orders.size, 1);
  const [acked] = await db.getAll("sent");
  assert.equal(acked.reply.replayed, true);
  db.close();
});

test("a refused order is kept, flagged and not retried until asked", async () => {
  const db = await openTill(fresh());
  const id = uuid7();
  await enqueue(db, id, order(1));
  const refuse = async () => ({ status: 422, body: { error: { code: "totals_mismatch" } } });
  const report = await flush(db, refuse);
  assert.deepEqual([report.rejected, report.remaining], [1, 1]);
  const [kept] = await unsynced(db);
  assert.equal(kept.status, "rejected");
  assert.match(kept.last_error, /totals_mismatch/);
  let called = 0;
  await flush(db, async () => { called++; return { status: 201, body: {} }; });
  assert.equal(called, 0);
  await retry(db, id);
  await flush(db, async () => ({ status: 201, body: {} }));
  assert.equal(await unsyncedCount(db), 0);
  db.close();
});

test("a revoked till keeps its sales and stops sending", async () => {
  const db = await openTill(fresh());
  await enqueue(db, uuid7(), order(1));
  await enqueue(db, uuid7(), order(2));
  let calls = 0;
  const report = await flush(db, async () => { calls++; return { status: 401, body: null }; });
  assert.equal(report.unauthorized, true);
  assert.equal(calls, 1);
  assert.equal(await unsyncedCount(db), 2);
  const exported = JSON.parse(await exportUnsynced(db, { terminal: "T1" }));
  assert.equal(exported.orders.length, 2);
  assert.deepEqual(exported.orders.map((o) => o.seq), [1, 2]);
  db.close();
});

test("uuid7 ids are valid, unique and time-ordered", () => {
  const a = uuid7(1_700_000_000_000);
  const b = uuid7(1_700_000_000_001);
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(a < b);
  assert.notEqual(uuid7(), uuid7());
});

test("each sale spends one pre-issued bill code, never twice, even across a top-up", async () => {
  const { topUp } = await import("../../node_modules/.cashier-test/bills.js");
  const db = await openTill(fresh());
  const codes = ["AAA", "BBB", "CCC"].map((c, i) => ({ code: c, url: `http://t.example/b/${c}`, invoice_number: `INV-${i + 1}` }));
  globalThis.fetch = async () => new Response(JSON.stringify({ codes }), { status: 200 });
  assert.equal(await topUp(db, "dt_x"), 3);
  const a = await enqueue(db, uuid7(), order(1));
  const b = await enqueue(db, uuid7(), order(2));
  assert.deepEqual([a.bill.code, b.bill.code], ["AAA", "BBB"]);
  assert.deepEqual([a.body.metadata.bill_code, a.body.metadata.invoice_number], ["AAA", "INV-1"]);
  // the server still lists AAA/BBB as unused (not synced yet): the top-up must not hand them out again
  assert.equal(await topUp(db, "dt_x"), 1);
  const c = await enqueue(db, uuid7(), order(3));
  assert.equal(c.bill.code, "CCC");
  const d = await enqueue(db, uuid7(), order(4));
  assert.equal(d.bill, undefined); // pool empty: the bill is issued when the order syncs
  db.close();
});
