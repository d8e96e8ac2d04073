/** Variant picker: one select per option; combinations that do not exist are disabled. */
import { useState } from "preact/hooks";
import type { VariantRec } from "../lib/db.ts";
import { formatMoney } from "../lib/tax.ts";

export function Picker({ variants, optionNames, currency, onPick, onClose }: {
  variants: VariantRec[]; optionNames: string[]; currency: string;
  onPick: (v: VariantRec) => void; onClose: () => void;
}) {
  const width = Math.max(0, ...variants.map((v) => v.options.length));
  const [chosen, setChosen] = useState<string[]>(variants[0]?.options.slice() ?? []);
  const values = (i: number) => [...new Set(variants.map((v) => v.options[i]).filter(Boolean))];
  const exists = (i: number, value: string) => variants.some((v) =>
    v.options[i] === value && v.options.every((o, j) => j === i || j > i || o === chosen[j]));
  const match = variants.find((v) => v.options.every((o, j) => o === chosen[j]));
  const choose = (i: number, value: string) => {
    const next = chosen.slice(0, i).concat(value);
    // keep later choices when still possible, else take the first possible value
    for (let j = i + 1; j < width; j++) {
      const ok = variants.filter((v) => next.every((o, k) => v.options[k] === o));
      next.push(ok.find((v) => v.options[j] === chosen[j])?.options[j] ?? ok[0]?.options[j] ?? "");
    }
    setChosen(next);
  };
  return (
    <div class="modal" role="dialog" aria-label="Choose a variant">
      <div class="panel">
        <h2>{variants[0]?.title}</h2>
        {Array.from({ length: width }, (_, i) => (
          <div class="optrow" key={i}>
            <span class="optname">{optionNames[i] ?? `Option ${i + 1}`}</span>
            {values(i).map((value) => (
              <button key={value} class={chosen[i] === value ? "opt on" : "opt"}
                      disabled={!exists(i, value)} onClick={() => choose(i, value)}>{value}</button>
            ))}
          </div>
        ))}
        <div class="actions">
          <button onClick={onClose}>Cancel</button>
          <button class="primary" data-testid="picker-add" disabled={!match}
                  onClick={() => match && onPick(match)}>
            Add {match ? formatMoney(match.price, currency) : ""}
          </button>
        </div>
      </div>
    </div>
  );
}
