"""Events: the append-only timeline (``order_completed``, identify, custom track events)."""
