/** The sale screen: search/scan/browse on the left, the cart on the right. Scans come from a
 *  keyboard-wedge scanner, the search box or the camera; weighed-item labels (lib/weighed.ts)
 *  put the label's weight or price on their own line. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Cart, Checkout } from "../lib/app_state.ts";
import { addVariant, setQty, totalsOf, type CartLine } from "../lib/cart.ts";
import { byCode, categories, productOf, search, variantsOf } from "../lib/catalog.ts";
import type { TaxRec, Till, VariantRec } from "../lib/db.ts";
import { formatMoney, lineAmounts, parseMoney } from "../lib/tax.ts";
import type { Member } from "../lib/loyalty.ts";
import { discountNeedsApproval, type TillConfig } from "../lib/policy.ts";
import type { StaffKey } from "../lib/proof.ts";
import type { Staff } from "../lib/staff.ts";
import { addWeighed, findWeighed, parsePrefixes, readWeighed } from "../lib/weighed.ts";
import { CameraScan } from "./camera.tsx";
import { CartLines } from "./cartlines.tsx";
import { MemberBar } from "./member.tsx";
import { Pay } from "./pay.tsx";
import { releaseLeftover } from "./reward.tsx";
import { SignIn } from "./signin.tsx";
import { Picker } from "./picker.tsx";
import { VList } from "./vlist.tsx";

interface Row { v: VariantRec; count: number; exact: boolean; low: number; high: number }

/** One row per product for name searches; an exact code hit stays its own variant. A product's
 * row shows the range of its variants' prices, so it reads the same whichever variant the
 * list or a search happened to find first. */
function group(found: VariantRec[], exactId?: string): Row[] {
  const rows = new Map<string, Row>();
  for (const v of found) {
    const key = v.id === exactId ? `=${v.id}` : v.product_id;
    const row = rows.get(key);
    if (row) {
      row.count += 1;
      row.low = Math.min(row.low, v.price);
      row.high = Math.max(row.high, v.price);
    } else {
      rows.set(key, { v, count: 1, exact: v.id === exactId, low: v.price, high: v.price });
    }
  }
  return [...rows.values()];
}

function priceOf(row: Row, currency: string): string {
  return row.low === row.high ? formatMoney(row.low, currency)
    : `${formatMoney(row.low, currency)} – ${formatMoney(row.high, currency)}`;
}

