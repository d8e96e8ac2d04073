"""Destinations: our event stream flowing out — signed webhooks and a Segment-format forwarder."""
