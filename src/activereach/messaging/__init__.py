"""Digital receipt delivery: channels, templates, the message outbox, consent and delivery status."""
