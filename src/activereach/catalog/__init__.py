"""Product catalog: variants, GST tax classes, outlet prices and stock, CSV import, till sync."""
