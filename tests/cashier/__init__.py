"""Tests of the ActivePOS cashier package."""
