"""All console routes in one router, and the session middleware they need, for ``app.py``."""

from __future__ import annotations

from fastapi import APIRouter

from activereach.console.auth import add_session_middleware
from activereach.console.pages import analytics, contacts, general, locations, session
from activereach.console.pages import catalog, channels, loyalty, messages
from activereach.console.pages import active_bill, destinations, flagged_orders
from activereach.console.pages import audit, pipe_runs, pipes, receipt_templates
from activereach.console.pages import password_link, staff, till_settings, users
from activereach.console.pages import loyalty_manage, loyalty_member
from activereach.console.pages import catalog_manage, catalog_stock, tax_classes
from activereach.console.pages import orders

router = APIRouter(include_in_schema=False)
for module in (session, general, locations, contacts, analytics, catalog, messages, channels,
               loyalty, active_bill, pipes, pipe_runs, receipt_templates, flagged_orders,
               destinations, audit, staff, users, till_settings, password_link,
               loyalty_member, loyalty_manage, catalog_manage, catalog_stock, tax_classes,
               orders):
    router.include_router(module.router)

__all__ = ["add_session_middleware", "router"]
