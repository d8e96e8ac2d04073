"""Start-up wiring: the one module that knows every domain and plugs them into each other.

The domains are layered (kit → tenancy, jobs → contacts → events → orders → catalog, loyalty,
cashier, bills, messaging, analytics → member_page, pipes, collect, destinations → console): a
lower one never imports a higher one, not even lazily (``tests/unit/test_import_layers.py``
builds the graph from the source). Where a lower domain needs the higher ones — the order
ingest path calls its participants, a contact merge moves every domain's rows, the worker runs
every job kind — it exposes a registry, and ``install`` fills them in here, once per process: ``create_app``, the
CLI and the test suite call it.
"""

from __future__ import annotations

# Importing a domain's jobs module registers its job kinds (``jobs.registry.job``).
import activereach.analytics.jobs  # noqa: F401
import activereach.catalog.jobs  # noqa: F401
import activereach.destinations.jobs  # noqa: F401
import activereach.loyalty.jobs  # noqa: F401
import activereach.messaging.jobs  # noqa: F401
import activereach.pipes.jobs  # noqa: F401
from activereach.analytics import contact_merge as analytics_merge
from activereach.bills import service as bills
from activereach.cashier.allowance import offline_allowance
from activereach.cashier.participant import TillRulesParticipant
from activereach.catalog.participant import CatalogParticipant
from activereach.contacts import merging, profile
from activereach.contacts import service as contacts
from activereach.destinations import outbox as destinations_outbox
from activereach.destinations import delivery as destinations
from activereach.events import service as events
from activereach.loyalty import members, offline
from activereach.loyalty.participant import LoyaltyParticipant
from activereach.member_page import codes as member_codes
from activereach.messaging import contact_merge as messaging_merge
from activereach.messaging.participant import MessagingParticipant
from activereach.orders import participants
from activereach.orders import service as orders


def install() -> None:
    """Register every domain's participants and hooks (idempotent)."""
    # Order matters: the catalog fills lines before totals; loyalty earns and redeems; the till
    # rules judge what the ledger covered; the bill needs the points; the receipt the bill.
    participants.register(CatalogParticipant(), LoyaltyParticipant(), TillRulesParticipant(),
                          bills.BillsParticipant(), MessagingParticipant())
    merging.register(contacts.CONTACT_MERGE, events.CONTACT_MERGE, orders.CONTACT_MERGE,
                     members.CONTACT_MERGE, bills.CONTACT_MERGE, messaging_merge.CONTACT_MERGE,
                     analytics_merge.CONTACT_MERGE, member_codes.CONTACT_MERGE,
                     destinations.CONTACT_MERGE)
    # Every appended event the workspace's destinations take becomes a job in its transaction.
    events.on_append(destinations_outbox.on_event)
    profile.register("loyalty", members.contact_summary)
    profile.register("online", events.online_visits)  # page/screen views count as visits
    offline.use_till_allowance(offline_allowance)
