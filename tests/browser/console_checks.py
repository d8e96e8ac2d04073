"""What every console page must satisfy in a browser, shared by the sweep and the owner's walk:
no sideways scrolling, no raw JSON, money as "₹1,234.56"."""

from __future__ import annotations

import re
from typing import Any

# "₹" then a number that does not end in exactly two decimals.
BAD_RUPEES = re.compile(r"₹\s?-?[\d,]+(?![\d,]*\.\d{2}(?!\d))")
# An amount written with the code instead of the sign ("499.0 INR", "INR 499").
CODE_AMOUNT = re.compile(r"\d\s?INR\b|\bINR\s?\d")
# JSON as text: an object with a quoted key, or the escapes JSON encoders leave behind.
RAW_JSON = re.compile(r'\{\s*"[A-Za-z_]+"\s*:|\\u00[0-9a-f]{2}|\\u20b9')

OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= window.innerWidth + 1) return null;
  // an element inside a box that scrolls or clips by itself does not widen the page
  const clipped = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
    { if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  const out = e => { const r = e.getBoundingClientRect();
    return r.right > window.innerWidth + 1 && r.width > 0 && !clipped(e); };
  const wide = [...document.querySelectorAll('body *')].filter(out)
    .filter(e => ![...e.children].some(out)).slice(0, 3)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '') +
      ' "' + (e.textContent || '').trim().slice(0, 40) + '"');
  return `page is ${doc.scrollWidth}px wide: ${wide.join(', ')}`;
}"""


async def page_problems(page: Any, width: int, brand_text: tuple[str, ...] = ()) -> list[str]:
    """Everything wrong with the page as shown now (empty when it is fine). ``brand_text`` are
    names the brand typed itself ("₹100 off a bill of ₹500+"): their wording is theirs."""
    problems = []
    if width <= 400 and (overflow := await page.evaluate(OVERFLOW)):
        problems.append(overflow)
    text = await page.inner_text("body")
    for name in brand_text:
        text = text.replace(name, "")
    if match := RAW_JSON.search(text):
        problems.append(f"raw JSON: …{text[max(0, match.start() - 30):match.end() + 30]}…")
    if match := BAD_RUPEES.search(text):
        problems.append(f"rupees without two decimals: {match.group(0)!r}")
    if match := CODE_AMOUNT.search(text):
        problems.append(f"an amount with the currency code: …{text[max(0, match.start() - 20):match.end() + 10]}…")
    return problems
