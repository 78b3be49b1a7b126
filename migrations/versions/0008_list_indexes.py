"""indexes for the lists at scale: trigram indexes for the back office's company search
(PostgreSQL only), the back office's invoice list newest first, a supply point's advances

Revision ID: 0008_list_indexes
Revises: 0007_payments
Create Date: 2026-12-03 11:00:00
"""

from alembic import op


revision = '0008_list_indexes'
down_revision = '0007_payments'
branch_labels = None
depends_on = None

# The columns the company search looks inside (backoffice/companies.py).
TRIGRAM = [
    ("companies", "legal_name"),
    ("companies", "company_number"),
    ("companies", "vat_id"),
    ("companies", "contact_email"),
    ("accounts", "email"),
]


def upgrade() -> None:
    op.create_index('ix_invoices_issue_date_id', 'invoices', ['issue_date', 'id'], unique=False)
    op.create_index(
        op.f('ix_advance_payments_supply_point_id'),
        'advance_payments',
        ['supply_point_id'],
        unique=False,
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in TRIGRAM:
        op.create_index(
            f'ix_{table}_{column}_trgm',
            table,
            [column],
            unique=False,
            postgresql_using='gin',
            postgresql_ops={column: 'gin_trgm_ops'},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in TRIGRAM:
            op.drop_index(f'ix_{table}_{column}_trgm', table_name=table)
    op.drop_index(op.f('ix_advance_payments_supply_point_id'), table_name='advance_payments')
    op.drop_index('ix_invoices_issue_date_id', table_name='invoices')
