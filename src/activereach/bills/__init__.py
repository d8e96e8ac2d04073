"""Active Bill: one ``bill_receipts`` row per order, the bill page and its two-tier config."""
