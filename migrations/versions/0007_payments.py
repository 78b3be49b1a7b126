"""billing: payments as a history (one row per payment received, a reversal a row of its own
pointing at what it reverses); the payments recorded before are rebuilt from the audit log

Revision ID: 0007_payments
Revises: 0006_reading_replacements
Create Date: 2026-12-03 08:00:00
"""

import datetime as dt
import json
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '0007_payments'
down_revision = '0006_reading_replacements'
branch_labels = None
depends_on = None

PAYMENT_OR_REVERSAL = (
    "(reverses_id IS NULL AND amount > 0 AND reason IS NULL)"
    " OR (reverses_id IS NOT NULL AND amount < 0 AND reason IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=140), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint(PAYMENT_OR_REVERSAL, name=op.f('ck_payments_payment_or_reversal')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_payments_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['accounts.id'], name=op.f('fk_payments_recorded_by_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reverses_id'], ['payments.id'], name=op.f('fk_payments_reverses_id_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_payments_reverses_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)
    _rebuild_history()


def _rebuild_history() -> None:
    # paid_amount must equal the sum of an invoice's payments. Each payment recorded so far
    # left an audit event (amount, who, when): it becomes a row, dated the day it was
    # recorded. Whatever the events do not explain (none should) is one row of the
    # difference, dated the invoice's issue date.
    conn = op.get_bind()
    invoices = sa.table(
        'invoices', sa.column('id'), sa.column('company_id'), sa.column('issue_date', sa.Date()),
        sa.column('paid_amount', sa.Numeric(12, 2)), sa.column('created_at', sa.DateTime(timezone=True)),
    )
    events = sa.table(
        'audit_events', sa.column('id'), sa.column('action'), sa.column('target_type'),
        sa.column('target_id'), sa.column('actor_id'), sa.column('occurred_at', sa.DateTime(timezone=True)),
        sa.column('details'),
    )
    accounts = sa.table('accounts', sa.column('id'))
    payments = sa.table(
        'payments', sa.column('invoice_id'), sa.column('company_id'),
        sa.column('amount', sa.Numeric(12, 2)), sa.column('paid_on', sa.Date()),
        sa.column('recorded_by_id'), sa.column('recorded_at', sa.DateTime(timezone=True)),
    )
    paid = {
        row.id: row
        for row in conn.execute(
            sa.select(invoices).where(invoices.c.paid_amount > 0)
        )
    }
    if not paid:
        return
    known_accounts = set(conn.scalars(sa.select(accounts.c.id)))
    rows = []
    explained = {invoice_id: Decimal("0.00") for invoice_id in paid}
    recorded = conn.execute(
        sa.select(events)
        .where(events.c.action == 'invoice.payment_recorded', events.c.target_type == 'invoices')
        .order_by(events.c.id)
    )
    for event in recorded:
        invoice = paid.get(int(event.target_id))
        if invoice is None:
            continue
        amount = Decimal(json.loads(event.details)["amount"])
        if explained[invoice.id] + amount > invoice.paid_amount:
            continue
        explained[invoice.id] += amount
        occurred = _aware(event.occurred_at)
        rows.append({
            'invoice_id': invoice.id, 'company_id': invoice.company_id, 'amount': amount,
            'paid_on': occurred.date(), 'recorded_at': occurred,
            'recorded_by_id': event.actor_id if event.actor_id in known_accounts else None,
        })
    for invoice in paid.values():
        missing = invoice.paid_amount - explained[invoice.id]
        if missing > 0:
            rows.append({
                'invoice_id': invoice.id, 'company_id': invoice.company_id, 'amount': missing,
                'paid_on': invoice.issue_date, 'recorded_at': _aware(invoice.created_at),
                'recorded_by_id': None,
            })
    op.bulk_insert(payments, rows)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite forgets the zone; what is stored is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def downgrade() -> None:
    # The invoices keep their paid amount and status (reversals included); the history goes.
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_payments_company_id'))
    op.drop_table('payments')