export function Sale({ db, token, currency, readOnly, locked = false, config, staff, cart, onCart, onVoid, onComplete }: {
  db: Till; token: string; currency: string; readOnly: boolean; config: TillConfig; staff: Staff[];
  locked?: boolean; // the till is locked: the screen stays (under the PIN prompt), scans are ignored
  cart: Cart; onCart: (change: (cart: Cart) => Partial<Cart>) => void; onVoid?: () => void;
  onComplete: (checkout: Checkout) => Promise<void>;
}) {
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState("");
  const [cats, setCats] = useState<string[]>([]);
  const [rows, setRows] = useState<Row[]>([]);
  const { lines, member } = cart; // the cart lives in the app's store (lib/app_state.ts)
  const setLines = (change: (ls: CartLine[]) => CartLine[]) => onCart((c) => ({ lines: change(c.lines) }));
  const setMember = (m: Member | null) => onCart(() => ({ member: m }));
  const [taxes, setTaxes] = useState(new Map<string, TaxRec>());
  const [picking, setPicking] = useState<{ variants: VariantRec[]; names: string[] } | null>(null);
  const [paying, setPaying] = useState(false);
  const [notice, setNotice] = useState("");
  const [approving, setApproving] = useState<{ key: string; minor: number } | null>(null);
  const [voiding, setVoiding] = useState(false);
  const weighed = useMemo(() => { try { return parsePrefixes(config.weighed_prefixes); } catch { return []; } },
                          [config.weighed_prefixes]);
  const managers = staff.filter((s) => s.role === "manager");
  const wedge = useRef({ buffer: "", last: 0 });

  useEffect(() => {
    void db.getAll("taxes").then((all) => setTaxes(new Map(all.map((t) => [t.id, t]))));
    void categories(db).then(setCats);
  }, []);
  // a hold a payment screen left open when the page went away; not from a read-only second
  // tab, whose active twin may have that payment screen open right now
  useEffect(() => { if (!readOnly) void releaseLeftover(db, token); }, [readOnly]);
  useEffect(() => {
    let live = true;
    void (async () => {
      const exact = await byCode(db, query);
      const found = await search(db, query, { category: category || undefined });
      if (live) setRows(group(found, exact?.id));
    })();
    return () => { live = false; };
  }, [query, category]);

  const add = (v: VariantRec) => { setLines((ls) => addVariant(ls, v, taxes)); setNotice(""); };
  const choose = async (row: Row) => {
    if (row.exact) return add(row.v);
    const siblings = await variantsOf(db, row.v.product_id);
    if (siblings.length > 1) return openPicker(siblings);
    add(row.v);
  };
  const openPicker = async (variants: VariantRec[]) => {
    const product = await productOf(db, variants[0].product_id);
    setPicking({ variants, names: product?.options ?? [] });
  };
  const scan = async (code: string) => {
    const v = await byCode(db, code);
    if (v) return add(v); // an exact code wins, also on a weighed prefix
    const label = readWeighed(code, weighed);
    if (!label) { setNotice(`No item with code ${code}`); return; }
    if (label.value <= 0) { setNotice(`The label ${code} shows no ${label.embeds}`); return; }
    const item = await findWeighed(label, (c) => byCode(db, c));
    if (!item) { setNotice(`No weighed item ${label.item} (label ${code})`); return; }
    setLines((ls) => addWeighed(ls, item, taxes, label));
    setNotice("");
  };
  // keyboard-wedge scanners type fast and end with Enter, wherever the focus is
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const inField = (e.target as HTMLElement).tagName === "INPUT";
      if (inField || picking || paying || approving || locked) return;
      const w = wedge.current;
      const now = performance.now();
      if (now - w.last > 100) w.buffer = "";
      w.last = now;
      if (e.key === "Enter") { if (w.buffer.length >= 3) void scan(w.buffer); w.buffer = ""; }
      else if (e.key.length === 1) w.buffer += e.key;
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [picking, paying, approving, taxes, locked, weighed]);

  const { totals } = useMemo(() => totalsOf(lines), [lines]);
  /** Apply a line discount; above the till's limit it waits for a manager's PIN. */
  const setDiscount = (key: string, text: string, approvedBy?: Staff, approvalKey?: StaffKey) => {
    let minor: number;
    try { minor = text.trim() ? parseMoney(text) : 0; } catch { setNotice("discount: enter an amount like 10.50"); return; }
    const line = lines.find((l) => l.key === key);
    if (!line) return;
    const gross = lineAmounts(line).gross;
    const discount = Math.min(minor, gross);
    const needs = discountNeedsApproval(gross, discount, config.discount_limit_bp);
    if (needs && !approvedBy) {
      if (!managers.length) { setNotice("This discount needs a manager, and none is set up for this outlet."); return; }
      setApproving({ key, minor: discount });
      return;
    }
    const approved_by = needs && approvedBy ? { id: approvedBy.id, name: approvedBy.name } : undefined;
    const approval_key = approved_by ? approvalKey : undefined;
    setLines((ls) => ls.map((l) => (l.key === key ? { ...l, discount, approved_by, approval_key } : l)));
    setNotice("");
  };
  const setNote = (key: string, note: string) =>
    setLines((ls) => ls.map((l) => (l.key === key ? { ...l, note: note || undefined } : l)));
  const onQty = (key: string, quantity: string) => {
    try { setLines((ls) => setQty(ls, key, quantity)); } catch (err) { setNotice((err as Error).message); }
  };
  return (
    <div class="sale" inert={locked}>
      <section class="browse">
        <div class="searchbar">
          <input data-testid="search" placeholder="Search name, SKU or scan a barcode" value={query}
                 onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
                 onKeyDown={(e) => { if (e.key === "Enter") { void scan((e.target as HTMLInputElement).value); setQuery(""); } }} />
          <select data-testid="category" value={category}
                  onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}>
            <option value="">All categories</option>
            {cats.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
          <CameraScan onCode={(code) => void scan(code)} />
        </div>
        {notice && <p class="error" role="alert">{notice}</p>}
        <VList items={rows} rowHeight={52} height={460} render={(row) => (
          <button class="item" data-testid="item" onClick={() => void choose(row)}>
            <span class="title">{row.v.title}{row.count === 1 && row.v.name ? ` · ${row.v.name}` : ""}</span>
            <span class="meta">{row.count > 1 ? `${row.count} variants` : row.v.sku ?? ""}</span>
            <span class="price" data-testid="item-price">{priceOf(row, currency)}</span>
          </button>
        )} />
        <p class="small">{rows.length} shown</p>
      </section>
      <section class="cart" data-testid="cart">
        <h2>Cart</h2>
        <MemberBar db={db} token={token} member={member} onMember={setMember} />
        {lines.length === 0 && <p class="small">Scan or pick an item.</p>}
        <CartLines lines={lines} currency={currency} onQty={onQty} onNote={setNote}
                   onDiscount={(key, text) => setDiscount(key, text)} />
        <p class="row"><span>Taxable</span><span>{formatMoney(totals.subtotal, currency)}</span></p>
        <p class="row"><span>GST</span><span>{formatMoney(totals.tax, currency)}</span></p>
        <p class="row big"><span>Total</span><span data-testid="total">{formatMoney(totals.total, currency)}</span></p>
        <button class="primary pay" data-testid="pay" disabled={!lines.length || readOnly}
                onClick={() => setPaying(true)}>{readOnly ? "Read only (another tab is active)" : "Pay"}</button>
        {onVoid && lines.length > 0 && !voiding && <button class="link" data-testid="void-sale"
                                                           onClick={() => setVoiding(true)}>Void sale</button>}
        {voiding && <p class="row" data-testid="void-confirm">Void this sale?
          <button data-testid="void-yes" onClick={() => { setVoiding(false); onVoid?.(); }}>Yes, void it</button>
          <button onClick={() => setVoiding(false)}>Keep it</button></p>}
      </section>
      {picking && <Picker variants={picking.variants} optionNames={picking.names} currency={currency}
                          onPick={(v) => { add(v); setPicking(null); }} onClose={() => setPicking(null)} />}
      {approving && (
        <div class="modal" data-testid="approval">
          <SignIn db={db} token={token} staff={managers} action="Approve" title={`Manager approval: discount ${formatMoney(approving.minor, currency)}`}
                  onSignedIn={(m, k) => { setDiscount(approving.key, (approving.minor / 100).toFixed(2), m, k); setApproving(null); }}
                  onCancel={() => setApproving(null)} />
        </div>
      )}
      {paying && <Pay db={db} lines={lines} currency={currency} member={member} token={token}
                      config={config} onClose={() => setPaying(false)}
                      onDone={(paid) => {
                        // paid.lines carry the reward's discount; the receipt screen that follows
                        // empties the cart (lib/app_state.ts keepCart)
                        void onComplete({ ...paid, member }).then(() => setPaying(false));
                      }} />}
    </div>
  );
}
