/**
 * The in-memory catalog index: variants by id, barcode, SKU, product, category and word prefix.
 * IndexedDB keeps the catalog as a few large blocks (fast to write and read back); every lookup
 * and search runs here, so the till never pays a per-variant IndexedDB write or index entry.
 */
import type { ProductRec, VariantRec } from "./db.ts";

const WORD = /[^\p{L}\p{N}]+/u;

export function tokenize(text: string): string[] {
  return text.toLowerCase().split(WORD).filter(Boolean);
}

export type VariantDoc = Omit<VariantRec, "title" | "category" | "hsn" | "sort" | "tokens">;

/** Add the product's title/category/HSN, the sort label and the search words to ``doc`` (in place). */
export function enrich(doc: VariantDoc, product: ProductRec | undefined): VariantRec {
  const v = doc as VariantRec;
  if (!v.options) v.options = [];
  const title = product?.title ?? doc.name ?? doc.sku ?? doc.id;
  let label = title;
  if (doc.name) label += ` ${doc.name}`;
  for (const option of v.options) if (option) label += ` ${option}`;
  const sort = label.toLowerCase();
  // a handful of words each: an array with includes() is cheaper than a Set
  const tokens: string[] = [];
  const take = (w: string) => { if (w && !tokens.includes(w)) tokens.push(w); };
  for (const w of sort.split(WORD)) take(w);
  if (product?.category) for (const w of product.category.toLowerCase().split(WORD)) take(w);
  if (doc.sku) take(doc.sku.toLowerCase());
  v.title = title;
  v.sort = sort;
  v.tokens = tokens;
  // absent (not undefined) when the product has none, like the documents the server sends
  if (product?.category !== undefined) v.category = product.category; else delete v.category;
  if (product?.hsn !== undefined) v.hsn = product.hsn; else delete v.hsn;
  return v;
}

/** A compact snapshot row (values named by ``fields``) or an object → a document without nulls. */
export function variantDoc(row: VariantDoc | unknown[], fields: readonly string[] | undefined): VariantDoc {
  if (!Array.isArray(row)) return { ...row };
  const doc: Record<string, unknown> = {};
  const names = fields ?? [];
  for (let i = 0; i < names.length; i++) {
    const value = row[i];
    if (value !== null && value !== undefined) doc[names[i]] = value;
  }
  return doc as unknown as VariantDoc;
}

const byId = (a: VariantRec, b: VariantRec) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const bySort = (a: VariantRec, b: VariantRec) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : byId(a, b));

export class CatalogIndex {
  readonly products = new Map<string, ProductRec>();
  readonly variants = new Map<string, VariantRec>();
  private readonly barcode = new Map<string, VariantRec>();
  private readonly sku = new Map<string, VariantRec>();
  private readonly byProduct = new Map<string, VariantRec[]>();
  // word → variants; removals leave stale entries (checked at read, compacted in bulk) so a
  // delta never scans a list of 100k entries per change
  private readonly postings = new Map<string, VariantRec[]>();
  private stale = 0;
  // derived views, rebuilt on demand after a change
  private words: string[] | null = null;
  private browse: VariantRec[] | null = null;
  private cats: string[] | null = null;

  /** Build every derived view now (after a snapshot), so the first search pays nothing. */
  prepare(): void {
    this.sortedWords();
    this.browseList();
    this.categories();
  }

  add(v: VariantRec): void {
    this.variants.set(v.id, v);
    if (v.barcode) this.barcode.set(v.barcode, v);
    if (v.sku) this.sku.set(v.sku, v);
    push(this.byProduct, v.product_id, v);
    for (const t of v.tokens) if (push(this.postings, t, v)) this.words = null;
    this.browse = null;
    this.cats = null;
  }

  remove(id: string): VariantRec | undefined {
    const v = this.variants.get(id);
    if (!v) return undefined;
    this.variants.delete(id);
    if (v.barcode && this.barcode.get(v.barcode) === v) this.barcode.delete(v.barcode);
    if (v.sku && this.sku.get(v.sku) === v) this.sku.delete(v.sku);
    pull(this.byProduct, v.product_id, v);
    if (++this.stale > Math.max(1000, this.variants.size / 4)) this.compact();
    this.browse = null;
    this.cats = null;
    return v;
  }

