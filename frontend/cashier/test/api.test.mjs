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
  const seen = stub((url) => Response.json(url.endsWith("/bill-codes") ? { codes: [] } :
    url.endsWith("/staff") ? { data: [] } : url.endsWith("/verify") ? { staff_key: { id: "k", secret: "c2VjcmV0", expires_at: "2099-01-01T00:00:00Z" } } : {}));
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
