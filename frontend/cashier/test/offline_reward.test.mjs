// A reward applied offline (issue 20): the till's rule (the allowance and the last known
// balance), the order it sends (no hold, loyalty.offline_reward_id, the discount on the lines,
// signed in the hold's slot) and the cached balance and allowance it spends.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { orderBody } from "../../node_modules/.cashier-test/cart.js";
import { getMeta, openTill, setMeta } from "../../node_modules/.cashier-test/db.js";
import { spendOffline } from "../../node_modules/.cashier-test/loyalty.js";
import { allowanceLeft, offlineRewardError } from "../../node_modules/.cashier-test/policy.js";
import { factsOf } from "../../node_modules/.cashier-test/proof.js";
import { rewardDiscount, withReward } from "../../node_modules/.cashier-test/rewards.js";

const chai = { name: "Free Masala Chai", points_cost: 50, eligible: true };
const terms = { cap: 500, allowance: 500, spendable: 120, hasPhone: true };

test("an offline reward must fit the last known balance and the till's allowance today", () => {
  assert.equal(offlineRewardError(chai, terms), null);
  assert.match(offlineRewardError(chai, { ...terms, spendable: 40 }), /costs 50 points; the last known balance is 40/);
  assert.match(offlineRewardError(chai, { ...terms, allowance: 30 }), /30 are left of this till's offline allowance/);
  assert.match(offlineRewardError(chai, { ...terms, cap: 0, allowance: 0 }), /switched off/);
  assert.match(offlineRewardError(chai, { ...terms, hasPhone: false }), /phone/);
  assert.match(offlineRewardError({ ...chai, eligible: false }, terms), /not eligible/);
  // the window closed since the last look-up: the till stops offering it on its own
  const ended = { ...chai, valid_until: "2026-01-31T18:30:00+00:00" };
  assert.match(offlineRewardError(ended, { ...terms, now: new Date("2026-02-01T00:00:00+05:30") }), /not valid today/);
  assert.equal(offlineRewardError(ended, { ...terms, now: new Date("2026-01-31T23:00:00+05:30") }), null);
  const today = new Date().toISOString().slice(0, 10);
  assert.equal(allowanceLeft(70, { day: today, points: 50 }), 20); // a second chai does not fit
  assert.match(offlineRewardError(chai, { ...terms, allowance: allowanceLeft(70, { day: today, points: 50 }) }), /20 are left/);
});

test("the order names the reward, carries its discount on the lines and signs it", () => {
  const lines = [
    { key: "c", sku: "MASALA-CHAI", name: "Masala Chai", quantity: "1", unit_price: 12_900, discount: 0, tax_rate: "5", tax_inclusive: true },
    { key: "l", sku: "LAT-L", name: "Latte", quantity: "1", unit_price: 28_900, discount: 0, tax_rate: "5", tax_inclusive: true },
  ];
  const d = rewardDiscount({ kind: "free_item", sku: "MASALA-CHAI" }, lines);
  const body = orderBody(withReward(lines, d), [{ method: "cash", amount: 28_900 }],
    { occurredAt: new Date(), currency: "INR", receiptChannel: "print", customerPhone: "+919845012345",
      offlineRewardId: "rw_1", reward: { name: "Free Masala Chai", discount: d.total } });
  assert.deepEqual(body.loyalty, { offline_reward_id: "rw_1" });
  assert.deepEqual(body.lines.map((l) => [l.discount, l.reward_discount]), [[12_900, 12_900], [0, undefined]]);
  assert.equal(body.totals.total, 28_900);
  assert.ok(!body.payments.some((p) => p.method === "points")); // a reward is never a tender
  const facts = factsOf({ ...body, client_order_id: "c1" }, "sk_1", true);
  assert.equal(facts.hold_id, "rw_1");
  assert.equal(facts.offline_points, 0);
  const held = orderBody(lines, [], { occurredAt: new Date(), currency: "INR", receiptChannel: "print",
                                      holdId: "lh_1", offlineRewardId: "rw_1" });
  assert.deepEqual(held.loyalty, { hold_id: "lh_1" }); // a hold wins: never both
});

test("an offline reward lowers the cached balance and counts against the allowance", async () => {
  const db = await openTill("offline-reward");
  const member = { member_id: "la_1", member_code: "K", available: 120, spendable: 120, pending: 0,
                   points_name: "points", point_value: 100, rewards: [], phone: "+919845012345" };
  await setMeta(db, `member:${member.phone}`, member);
  await spendOffline(db, member, 50);
  const cached = await getMeta(db, `member:${member.phone}`);
  assert.equal(cached.spendable, 70);
  assert.equal(allowanceLeft(500, cached.offline_used), 450);
  db.close();
});
