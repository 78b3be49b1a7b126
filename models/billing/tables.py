"""Billing tables: issuers, invoices with their lines, payments and rendered PDFs, advance
payments, price lists with their items and group assignments."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, CreatedAt, Money, Timestamp, str_enum
from models.files import StoredFile
from models.identity import Account, Company, CustomerGroup


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


class AdvanceStatus(enum.StrEnum):
    DUE = "due"
    PAID = "paid"


class Issuer(Base):
    """Who issues invoices: the supplier's legal entity (a group may have several)."""

    __tablename__ = "issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    company_number: Mapped[str | None] = mapped_column(String(20))
    vat_id: Mapped[str | None] = mapped_column(String(20))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("issuer_id", "number"),
        CheckConstraint("paid_amount >= 0", name="paid_not_negative"),
        # The company's list, newest first, is the page customers open most.
        Index("ix_invoices_company_issue_date", "company_id", "issue_date"),
        # Every invoice URL names the company and the number.
        Index("ix_invoices_company_number", "company_id", "number"),
        # The back office's list of all companies' invoices, newest first.
        Index("ix_invoices_issue_date_id", "issue_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    number: Mapped[str] = mapped_column(String(32))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    supply_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("supply_points.id", ondelete="SET NULL")
    )
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Money]
    vat_total: Mapped[Money]
    gross_total: Mapped[Money]
    paid_amount: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    status: Mapped[InvoiceStatus] = mapped_column(str_enum(InvoiceStatus, "invoice_status"))
    # Payment details as the billing system sent them; the variable symbol is the reference.
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    variable_symbol: Mapped[str] = mapped_column(String(20))
    # Bumped by every change a printed invoice shows (payment, cancellation); each version
    # is rendered to PDF once.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Fingerprint of the imported content: a re-import of the same invoice is recognised.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]

    issuer: Mapped[Issuer] = relationship()
    company: Mapped[Company] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    # In the order they were recorded: a reversal comes after what it reverses.
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.id", passive_deletes=True
    )

    @property
    def balance(self) -> Decimal:
        return self.gross_total - self.paid_amount

    @hybrid_property
    def is_open(self) -> bool:
        """Something is left to pay: issued, or partially paid."""
        return self.status in OPEN_STATUSES

    @is_open.inplace.expression
    @classmethod
    def _is_open(cls) -> ColumnElement[bool]:
        return cls.status.in_(OPEN_STATUSES)

    @property
    def is_partially_paid(self) -> bool:
        return self.status == InvoiceStatus.PARTIALLY_PAID

    @property
    def is_paid(self) -> bool:
        return self.status == InvoiceStatus.PAID

    @property
    def is_cancelled(self) -> bool:
        return self.status == InvoiceStatus.CANCELLED

    @property
    def is_settlement(self) -> bool:
        """A settlement of an advance payer: it bills a period longer than the month a regular
        invoice covers, and its lines deduct the advances paid for that period."""
        if self.period_start is None or self.period_end is None:
            return False
        return (self.period_end - self.period_start).days > SETTLEMENT_AFTER_DAYS

    @property
    def billed_lines(self) -> list[InvoiceLine]:
        """What the invoice charges: every line but the deductions."""
        return [line for line in self.lines if line.line_total >= 0]

    @property
    def deductions(self) -> list[InvoiceLine]:
        """Lines that take off what was paid before (a settlement's advances): they carry
        no VAT of their own, so they are shown after the VAT total, not among the charges."""
        return [line for line in self.lines if line.line_total < 0]

    @property
    def billed_net(self) -> Decimal:
        return self.net_total - sum((line.line_total for line in self.deductions), Decimal(0))

    @property
    def billed_gross(self) -> Decimal:
        return self.gross_total - sum((line.line_total for line in self.deductions), Decimal(0))

    def is_overdue(self, today: dt.date) -> bool:
        """Open after its due date (`today` where the customer is)."""
        return self.is_open and self.due_date < today

    @property
    def standing_payments(self) -> list[Payment]:
        """The payments that count: neither reversed nor reversals. They add up to
        `paid_amount`."""
        reversed_ids = {p.reverses_id for p in self.payments if p.reverses_id is not None}
        return [p for p in self.payments if p.reverses_id is None and p.id not in reversed_ids]


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
# A regular invoice bills one calendar month: its last day is at most 30 days after its first.
SETTLEMENT_AFTER_DAYS = 30


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    line_total: Mapped[Money]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(Base):
    """Money received for an invoice, as a clerk recorded it. A reversal (money returned, a
    payment booked to the wrong invoice) is a row of its own with the negative amount, pointing
    at the payment it takes back. Rows are never changed or deleted: the invoice's
    `paid_amount` is always the sum of its rows."""

    __tablename__ = "payments"
    __table_args__ = (
        # A payment is reversed once at most.
        UniqueConstraint("reverses_id"),
        CheckConstraint(
            "(reverses_id IS NULL AND amount > 0 AND reason IS NULL)"
            " OR (reverses_id IS NOT NULL AND amount < 0 AND reason IS NOT NULL)",
            name="payment_or_reversal",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Money]
    # The day the money arrived (the bank statement's date), not the day it was recorded.
    paid_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(140))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[CreatedAt]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    recorded_by: Mapped[Account | None] = relationship()
    reverses: Mapped[Payment | None] = relationship(
        remote_side=[id], foreign_keys=[reverses_id], back_populates="reversed_by"
    )
    reversed_by: Mapped[Payment | None] = relationship(back_populates="reverses")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class InvoicePdf(Base):
    """The rendered PDF of one invoice version: later downloads serve these bytes."""

    __tablename__ = "invoice_pdfs"
    __table_args__ = (UniqueConstraint("invoice_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"))
    rendered_at: Mapped[CreatedAt]

    file: Mapped[StoredFile] = relationship()


