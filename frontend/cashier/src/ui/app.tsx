/** The till's screens: pairing, the first catalog load, sign-in and the lock, the sale and its
 *  receipt. The state and what changes it live in lib/app_state.ts; this only renders them. */
import { useEffect, useState } from "preact/hooks";
import type { AppState, TillApp } from "../lib/app_state.ts";
import { exportUnsynced } from "../lib/outbox.ts";
import { discountLimitFor } from "../lib/policy.ts";
import { useStore } from "../lib/store.ts";
import { Receipt } from "./receipt.tsx";
import { Sale } from "./sale.tsx";
import { SignIn } from "./signin.tsx";
import { SyncView } from "./syncview.tsx";

export function App({ app }: { app: TillApp }) {
  const state = useStore(app.store, (s) => s);
  const { screen, device, progress, active, last, error, notice, staff, cashier, locked, config, cart } = state;
  const db = app.db;
  useEffect(() => { app.start(); return app.stop; }, [app]);
  const currency = device?.workspace.currency ?? "INR";
  const header = outletName(state);
  return (
    <div class="app">
      <TopBar state={state} app={app} />
      <StorageNotice state={state} app={app} />
      {notice && <p class="warning noprint" data-testid="notice">{notice}
        <button class="link" onClick={app.dismissNotice}>dismiss</button></p>}
      {device && !active && <p class="warning noprint" data-testid="second-tab">ActivePOS is open in another tab; this one is read only.</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {screen === "pair" && <PairForm onPair={app.pair} />}
      {screen === "loading" && <Loading {...progress} />}
      {screen === "revoked" && <p class="error" data-testid="revoked">This till was unpaired by the admin. Unsynced sales are kept; export them.</p>}
      {screen === "sale" && staff.length === 0 && <p class="error" data-testid="no-staff">No staff are set up for
        this outlet. Every sale is signed by the person who rings it up: ask an admin to add staff, then reload.</p>}
      {screen === "sale" && staff.length > 0 && !cashier && !locked && device &&
        <SignIn db={db} token={device.device_token} staff={staff} title="Staff sign-in"
                onSignedIn={(s, key) => app.signIn({ staff: s, key })} />}
      {screen === "sale" && (cashier || locked) &&
        <Sale db={db} token={device?.device_token ?? ""} currency={currency} readOnly={!active} locked={!!locked}
              config={{ ...config, discount_limit_bp: discountLimitFor(config, cashier?.staff ?? locked) }} staff={staff} cart={cart} onCart={app.updateCart} onVoid={app.voidSale}
              onComplete={app.complete} />}
      {screen === "sync" && <SyncView db={db} currency={currency} onClose={() => app.show("sale")} onChanged={() => void app.refresh()} />}
      {screen === "receipt" && last && <Receipt db={db} token={device?.device_token ?? ""} entry={last} header={header} currency={currency}
                                                onNext={() => app.show("sale")} />}
      {locked && device && staff.length > 0 && (
        // over whatever shows (a payment in progress stays open beneath): the PIN again
        <div class="modal lock" data-testid="locked">
          <SignIn db={db} token={device.device_token} staff={staff} preselect={locked} title={`Locked · ${locked.name}`}
                  action="Unlock" hint={lockHint(cart.lines.length)} onSignedIn={(s, key) => app.signIn({ staff: s, key })} />
        </div>
      )}
    </div>
  );
}

function PairForm({ onPair }: { onPair: (code: string) => Promise<void> }) {
  const [code, setCode] = useState("");
  return (
    <form class="pair" onSubmit={(e) => { e.preventDefault(); void onPair(code); }}>
      <h1>Pair this till</h1>
      <p>Enter the pairing code from the console: Settings → Locations, at this till's terminal,
        <b>Issue pairing code</b> (shown once, valid for 30 minutes).</p>
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

function lockHint(items: number): string {
  const kept = items ? `The sale is kept (${items} line${items === 1 ? "" : "s"}). ` : "";
  return `${kept}Enter your PIN to go on; another staff member may sign in and take the sale over.`;
}

/**
 * Shown only when the browser refused persistent storage (not while it has not answered, nor
 * where it cannot be asked): what that means for offline sales, a way to ask again, and a
 * fold that leaves a small header pill (remembered across reloads).
 */
function StorageNotice({ state, app }: { state: AppState; app: TillApp }) {
  if (state.storage !== "refused" || state.storageNoticeHidden) return null;
  return (
    <div class="warning noprint" data-testid="storage-refused">
      <b>This browser may clear the till's storage.</b> It did not agree to keep it
      (persistent storage refused), so when the device runs short of space it may delete the
      catalog and sales that have not synced yet. Offline sales are safe once they sync: keep the
      till online when you can, and use <i>Export unsynced</i> before clearing browser data.
      Installing ActivePOS as an app (or bookmarking it) usually lets the browser agree.
      <button class="link" data-testid="storage-retry" onClick={() => void app.retryStorage()}>Ask again</button>
      <button class="link" data-testid="storage-hide" onClick={() => app.hideStorageNotice(true)}>Hide</button>
    </div>
  );
}

function outletName({ device }: AppState): string {
  return device ? `${device.location.name ?? device.location.code ?? ""}` : "ActivePOS";
}

/** The header: the till, the network, what is unsynced, the sync view, who holds the till. */
function TopBar({ state, app }: { state: AppState; app: TillApp }) {
  const { device, online, cashier, locked, sync: { unsynced, refused, flagged, catalogAt: syncedAt } } = state;
  const header = outletName(state);
  const download = async () => {
    const blob = new Blob([await exportUnsynced(app.db, device)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `activepos-unsynced-${new Date().toISOString()}.json`;
    a.click();
  };
  return (
    <header class="top noprint">
      <b>ActivePOS</b>
      {device && <span>{header} · {device.terminal.terminal_id ?? device.terminal.id}</span>}
      <span class={online ? "pill ok" : "pill off"} data-testid="online">{online ? "online" : "offline"}</span>
      <span class={unsynced ? "pill warn" : "pill ok"} data-testid="unsynced">{unsynced} unsynced</span>
      {syncedAt && <span class="small" data-testid="synced-at">catalog {new Date(syncedAt).toLocaleTimeString()}</span>}
      {unsynced > 0 && <button class="link" onClick={() => void download()}>Export unsynced</button>}
      {device && <button class="link" data-testid="open-sync" onClick={() => app.show("sync")}>
        Sync{refused > 0 ? ` · ${refused} redemption(s) refused` : ""}{flagged > 0 ? ` · ${flagged} flagged` : ""}</button>}
      {cashier && <span data-testid="cashier">{cashier.staff.name}
        <button class="link" data-testid="lock" onClick={app.lock}>lock</button>
        <button class="link" onClick={() => app.signIn(null)}>sign out</button></span>}
      {locked && <span data-testid="cashier">{locked.name} · locked</span>}
      {state.storage === "refused" && state.storageNoticeHidden &&
        <button class="link pill warn" data-testid="storage-pill" onClick={() => app.hideStorageNotice(false)}>
          storage not persistent</button>}
      {device && <button class="link" data-testid="unpair" onClick={() => void app.unpair()}>Unpair till</button>}
    </header>
  );
}