  private compact(): void {
    this.postings.clear();
    this.stale = 0;
    for (const v of this.variants.values()) for (const t of v.tokens) push(this.postings, t, v);
    this.words = null;
  }

  putVariant(doc: VariantDoc): void {
    this.remove(doc.id);
    this.add(enrich(doc, this.products.get(doc.product_id)));
  }

  /** A new or renamed product: its variants are re-denormalised. */
  putProduct(p: ProductRec): void {
    this.products.set(p.id, p);
    for (const v of this.variantsOf(p.id)) { this.remove(v.id); this.add(enrich(v, p)); }
  }

  deleteProduct(id: string): string[] {
    this.products.delete(id);
    const gone = this.variantsOf(id).map((v) => v.id);
    for (const vid of gone) this.remove(vid);
    return gone;
  }

  byCode(code: string): VariantRec | undefined {
    const text = code.trim();
    return text ? this.barcode.get(text) ?? this.sku.get(text) : undefined;
  }

  variantsOf(productId: string): VariantRec[] {
    return [...(this.byProduct.get(productId) ?? [])].sort(byId);
  }

  categories(): string[] {
    if (!this.cats) {
      const seen = new Set<string>();
      for (const v of this.variants.values()) if (v.category !== undefined) seen.add(v.category);
      this.cats = [...seen].sort();
    }
    return this.cats;
  }

  /** Every word a prefix of some word of the item; the rarest word drives, the others filter. */
  search(query: string, opts: { category?: string; limit?: number } = {}): VariantRec[] {
    const limit = opts.limit ?? 300;
    const words = [...new Set(tokenize(query))];
    if (!words.length) return this.browseBy(opts.category, limit);
    const exact = this.byCode(query);
    const lead = this.rarest(words);
    const others = words.filter((w) => w !== lead);
    const out: VariantRec[] = exact ? [exact] : [];
    const seen = new Set(out.map((v) => v.id));
    const sorted = this.sortedWords();
    for (let i = this.lowerBound(lead); i < sorted.length && sorted[i].startsWith(lead); i++) {
      for (const v of this.postings.get(sorted[i])!) {
        if (out.length >= limit) return out;
        if (seen.has(v.id) || (opts.category && v.category !== opts.category)) continue;
        if (this.variants.get(v.id) !== v || !v.tokens.some((t) => t.startsWith(lead))) continue; // stale
        if (others.every((w) => v.tokens.some((t) => t.startsWith(w)))) { out.push(v); seen.add(v.id); }
      }
    }
    return out;
  }

  /** The query word with the fewest postings; counting stops once a word exceeds the best so far. */
  private rarest(words: string[]): string {
    const sorted = this.sortedWords();
    let best = words[0];
    let bestCount = Infinity;
    for (const w of [...words].sort((a, b) => b.length - a.length)) { // longer words tend to be rarer
      let count = 0;
      for (let i = this.lowerBound(w); i < sorted.length && sorted[i].startsWith(w) && count < bestCount; i++) {
        count += this.postings.get(sorted[i])!.length;
      }
      if (count < bestCount) { best = w; bestCount = count; }
    }
    return best;
  }

  /** Binary search: the first position in the sorted word list not below ``prefix``. */
  private lowerBound(prefix: string): number {
    const words = this.sortedWords();
    let lo = 0;
    let hi = words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid] < prefix) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private browseBy(category: string | undefined, limit: number): VariantRec[] {
    if (!category) return this.browseList().slice(0, limit);
    const out: VariantRec[] = [];
    for (const v of this.variants.values()) if (v.category === category) out.push(v);
    return out.sort(byId).slice(0, limit);
  }

  private sortedWords(): string[] {
    if (!this.words) {
      this.words = [...this.postings.keys()].sort();
      for (const list of this.postings.values()) list.sort(byId);
    }
    return this.words;
  }

  private browseList(): VariantRec[] {
    if (!this.browse) this.browse = [...this.variants.values()].sort(bySort);
    return this.browse;
  }
}

/** Append to a multimap; true when the key is new. */
function push<T>(map: Map<string, T[]>, key: string, value: T): boolean {
  const list = map.get(key);
  if (list) { list.push(value); return false; }
  map.set(key, [value]);
  return true;
}

function pull<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (!list) return;
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  if (!list.length) map.delete(key);
}