class AdvancePayment(Base):
    """A scheduled prepayment (záloha); overdue is derived from the due date."""

    __tablename__ = "advance_payments"
    __table_args__ = (UniqueConstraint("company_id", "supply_point_id", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    supply_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("supply_points.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Money]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    variable_symbol: Mapped[str] = mapped_column(String(20))
    status: Mapped[AdvanceStatus] = mapped_column(
        str_enum(AdvanceStatus, "advance_status"), default=AdvanceStatus.DUE
    )
    paid_at: Mapped[Timestamp | None]

    @hybrid_property
    def is_due(self) -> bool:
        """Not paid yet."""
        return self.status == AdvanceStatus.DUE

    @is_due.inplace.expression
    @classmethod
    def _is_due(cls) -> ColumnElement[bool]:
        return cls.status == AdvanceStatus.DUE

    @property
    def is_paid(self) -> bool:
        return self.status == AdvanceStatus.PAID

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_due and self.due_date < today


class PriceList(Base):
    """Prices valid for a period: for customer groups (by priority) or for one company."""

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    commodity: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # An individual price list of one company wins over every group list.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]

    items: Mapped[list[PriceListItem]] = relationship(
        back_populates="price_list",
        order_by="PriceListItem.position",
        cascade="all, delete-orphan",
    )
    assignments: Mapped[list[PriceListAssignment]] = relationship(
        back_populates="price_list", cascade="all, delete-orphan"
    )
    file: Mapped[StoredFile | None] = relationship()

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class PriceListItem(Base):
    __tablename__ = "price_list_items"
    __table_args__ = (UniqueConstraint("price_list_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The same code in several lists is the same item: the priority rule picks one price.
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    price_list: Mapped[PriceList] = relationship(back_populates="items")


class PriceListAssignment(Base):
    __tablename__ = "price_list_assignments"
    __table_args__ = (UniqueConstraint("price_list_id", "customer_group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    customer_group_id: Mapped[int] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE"), index=True
    )
    priority: Mapped[int] = mapped_column(Integer)

    price_list: Mapped[PriceList] = relationship(back_populates="assignments")
    customer_group: Mapped[CustomerGroup] = relationship()
