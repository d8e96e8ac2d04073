// The API client: every call the till makes goes out with the same method, headers, cache mode
// and body as before the client existed; refusals and missing replies come back as two types.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import * as api from "../../node_modules/.cashier-test/api.js";
import { topUp } from "../../node_modules/.cashier-test/bills.js";
import { loadConfig } from "../../node_modules/.cashier-test/config.js";
import { getMeta, openTill, setMeta } from "../../node_modules/.cashier-test/db.js";
import { enroll, hold, lookup, release } from "../../node_modules/.cashier-test/loyalty.js";
import { receiptPreference } from "../../node_modules/.cashier-test/receipt.js";
import { checkPin, listStaff } from "../../node_modules/.cashier-test/staff.js";

let n = 0;
const fresh = () => openTill(`api-${++n}`);
const JSON_AUTH = { "content-type": "application/json", authorization: "Bearer tok" };
const AUTH = { authorization: "Bearer tok" };

/** Replace fetch: record each request, answer with ``reply(url)`` (a Response, or throw). */
function stub(reply = () => Response.json({})) {
  const seen = [];
  globalThis.fetch = async (url, init = {}) => {
    assert.deepEqual(Object.keys(init).filter((k) => !["method", "headers", "body", "cache"].includes(k)), []);
    seen.push({ url, method: init.method ?? "GET", cache: init.cache ?? "default",
                headers: Object.fromEntries(new Headers(init.headers)), body: init.body ?? null });
    return reply(url);
  };
  return seen;
}

const offline = () => { throw new TypeError("fetch failed"); };

test("each endpoint sends the headers, cache mode and body it always sent", async () => {
  const db = await fresh();
  const key = { id: "k", secret: "c2VjcmV0", expires_at: "2099-01-01T00:00:00Z" };
  const seen = stub((url) => Response.json(url.endsWith("/bill-codes") ? { codes: [] } :
    url.endsWith("/staff") ? { data: [] } : url.endsWith("/verify") ? { staff_key: key } : {}));
  await api.pair("  CODE1 ");
  await api.me("tok");
  await api.snapshot("tok", () => {});
  await api.changes("tok", "c 1");
  await api.orderSender("tok")({ id: "o1", body: { a: 1 } });
  await topUp(db, "tok", 3);
  await receiptPreference(db, "tok", "m 1");
  await lookup(db, "tok", "loyalty:ABC");
  await lookup(db, "tok", "+91 98765");
  await enroll(db, "tok", "+9198765");
  await hold("tok", { member_id: "m1", points: 5, bill_total: 100, idempotency_key: "i" });
  await release("tok", "h 1");
  await listStaff(db, "tok");
  await checkPin(db, "tok", { id: "s 1", name: "Asha", role: "cashier" }, "1234");
  await loadConfig(db, "tok");
  const get = (url, headers = JSON_AUTH) => ({ url, method: "GET", cache: "no-store", headers, body: null });
  const post = (url, body, cache = "no-store") => ({ url, method: "POST", cache, headers: JSON_AUTH, body });
  assert.deepEqual(seen, [
    { url: "/v1/pos/pair", method: "POST", cache: "default", headers: { "content-type": "application/json" },
      body: '{"pairing_code":"CODE1"}' },
    get("/v1/pos/me"),
    get("/v1/catalog/snapshot"),
    get("/v1/catalog/changes?cursor=c%201&limit=2000"),
    post("/v1/pos/orders", '{"a":1}', "default"),
    post("/v1/pos/bill-codes", '{"count":3}'),
    get("/v1/pos/members/m%201/receipt-channel", AUTH),
    get("/v1/loyalty/members?code=ABC"),
    get("/v1/loyalty/members?phone=%2B91%2098765"),
    post("/v1/loyalty/members", '{"phone":"+9198765"}'),
    post("/v1/loyalty/holds", '{"member_id":"m1","points":5,"bill_total":100,"idempotency_key":"i"}'),
    post("/v1/loyalty/holds/h%201/release", null),
    get("/v1/pos/staff"),
    post("/v1/pos/staff/s%201/verify", '{"pin":"1234"}', "default"),
    get("/v1/pos/config", AUTH),
  ]);
  db.close();
});

