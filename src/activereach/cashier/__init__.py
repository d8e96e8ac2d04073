"""ActivePOS: the offline-first cashier PWA served at /cashier (built from frontend/cashier)."""
