/** Entry point: open the till database, register the service worker, render. */
import { render } from "preact";
import { TillApp } from "./lib/app_state.ts";
import { byCode, search } from "./lib/catalog.ts";
import { openTill } from "./lib/db.ts";
import { registerServiceWorker } from "./lib/till.ts";
import { App } from "./ui/app.tsx";
import "./styles.css";

registerServiceWorker();
void openTill().then((db) => {
  // read-only hooks for diagnostics and bench/cashier.py (timing search inside the page)
  (window as unknown as Record<string, unknown>).__activepos = { db, search, byCode };
  render(<App app={new TillApp(db)} />, document.getElementById("app")!);
});
