"""billing: issuers, invoices, advance payments, price lists

Revision ID: 0004_billing
Revises: 0003_supply
Create Date: 2026-11-23 13:20:42.720935
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_billing'
down_revision = '0003_supply'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('issuers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('company_number', sa.String(length=20), nullable=True),
    sa.Column('vat_id', sa.String(length=20), nullable=True),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issuers')),
    sa.UniqueConstraint('code', name=op.f('uq_issuers_code'))
    )
    op.create_table('advance_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('supply_point_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('variable_symbol', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('due', 'paid', name='advance_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_advance_payments_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supply_point_id'], ['supply_points.id'], name=op.f('fk_advance_payments_supply_point_id_supply_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advance_payments')),
    sa.UniqueConstraint('company_id', 'supply_point_id', 'due_date', name=op.f('uq_advance_payments_company_id_supply_point_id_due_date'))
    )
    with op.batch_alter_table('advance_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advance_payments_company_id'), ['company_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('supply_point_id', sa.Integer(), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('vat_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('gross_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.Enum('issued', 'partially_paid', 'paid', 'cancelled', name='invoice_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.Column('variable_symbol', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('paid_amount >= 0', name=op.f('ck_invoices_paid_not_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_invoices_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], name=op.f('fk_invoices_issuer_id_issuers')),
    sa.ForeignKeyConstraint(['supply_point_id'], ['supply_points.id'], name=op.f('fk_invoices_supply_point_id_supply_points'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('issuer_id', 'number', name=op.f('uq_invoices_issuer_id_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_due_date'), ['due_date'], unique=False)

    op.create_table('price_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('commodity', sa.String(length=20), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_price_lists_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_price_lists_file_id_stored_files'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_lists'))
    )
    with op.batch_alter_table('price_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_lists_company_id'), ['company_id'], unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_company_issue_date', ['company_id', 'issue_date'], unique=False)
        batch_op.create_index('ix_invoices_company_number', ['company_id', 'number'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('line_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('invoice_id', 'position', name=op.f('uq_invoice_lines_invoice_id_position'))
    )
    op.create_table('invoice_pdfs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_invoice_pdfs_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_pdfs_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_pdfs')),
    sa.UniqueConstraint('invoice_id', 'version', name=op.f('uq_invoice_pdfs_invoice_id_version'))
    )
    op.create_table('price_list_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('price_list_id', sa.Integer(), nullable=False),
    sa.Column('customer_group_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_group_id'], ['customer_groups.id'], name=op.f('fk_price_list_assignments_customer_group_id_customer_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['price_list_id'], ['price_lists.id'], name=op.f('fk_price_list_assignments_price_list_id_price_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_list_assignments')),
    sa.UniqueConstraint('price_list_id', 'customer_group_id', name=op.f('uq_price_list_assignments_price_list_id_customer_group_id'))
    )
    with op.batch_alter_table('price_list_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_list_assignments_customer_group_id'), ['customer_group_id'], unique=False)

    op.create_table('price_list_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('price_list_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['price_list_id'], ['price_lists.id'], name=op.f('fk_price_list_items_price_list_id_price_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_list_items')),
    sa.UniqueConstraint('price_list_id', 'code', name=op.f('uq_price_list_items_price_list_id_code'))
    )
    


def downgrade() -> None:
    
    op.drop_table('price_list_items')
    with op.batch_alter_table('price_list_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_list_assignments_customer_group_id'))

    op.drop_table('price_list_assignments')
    op.drop_table('invoice_pdfs')
    op.drop_table('invoice_lines')
    with op.batch_alter_table('price_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_lists_company_id'))

    op.drop_table('price_lists')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_due_date'))

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_company_number')
        batch_op.drop_index('ix_invoices_company_issue_date')

    op.drop_table('invoices')
    with op.batch_alter_table('advance_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advance_payments_company_id'))

    op.drop_table('advance_payments')
    op.drop_table('issuers')
    
