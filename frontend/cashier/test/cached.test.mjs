// The cached resource: a fresh value is stored with its time, the stored copy (with its age) is
// served when the server cannot be had, and copies an older till stored still load.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { cached, remember } from "../../node_modules/.cashier-test/cached.js";
import { getMeta, openTill, setMeta } from "../../node_modules/.cashier-test/db.js";

let n = 0;
const fresh = () => openTill(`cached-${++n}`);
const down = async () => { throw new TypeError("Failed to fetch"); };

test("a fresh value is stored as-is under its key, its time beside it", async () => {
  const db = await fresh();
  const got = await cached(db, { key: "staff", fetch: async () => [{ id: "s1" }] });
  assert.deepEqual(got.value, [{ id: "s1" }]);
  assert.equal(got.stale, false);
  assert.deepEqual(await getMeta(db, "staff"), [{ id: "s1" }]); // the format older tills wrote
  assert.equal(await getMeta(db, "fetched_at:staff"), got.fetchedAt);
  const offline = await cached(db, { key: "staff", fetch: down });
  assert.deepEqual(offline.value, [{ id: "s1" }]);
  assert.equal(offline.stale, true);
  assert.equal(offline.fetchedAt, got.fetchedAt);
  assert.ok(offline.error instanceof TypeError);
  db.close();
});

test("a copy stored before the helper existed is served, with no age", async () => {
  const db = await fresh();
  await setMeta(db, "config", { discount_limit_bp: 1000 });
  const got = await cached(db, { key: "config", fetch: down });
  assert.deepEqual(got, { value: { discount_limit_bp: 1000 }, stale: true, fetchedAt: undefined, error: got.error });
  const none = await cached(db, { key: "receipt:m9", fetch: down });
  assert.equal(none.value, undefined);
  db.close();
});

test("merge sees the stored copy; fallback decides which failures serve it", async () => {
  const db = await fresh();
  await remember(db, "member:1", { points: 5, used: 3 }, new Date("2026-01-01T00:00:00Z"));
  const merged = await cached(db, { key: "member:1", fetch: async () => ({ points: 9 }),
                                    merge: (f, prior) => ({ ...f, used: prior?.used }) });
  assert.deepEqual(merged.value, { points: 9, used: 3 });
  const refused = new Error("refused");
  const onlyNetwork = (err) => err instanceof TypeError;
  await assert.rejects(cached(db, { key: "member:1", fetch: async () => { throw refused; }, fallback: onlyNetwork }),
                       (err) => err === refused);
  const stale = await cached(db, { key: "member:1", fetch: down, fallback: onlyNetwork });
  assert.deepEqual(stale.value, { points: 9, used: 3 });
  assert.notEqual(stale.fetchedAt, "2026-01-01T00:00:00.000Z");
  db.close();
});
