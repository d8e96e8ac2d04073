"""Roll-ups: `daily_sales` (per outlet, channel, source) and `daily_contact_sales` (per contact)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base


class DailySales(Base):
    __tablename__ = "daily_sales"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    # '' for orders without an outlet (online), so the key needs no NULL handling.
    location_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    gross: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_count: Mapped[int] = mapped_column(Integer, default=0)


class DailyContactSales(Base):
    """Per contact and local day: what ``daily_sales`` cannot answer (attribution, new vs
    returning, customers on both channels).  Only orders with a known contact land here."""

    __tablename__ = "daily_contact_sales"
    # Clustered on the key in SQLite too, so a day-range scan reads no second structure.
    __table_args__ = ({"sqlite_with_rowid": False},)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    gross: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(BigInteger, default=0)


class ContactFirstDay(Base):
    """The local day of each contact's first order in a currency: "new" vs "returning"."""

    __tablename__ = "contact_first_days"
    __table_args__ = (Index("ix_contact_first_days_day", "workspace_id", "currency", "first_day"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10))


class DailyLoyalty(Base):
    """Points moved by orders and refunds, per outlet and local day ('' = online)."""

    __tablename__ = "daily_loyalty"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    earned: Mapped[int] = mapped_column(BigInteger, default=0)
    redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    # refunds take earned points back and give redeemed points back
    reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    recredited: Mapped[int] = mapped_column(BigInteger, default=0)


class DailyReceipts(Base):
    """Receipt messages by the local day of their sale: a cohort, so a day's rate is final once
    its late delivery reports are in."""

    __tablename__ = "daily_receipts"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    attempted: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)  # accepted by the provider
    delivered: Mapped[int] = mapped_column(Integer, default=0)  # delivered or read
    failed: Mapped[int] = mapped_column(Integer, default=0)
