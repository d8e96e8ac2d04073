"""Imports every table so that Alembic and the tenant-column test see the whole schema."""

from activereach.analytics.models import DailySales
from activereach.contacts.models import Contact, ContactIdentity
from activereach.events.models import Event
from activereach.jobs.models import Job
from activereach.kit.db import Base
from activereach.orders.models import Order, OrderLine, OrderPayment, OrderRefund
from activereach.tenancy.models import ApiKey, Location, Terminal, Workspace

__all__ = [
    "ApiKey", "Base", "Contact", "ContactIdentity", "DailySales", "Event", "Job", "Location",
    "Order", "OrderLine", "OrderPayment", "OrderRefund", "Terminal", "Workspace",
]
