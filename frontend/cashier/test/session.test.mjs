// The till session survives a reload: the cart, its member and the cashier come back from
// IndexedDB, locked (the PIN again, offline too); nothing secret is stored; a completed or
// voided sale clears it; the idle lock; the version 2 → 3 upgrade keeps the offline catalog.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { openDB } from "idb";
import { EMPTY_CART, TillApp, initialState } from "../../node_modules/.cashier-test/app_state.js";
import { openTill } from "../../node_modules/.cashier-test/db.js";
import { loadSession, reviveCart, storableCart, watchIdle } from "../../node_modules/.cashier-test/session.js";
import { checkPin, seal } from "../../node_modules/.cashier-test/staff.js";

globalThis.navigator ??= { onLine: false };
globalThis.window ??= new EventTarget(); // the page's events: online/offline, the idle lock's

let n = 0;
const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQ";
const asha = { staff: { id: "s1", name: "Asha", role: "cashier" },
               key: { id: "k1", secret: SECRET, expires_at: "2099-01-01T00:00:00Z" } };
const meera = { id: "s2", name: "Meera", role: "manager" };
const line = { key: "v1", variant_id: "v1", product_id: "p1", name: "Chai", quantity: "1", unit_price: 9000,
               discount: 0, tax_rate: "5", tax_inclusive: true, note: "no sugar" };
const approved = { ...line, key: "v2", variant_id: "v2", name: "Cake", discount: 5000,
                   approved_by: { id: meera.id, name: meera.name },
                   approval_key: { id: "k2", secret: "bWFuYWdlci1zZWNyZXQ", expires_at: "2099-01-01T00:00:00Z" } };
const member = { member_id: "m1", phone: "+919845012345", spendable: 100 };
const device = { device_token: "tok", terminal: { id: "t1" }, location: { id: "l1", name: "MG Road" },
                 workspace: { id: "w1", currency: "INR" } };

/** The network: a few routes, or none at all (offline). */
function network(routes = null) {
  globalThis.fetch = async (url) => {
    const route = routes && Object.keys(routes).find((r) => url.startsWith(r));
    if (!routes) throw new TypeError("Failed to fetch");
    if (!route) return Response.json({ error: { code: "not_found", message: "no" } }, { status: 404 });
    return Response.json(routes[route][1], { status: routes[route][0] });
  };
}

/** A paired till with a catalog, as a page load finds it. */
async function pairedTill() {
  const db = await openTill(`session-${++n}`);
  await db.put("meta", device, "device");
  await db.put("meta", "7", "catalog_cursor");
  await db.put("meta", [asha.staff, meera], "staff");
  await db.put("meta", await seal("2468", asha.key), `pin:${asha.staff.id}`); // from an online sign-in
  return db;
}

const until = async (app, ok) => {
  for (let i = 0; i < 200 && !ok(app.store.get()); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok(app.store.get()), JSON.stringify({ screen: app.store.get().screen, locked: app.store.get().locked }));
};

/** Ring up a sale in one page load, then "reload": a new app on the same database. */
async function ringThenReload(db) {
  const first = new TillApp(db, { ...initialState(true), screen: "sale", device, active: true });
  first.signIn(asha);
  first.updateCart(() => ({ lines: [line, approved], member }));
  await first.saved();
  const app = new TillApp(db);
  app.start();
  await until(app, (s) => s.screen === "sale" && s.locked !== null);
  return app;
}

for (const [where, routes] of [["offline", null], ["online", { "/v1/pos/staff": [200, { data: [asha.staff, meera] }] }]]) {
  test(`a reload ${where} brings the cart and the cashier back, locked until the PIN`, async () => {
    const db = await pairedTill();
    network(routes);
    const app = await ringThenReload(db);
    const s = app.store.get();
    assert.equal(s.cashier, null); // no key in memory: every sale is signed, so the PIN first
    assert.deepEqual(s.locked, asha.staff);
    assert.deepEqual(s.cart.member, member);
    assert.equal(s.cart.lines[0].note, "no sugar");
    // the approval could not be signed any more: it comes off with its discount, and we say so
    assert.deepEqual([s.cart.lines[1].discount, s.cart.lines[1].approved_by], [0, undefined]);
    assert.match(s.notice, /Cake/);
    network(null); // the PIN is checked offline against the key sealed at the online sign-in
    assert.equal((await checkPin(db, "tok", asha.staff, "1111")).ok, false);
    const pin = await checkPin(db, "tok", asha.staff, "2468");
    assert.ok(pin.ok && pin.offline);
    app.signIn({ staff: asha.staff, key: pin.key });
    assert.equal(app.store.get().cart.lines.length, 2); // unlocking keeps the sale
    app.stop();
    db.close();
  });
}

