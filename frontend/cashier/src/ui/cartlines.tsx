/** The cart's lines: quantity, line discount (with its manager approval), a note, remove. The
 *  lines live in the app's store (lib/app_state.ts); this only edits them through callbacks. */
import { useState } from "preact/hooks";
import type { CartLine } from "../lib/cart.ts";
import { formatMoney } from "../lib/tax.ts";

/** The canonical order's limit on a line note (orders/schemas.py ``LineIn.note``). */
export const NOTE_MAX = 500;

export function CartLines({ lines, currency, onQty, onDiscount, onNote }: {
  lines: CartLine[]; currency: string;
  onQty: (key: string, quantity: string) => void;
  onDiscount: (key: string, text: string) => void;
  onNote: (key: string, note: string) => void;
}) {
  // lines whose note field is open; a line with a note always shows it
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (key: string) => setOpen((o) => new Set(o.has(key) ? [...o].filter((k) => k !== key) : [...o, key]));
  return (
    <>
      {lines.map((l) => (
        <div class="line" key={l.key} data-testid="cart-line">
          <div class="lname">{l.name}{l.variant ? ` (${l.variant})` : ""}</div>
          <input class="qty" aria-label="quantity" value={l.quantity}
                 onChange={(e) => onQty(l.key, (e.target as HTMLInputElement).value)} />
          <input class="disc" aria-label="line discount" placeholder="disc." data-testid="line-discount"
                 value={l.discount ? (l.discount / 100).toFixed(2) : ""}
                 onChange={(e) => onDiscount(l.key, (e.target as HTMLInputElement).value)} />
          {l.approved_by && <span class="small" data-testid="approved-by">ok {l.approved_by.name}</span>}
          <span class="num">{formatMoney(l.unit_price, currency)}</span>
          <button class="link" aria-label="remove" onClick={() => onQty(l.key, "0")}>×</button>
          {!l.note && !open.has(l.key) && <button class="link addnote" data-testid="line-note-add"
                                                  onClick={() => toggle(l.key)}>+ note</button>}
          {(l.note || open.has(l.key)) && (
            // onChange (on blur or Enter), like the other fields: the cart is written per change
            <input class="note" aria-label="line note" placeholder="Note for this line (on the bill)"
                   data-testid="line-note" maxLength={NOTE_MAX} value={l.note ?? ""}
                   onChange={(e) => onNote(l.key, (e.target as HTMLInputElement).value.trim().slice(0, NOTE_MAX))} />
          )}
        </div>
      ))}
    </>
  );
}
