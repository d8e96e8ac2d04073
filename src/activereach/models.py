"""Imports every table so that Alembic and the tenant-column test see the whole schema."""

from activereach.analytics.models import DailySales
from activereach.audit.models import AuditEntry
from activereach.bills.models import (BillCodeReservation, BillConfig, BillInvoiceCounter,
                                      BillRating, BillReceipt, BrandAsset)
from activereach.analytics.models import ContactFirstDay, DailyContactSales, DailyLoyalty, DailyReceipts
from activereach.console.models import ConsoleUser, ConsoleUserToken
from activereach.catalog.models import (CatalogChange, CatalogImport, CatalogSequence, PriceOverride,
                                        Product, StockLevel, StockMovement, TaxClass, Variant)
from activereach.contacts.models import Contact, ContactIdentity
from activereach.destinations.models import Destination, OutboundDelivery
from activereach.events.models import Event
from activereach.jobs.models import Job
from activereach.kit.db import Base
from activereach.loyalty.models import (LoyaltyAccount, LoyaltyEntry, LoyaltyHold, LoyaltyLot,
                                        LoyaltyProgram, LoyaltyReward, LoyaltyRule, LoyaltyTier)
from activereach.member_page.models import MemberCode
from activereach.messaging.models import (ChannelSetting, Consent, Message, MessageTemplate,
                                          ReceiptDispatch)
from activereach.orders.models import Order, OrderLine, OrderPayment, OrderRefund
from activereach.pipes.models import (Pipe, PipeEventSeen, PipeOrderState, PipeSecret,
                                      WebhookDelivery)
from activereach.cashier.models import CashierSettings, CashierStaff
from activereach.tenancy.models import ApiKey, Location, PairingCode, Terminal, Workspace

__all__ = [
    "AuditEntry",
    "ChannelSetting", "Consent", "Message", "MessageTemplate", "ReceiptDispatch",
    "CatalogChange", "CatalogImport", "CatalogSequence", "PriceOverride", "Product", "StockLevel",
    "StockMovement", "TaxClass", "Variant",
    "ConsoleUser", "ConsoleUserToken", "ContactFirstDay", "DailyContactSales",
    "LoyaltyAccount", "LoyaltyEntry", "LoyaltyHold", "LoyaltyLot", "LoyaltyProgram", "LoyaltyReward",
    "LoyaltyRule", "LoyaltyTier",
    "BillCodeReservation", "BillConfig", "BillInvoiceCounter", "BillRating", "BillReceipt",
    "ApiKey", "Base", "Contact", "ContactIdentity", "DailySales", "Event", "Job", "Location",
    "Order", "OrderLine", "OrderPayment", "OrderRefund", "Terminal", "Workspace",
    "Pipe", "PipeEventSeen", "PipeOrderState", "PipeSecret", "WebhookDelivery",
    "CashierSettings", "CashierStaff", "MemberCode", "Destination", "OutboundDelivery",
    "BrandAsset", "PairingCode",
]
