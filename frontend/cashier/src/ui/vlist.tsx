/** A virtualised list: only the rows in view (plus a small margin) are in the DOM. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

export function VList<T>({ items, rowHeight, height, render }: {
  items: T[]; rowHeight: number; height: number; render: (item: T, index: number) => ComponentChildren;
}) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / rowHeight) - 5);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + 5);
  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(<div class="vrow" key={i} style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
      {render(items[i], i)}</div>);
  }
  return (
    <div class="vlist" style={{ height: `${height}px` }} data-testid="product-list"
         onScroll={(e) => setTop((e.currentTarget as HTMLElement).scrollTop)}>
      <div style={{ height: `${items.length * rowHeight}px`, position: "relative" }}>{rows}</div>
    </div>
  );
}