test("nothing secret is stored: no PIN, no staff key, no manager's approval key", async () => {
  const db = await pairedTill();
  const app = new TillApp(db, { ...initialState(true), screen: "sale", device, active: true });
  app.signIn(asha);
  app.updateCart(() => ({ lines: [line, approved], member }));
  await app.saved();
  const stored = JSON.stringify(await loadSession(db));
  for (const secret of [SECRET, approved.approval_key.secret, "2468", "k1", "k2"]) assert.ok(!stored.includes(secret), secret);
  assert.equal(storableCart({ lines: [approved], member: null }).lines[0].approved_by.name, "Meera");
  assert.equal(reviveCart({ lines: [approved], member: null }).cart.lines[0].discount, 5000); // key in memory: kept
  db.close();
});

test("a completed sale and a voided one clear the stored cart; signing out clears the session", async () => {
  const db = await pairedTill();
  network(null);
  const app = new TillApp(db, { ...initialState(true), screen: "sale", device, active: true });
  app.signIn(asha);
  app.updateCart(() => ({ lines: [line] }));
  await app.saved();
  assert.equal((await loadSession(db)).cart.lines.length, 1);
  await app.complete({ lines: [line], member: null, payments: [{ method: "cash", amount: 9000 }],
                       channel: "print", phone: "", email: "" });
  // emptied in the sale's own transaction (no wait for the session writer): a crash right after
  // cannot bring the paid cart back to be rung up twice; Asha still holds the till
  assert.deepEqual((await loadSession(db)).cart, EMPTY_CART);
  assert.equal(await db.count("outbox"), 1);
  app.show("sale");
  app.updateCart(() => ({ lines: [line], member }));
  await app.saved();
  assert.equal((await loadSession(db)).cart.lines.length, 1);
  app.voidSale();
  await app.saved();
  assert.deepEqual((await loadSession(db)).cart, EMPTY_CART);
  app.signIn(null);
  await app.saved();
  assert.equal(await loadSession(db), undefined);
  db.close();
});

test("a read-only second tab does not overwrite the stored sale", async () => {
  const db = await pairedTill();
  const app = new TillApp(db, { ...initialState(true), screen: "sale", device, active: false });
  app.signIn(asha);
  app.updateCart(() => ({ lines: [line] }));
  await app.saved();
  assert.equal(await loadSession(db), undefined);
  db.close();
});

test("the idle lock keeps the cart and asks for the PIN after the configured minutes", async () => {
  const db = await pairedTill();
  const app = new TillApp(db, { ...initialState(true), screen: "sale", device, active: true });
  app.signIn(asha);
  app.updateCart(() => ({ lines: [line] }));
  app.lock();
  assert.deepEqual([app.store.get().cashier, app.store.get().locked, app.store.get().cart.lines.length],
                   [null, asha.staff, 1]);
  // the watch itself, on a clock we move
  const page = new EventTarget();
  let now = 0;
  let fired = 0;
  const timers = [];
  const realSetInterval = globalThis.setInterval;
  globalThis.setInterval = (fn) => { timers.push(fn); return 0; };
  const stop = watchIdle(() => 5, () => { fired += 1; }, page, () => now);
  globalThis.setInterval = realSetInterval;
  const tick = () => timers.forEach((fn) => fn());
  now = 4 * 60_000; page.dispatchEvent(new Event("keydown")); // someone is there
  now = 8 * 60_000; tick();
  assert.equal(fired, 0);
  now = 9 * 60_000; tick(); tick();
  assert.equal(fired, 1); // once, until someone touches the till again
  page.dispatchEvent(new Event("pointerdown"));
  now = 15 * 60_000; tick();
  assert.equal(fired, 2);
  const never = watchIdle(() => 0, () => { fired += 1; }, page, () => now + 1e9);
  never(); stop();
  db.close();
});

test("opening a version-2 till adds the session store and keeps the offline catalog", async () => {
  const name = `session-${++n}`;
  const old = await openDB(name, 2, { upgrade(db) {
    db.createObjectStore("taxes", { keyPath: "id" });
    db.createObjectStore("outbox", { keyPath: "id" }).createIndex("seq", "seq", { unique: true });
    db.createObjectStore("sent", { keyPath: "id" }).createIndex("seq", "seq");
    db.createObjectStore("meta");
    db.createObjectStore("variants", { keyPath: "id" });
    db.createObjectStore("products", { keyPath: "id" });
    db.createObjectStore("blocks");
  } });
  await old.put("blocks", { rows: [["v1", "p1"]] }, "v:000000");
  await old.put("variants", { id: "v9", product_id: "p1", options: [], price: 100 });
  await old.put("meta", "7", "catalog_cursor");
  await old.put("outbox", { id: "o1", seq: 1, body: {}, status: "pending" });
  old.close();
  const db = await openTill(name);
  assert.equal(db.version, 3);
  assert.equal(await db.get("meta", "catalog_cursor"), "7"); // no fresh snapshot needed
  assert.deepEqual(await db.getAllKeys("blocks"), ["v:000000"]);
  assert.equal((await db.get("variants", "v9")).price, 100);
  assert.equal((await db.get("outbox", "o1")).seq, 1);
  assert.equal(await db.count("session"), 0);
  db.close();
});