test("a refusal is an ApiError with the server's status, code and message", async () => {
  stub(() => Response.json({ error: { code: "pairing_invalid", message: "That code expired.", details: null } },
                           { status: 422 }));
  const err = await api.pair("x").catch((e) => e);
  assert.ok(err instanceof api.ApiError);
  assert.equal(err.status, 422);
  assert.equal(err.code, "pairing_invalid");
  assert.equal(err.serverMessage, "That code expired.");
  assert.equal(err.message, "HTTP 422"); // what the catalog error text quotes
  stub(() => new Response("<html>bad gateway</html>", { status: 502 }));
  const bare = await api.changes("tok", "1").catch((e) => e);
  assert.ok(bare instanceof api.ApiError);
  assert.equal(bare.status, 502);
  assert.equal(bare.code, undefined);
  assert.equal(bare.serverMessage, undefined);
});

test("no reply at all is an OfflineError, never an ApiError", async () => {
  stub(offline);
  const err = await api.changes("tok", "1").catch((e) => e);
  assert.ok(err instanceof api.OfflineError);
  assert.ok(!(err instanceof api.ApiError));
  assert.equal(err.message, "fetch failed"); // the cause's words, as the till showed them before
  // the outbox's sender throws on a network failure (the entry stays) and reports any status
  await assert.rejects(api.orderSender("tok")({ id: "o", body: {} }), api.OfflineError);
  stub(() => Response.json({ error: { code: "bad" } }, { status: 422 }));
  assert.deepEqual(await api.orderSender("tok")({ id: "o", body: {} }),
                   { status: 422, body: { error: { code: "bad" } } });
  stub(() => new Response(null, { status: 403 }));
  assert.equal(await api.me("tok"), 403);
});

test("the PIN check shows the server's refusal, or falls back offline", async () => {
  const db = await fresh();
  const asha = { id: "s1", name: "Asha", role: "cashier" };
  stub(() => Response.json({ error: { code: "locked", message: "Locked for 5 minutes." } }, { status: 423 }));
  assert.deepEqual(await checkPin(db, "tok", asha, "1234"), { ok: false, message: "Locked for 5 minutes." });
  stub(() => new Response("", { status: 500 }));
  assert.deepEqual(await checkPin(db, "tok", asha, "1234"), { ok: false, message: "Refused (500)." });
  stub(offline);
  assert.deepEqual(await checkPin(db, "tok", asha, "1234"),
                   { ok: false, message: "Offline: this person has not signed in on this till before." });
  db.close();
});

test("offline, the stored config, staff, receipt preference and member are served", async () => {
  const db = await fresh();
  stub(() => Response.json({ discount_limit_bp: 500 }));
  const online = await loadConfig(db, "tok");
  assert.equal(online.discount_limit_bp, 500);
  await setMeta(db, "staff", [{ id: "s1", name: "Asha", role: "cashier" }]); // stored by an older till
  await setMeta(db, "receipt:m1", { channel: "sms" });
  stub(() => Response.json({ member_id: "m1", member_code: "ABC", spendable: 40, rewards: [] }));
  const member = await lookup(db, "tok", "ABC");
  assert.equal(member.stale, undefined);
  stub(offline);
  assert.deepEqual(await loadConfig(db, "tok"), online);
  assert.deepEqual(await listStaff(db, "tok"), [{ id: "s1", name: "Asha", role: "cashier" }]);
  assert.deepEqual(await receiptPreference(db, "tok", "m1"), { channel: "sms" });
  const stale = await lookup(db, "tok", "ABC");
  assert.equal(stale.stale, true);
  assert.equal(stale.spendable, 40);
  assert.equal(stale.fetched_at, member.fetched_at);
  await assert.rejects(lookup(db, "tok", "NOPE"), api.OfflineError); // offline and not cached
  stub(() => new Response(null, { status: 404 }));
  assert.equal(await lookup(db, "tok", "NOPE"), null);
  stub(() => new Response(null, { status: 500 }));
  await assert.rejects(lookup(db, "tok", "ABC"), api.ApiError); // a refusal is not "offline"
  assert.deepEqual(await listStaff(db, "tok"), [{ id: "s1", name: "Asha", role: "cashier" }]); // as before: any failure
  assert.equal((await getMeta(db, "member:ABC")).spendable, 40);
  db.close();
});
