// The till's app state: the store tells its listeners, the cart lives as long as someone holds
// the till, and pairing and a completed sale move through the same screens.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { EMPTY_CART, initialState, keepCart, TillApp } from "../../node_modules/.cashier-test/app_state.js";
import { openTill } from "../../node_modules/.cashier-test/db.js";
import { unsynced } from "../../node_modules/.cashier-test/outbox.js";
import { flushOutbox } from "../../node_modules/.cashier-test/till.js";
import { createStore } from "../../node_modules/.cashier-test/store.js";

let n = 0;
const state = (patch = {}) => ({ ...initialState(true), ...patch });
const asha = { staff: { id: "s1", name: "Asha", role: "cashier" },
               key: { id: "k1", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ", expires_at: "2099-01-01T00:00:00Z" } };
const line = { key: "v1", variant_id: "v1", product_id: "p1", name: "Chai", quantity: "1", unit_price: 9000,
               discount: 0, tax_rate: "5", tax_inclusive: true };
const device = { device_token: "tok", terminal: { id: "t1" }, location: { id: "l1", name: "MG Road" },
                 workspace: { id: "w1", currency: "INR" } };

/** Answer the till's requests like a small server. */
function server(routes) {
  const seen = [];
  globalThis.fetch = async (url, init = {}) => {
    seen.push(`${init.method ?? "GET"} ${url}`);
    const route = Object.keys(routes).find((r) => url.startsWith(r));
    if (!route) return Response.json({ error: { code: "not_found", message: "no" } }, { status: 404 });
    const [status, body] = routes[route];
    if (status === 0) throw new TypeError("Failed to fetch");
    return Response.json(body, { status });
  };
  return seen;
}

const until = async (app, ok) => {
  for (let i = 0; i < 200 && !ok(app.store.get()); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok(app.store.get()), JSON.stringify(app.store.get().screen));
};

test("the store replaces its state, tells listeners once per change, and stops telling them", () => {
  const store = createStore({ a: 1 });
  let told = 0;
  const stop = store.subscribe(() => { told += 1; });
  const before = store.get();
  store.update((s) => ({ ...s, a: 2 }));
  store.update((s) => s); // no change, nobody told
  assert.equal(told, 1);
  assert.deepEqual(store.get(), { a: 2 });
  assert.deepEqual(before, { a: 1 });
  stop();
  store.update(() => ({ a: 3 }));
  assert.equal(told, 1);
});

test("the cart lasts while someone holds the till, signed in or locked, until the receipt", () => {
  const cart = { lines: [line], member: null };
  const ringing = state({ screen: "sale", cashier: asha, cart });
  for (const stay of [{}, { screen: "sync" }, { cashier: null, locked: asha.staff }]) {
    assert.equal(keepCart({ ...ringing, ...stay }).cart, cart);
  }
  for (const away of [{ screen: "receipt" }, { cashier: null }]) {
    assert.equal(keepCart({ ...ringing, ...away }).cart, EMPTY_CART);
  }
});

test("cart actions go through the store; signing out empties the cart", async () => {
  const db = await openTill(`app-${++n}`);
  const app = new TillApp(db, state({ screen: "sale", device }));
  app.signIn(asha);
  app.updateCart((c) => ({ lines: [...c.lines, line] }));
  app.updateCart(() => ({ member: { member_id: "m1" } }));
  assert.deepEqual(app.store.get().cart, { lines: [line], member: { member_id: "m1" } });
  app.signIn(null);
  assert.equal(app.store.get().cart, EMPTY_CART);
  db.close();
});

test("pairing saves the device, loads staff and the catalog, then shows the sale screen", async () => {
  const db = await openTill(`app-${++n}`);
  const seen = server({ "/v1/pos/pair": [201, device], "/v1/pos/staff": [200, { data: [asha.staff] }],
    "/v1/catalog/snapshot": [200, { cursor: "1", location: {}, tax_classes: [], products: [], variants: [] }] });
  const app = new TillApp(db, state({ screen: "pair" }));
  await app.pair("CODE");
  assert.equal(app.store.get().screen, "loading");
  await until(app, (s) => s.screen === "sale");
  assert.deepEqual(app.store.get().staff, [asha.staff]);
  assert.deepEqual(seen, ["POST /v1/pos/pair", "GET /v1/pos/staff", "GET /v1/catalog/snapshot"]);
  server({ "/v1/pos/pair": [404, { error: { code: "pairing_invalid", message: "no" } }] });
  await app.pair("BAD");
  assert.equal(app.store.get().error, "That code is not valid or has expired.");
  server({ "/v1/pos/pair": [0, null] });
  await app.pair("CODE");
  assert.equal(app.store.get().error, "Cannot reach the server.");
  db.close();
});

test("a completed sale is in the outbox before the receipt shows, and the cart is emptied", async () => {
  globalThis.navigator ??= { onLine: false };
  const db = await openTill(`app-${++n}`);
  server({ "/v1/pos/orders": [0, null] }); // offline: the sale stays in the outbox
  const app = new TillApp(db, state({ screen: "sale", device }));
  app.signIn(asha);
  app.updateCart(() => ({ lines: [line] }));
  const payments = [{ method: "cash", amount: 9000 }];
  await app.complete({ lines: [line], member: null, payments, channel: "print", phone: "", email: "" });
  const s = app.store.get();
  assert.equal(s.screen, "receipt");
  assert.equal(s.cart, EMPTY_CART);
  assert.equal(s.sync.unsynced, 1);
  const [entry] = await unsynced(db);
  assert.equal(entry.id, s.last.id);
  assert.equal(entry.body.metadata.cashier.name, "Asha");
  assert.equal(entry.body.proof.key_id, "k1");
  await flushOutbox(db, device); // the send complete() started (shared), then its refresh
  await app.refresh();
  db.close();
});
