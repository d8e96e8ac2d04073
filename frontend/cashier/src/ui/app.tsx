/** The till: pairing, first catalog load, then the sale and receipt screens. */
import { useEffect, useState } from "preact/hooks";
import * as api from "../lib/api.ts";
import { approvalsOf, orderBody } from "../lib/cart.ts";
import { DB_NAME, getMeta, type OutboxEntry, type Till } from "../lib/db.ts";
import { loadConfig } from "../lib/config.ts";
import { spendOffline } from "../lib/loyalty.ts";
import { enqueue, exportUnsynced, flaggedReports, redemptionReports, unsyncedCount } from "../lib/outbox.ts";
import { DEFAULT_CONFIG, type TillConfig } from "../lib/policy.ts";
import { expired, signOrder, type StaffKey } from "../lib/proof.ts";
import * as till from "../lib/till.ts";
import { uuid7 } from "../lib/uuid.ts";
import { Receipt } from "./receipt.tsx";
import { listStaff, type Staff } from "../lib/staff.ts";
import { Sale, type Checkout } from "./sale.tsx";
import { SignIn } from "./signin.tsx";
import { SyncView } from "./syncview.tsx";

type Screen = "boot" | "pair" | "loading" | "sale" | "receipt" | "revoked" | "sync";

export function App({ db }: { db: Till }) {
  const [screen, setScreen] = useState<Screen>("boot");
  const [device, setDevice] = useState<api.Device | null>(null);
  const [progress, setProgress] = useState({ phase: "", done: 0, total: 0 });
  const [unsynced, setUnsynced] = useState(0);
  const [online, setOnline] = useState(navigator.onLine);
  const [syncedAt, setSyncedAt] = useState<string | undefined>();
  const [active, setActive] = useState(false);
  const [persisted, setPersisted] = useState(true);
  const [last, setLast] = useState<OutboxEntry | null>(null);
  const [error, setError] = useState("");
  const [staff, setStaff] = useState<Staff[]>([]);
  const [cashier, setCashier] = useState<{ staff: Staff; key: StaffKey } | null>(null);
  const [flagged, setFlagged] = useState(0);
  const [config, setConfig] = useState<TillConfig>(DEFAULT_CONFIG);
  const [refused, setRefused] = useState(0);

  const refresh = async () => {
    const left = await unsyncedCount(db);
    setUnsynced(left);
    if (left === 0) setError((e) => (e.startsWith("Refused:") ? "" : e)); // the refusal no longer holds
    setRefused((await redemptionReports(db)).length);
    setFlagged((await flaggedReports(db)).length);
    setSyncedAt(await getMeta<string>(db, "catalog_synced_at"));
  };
  const flush = async (d: api.Device) => {
    const report = await till.flushOutbox(db, d);
    if (report.unauthorized && [401, 403].includes(await api.me(d.device_token).catch(() => 0))) {
      setScreen("revoked");
    }
    await refresh();
  };
  const catchUp = async (d: api.Device) => {
    try { await till.deltaSync(db, d, onProgress); } catch { /* offline: keep the local catalog */ }
    await till.topUpBills(db, d);
    setConfig(await loadConfig(db, d.device_token));
    await refresh();
  };
  const onProgress = (phase: string, done: number, total: number) => setProgress({ phase, done, total });

  useEffect(() => {
    till.claimTab(() => setActive(true));
    void till.persistStorage().then(setPersisted);
    void (async () => {
      const saved = await till.savedDevice(db);
      await refresh();
      if (!saved) { setScreen("pair"); return; }
      setDevice(saved);
      setStaff(await listStaff(db, saved.device_token));
      setConfig(await loadConfig(db, saved.device_token));
      setScreen((await getMeta(db, "catalog_cursor")) ? "sale" : "loading");
    })();
  }, []);
  // start-up, reconnect and timer: flush the outbox (only the active tab sends)
  useEffect(() => {
    if (!device || !active) return;
    const d = device;
    void flush(d).then(() => catchUp(d));
    const goOnline = () => { setOnline(true); void flush(d).then(() => catchUp(d)); };
    const goOffline = () => setOnline(false);
    window.addEventListener("online", goOnline);
    window.addEventListener("offline", goOffline);
    const t1 = setInterval(() => void flush(d).then(() => till.topUpBills(db, d)), till.FLUSH_MS);
    const t2 = setInterval(() => void catchUp(d), till.DELTA_MS);
    return () => { window.removeEventListener("online", goOnline); window.removeEventListener("offline", goOffline);
                   clearInterval(t1); clearInterval(t2); };
  }, [device, active]);
  useEffect(() => {
    if (screen !== "loading" || !device) return;
    void till.fullSync(db, device, onProgress).then(async () => { await refresh(); setScreen("sale"); })
      .catch((e) => setError(`Catalog download failed (${(e as Error).message}); retry when online.`));
  }, [screen, device]);

  const doPair = async (code: string) => {
    try {
      const d = await api.pair(code);
      await till.saveDevice(db, d);
      setDevice(d);
      setError("");
      setStaff(await listStaff(db, d.device_token));
      setScreen("loading");
    } catch (e) {
      setError(e instanceof api.ApiError ? "That code is not valid or has expired." : "Cannot reach the server.");
    }
  };
  const complete = async (c: Checkout) => {
    if (!cashier) { setError("Sign in first: every sale is signed by the staff member who rings it up."); return; }
    const id = uuid7();
    const plain = orderBody(c.lines, c.payments, {
      occurredAt: new Date(), currency: device?.workspace.currency ?? "INR", receiptChannel: c.channel,
      customerPhone: c.member?.phone || c.phone || undefined, customerEmail: c.email.trim() || undefined,
      holdId: c.holdId, offlinePoints: c.offlinePoints, memberId: c.member?.member_id,
      cashier: { id: cashier.staff.id, name: cashier.staff.name } });
    // made offline: no network, points taken against the offline allowance, or a key the
    // server would no longer accept online (the server then flags instead of refusing)
    const offline = !navigator.onLine || !!c.offlinePoints || expired(cashier.key);
    const body = await signOrder({ ...plain, client_order_id: id }, cashier.key, offline, approvalsOf(c.lines));
    const entry = await enqueue(db, id, body); // durable before anything else happens
    if (c.offlinePoints && c.member) await spendOffline(db, c.member, c.offlinePoints);
    setLast(entry);
    setScreen("receipt");
    await refresh();
    if (device) void flush(device);
  };
  /** Unpair and wipe this till: refused while any sale is unsynced. */
  const unpair = async () => {
    const left = await unsyncedCount(db);
    if (left > 0) { setError(`Refused: ${left} unsynced sale(s). Sync or export them first.`); return; }
    db.close();
    indexedDB.deleteDatabase(DB_NAME);
    location.reload();
  };
  const download = async () => {
    const blob = new Blob([await exportUnsynced(db, device)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `activepos-unsynced-${new Date().toISOString()}.json`;
    a.click();
  };
  const currency = device?.workspace.currency ?? "INR";
  const header = device ? `${device.location.name ?? device.location.code ?? ""}` : "ActivePOS";
  return (
    <div class="app">
      <header class="top noprint">
        <b>ActivePOS</b>
        {device && <span>{header} · {device.terminal.terminal_id ?? device.terminal.id}</span>}
        <span class={online ? "pill ok" : "pill off"} data-testid="online">{online ? "online" : "offline"}</span>
        <span class={unsynced ? "pill warn" : "pill ok"} data-testid="unsynced">{unsynced} unsynced</span>
        {syncedAt && <span class="small" data-testid="synced-at">catalog {new Date(syncedAt).toLocaleTimeString()}</span>}
        {unsynced > 0 && <button class="link" onClick={() => void download()}>Export unsynced</button>}
        {device && <button class="link" data-testid="open-sync" onClick={() => setScreen("sync")}>
          Sync{refused > 0 ? ` · ${refused} redemption(s) refused` : ""}{flagged > 0 ? ` · ${flagged} flagged` : ""}</button>}
        {cashier && <span data-testid="cashier">{cashier.staff.name}
          <button class="link" onClick={() => setCashier(null)}>sign out</button></span>}
        {device && <button class="link" data-testid="unpair" onClick={() => void unpair()}>Unpair till</button>}
      </header>
      {!persisted && <p class="warning noprint">Storage is not persistent: the browser may evict data. Keep syncing.</p>}
      {device && !active && <p class="warning noprint" data-testid="second-tab">ActivePOS is open in another tab; this one is read only.</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {screen === "pair" && <PairForm onPair={doPair} />}
      {screen === "loading" && <Loading {...progress} />}
      {screen === "revoked" && <p class="error" data-testid="revoked">This till was unpaired by the admin. Unsynced sales are kept; export them.</p>}
      {screen === "sale" && staff.length === 0 && <p class="error" data-testid="no-staff">No staff are set up for
        this outlet. Every sale is signed by the person who rings it up: ask an admin to add staff, then reload.</p>}
      {screen === "sale" && staff.length > 0 && !cashier && device &&
        <SignIn db={db} token={device.device_token} staff={staff} title="Staff sign-in"
                onSignedIn={(s, key) => setCashier({ staff: s, key })} />}
      {screen === "sale" && cashier && <Sale db={db} token={device?.device_token ?? ""} currency={currency} readOnly={!active}
                                                                             config={config} staff={staff} onComplete={complete} />}
      {screen === "sync" && <SyncView db={db} currency={currency} onClose={() => setScreen("sale")} onChanged={() => void refresh()} />}
      {screen === "receipt" && last && <Receipt db={db} entry={last} header={header} currency={currency}
                                                onNext={() => setScreen("sale")} />}
    </div>
  );
}

function PairForm({ onPair }: { onPair: (code: string) => Promise<void> }) {
  const [code, setCode] = useState("");
  return (
    <form class="pair" onSubmit={(e) => { e.preventDefault(); void onPair(code); }}>
      <h1>Pair this till</h1>
      <p>Enter the pairing code from Settings → Data Pipes → ActivePOS.</p>
      <input data-testid="pairing-code" value={code} autoFocus
             onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
      <button class="primary" type="submit" data-testid="pair">Pair</button>
    </form>
  );
}

function Loading({ phase, done, total }: { phase: string; done: number; total: number }) {
  const pct = total ? Math.round((done / total) * 100) : 0;
  return (
    <div class="loading">
      <h2>Loading the catalog</h2>
      <progress data-testid="catalog-progress" max={100} value={phase === "store" ? pct : undefined} />
      <p>{phase === "download" ? `Downloaded ${(done / 1e6).toFixed(1)} MB` : `Stored ${done} of ${total} items`}</p>
    </div>
  );
}
