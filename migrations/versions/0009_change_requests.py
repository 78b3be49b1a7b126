"""change requests: a customer's edit of company data (or of a supply point's
correspondence address, or of the company's logins) pending the back office's verification; the company's bank account,
contact person and country of registration

Revision ID: 0009_change_requests
Revises: 0008_list_indexes
Create Date: 2026-12-03 13:37:02
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_change_requests'
down_revision = '0008_list_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('company_data', 'supply_point_address', 'login_add', 'login_close', name='change_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('supply_point_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', 'superseded', name='change_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('four_eyes', sa.Boolean(), nullable=False),
    sa.Column('first_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('first_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_change_requests_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_change_requests_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['accounts.id'], name=op.f('fk_change_requests_decided_by_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_id'], ['stored_files.id'], name=op.f('fk_change_requests_evidence_id_stored_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_approved_by_id'], ['accounts.id'], name=op.f('fk_change_requests_first_approved_by_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['accounts.id'], name=op.f('fk_change_requests_requested_by_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supply_point_id'], ['supply_points.id'], name=op.f('fk_change_requests_supply_point_id_supply_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests'))
    )
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_requests_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_change_requests_status_id', ['status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_supply_point_id'), ['supply_point_id'], unique=False)

    op.create_table('changed_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_requests.id'], name=op.f('fk_changed_fields_change_request_id_change_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changed_fields')),
    sa.UniqueConstraint('change_request_id', 'field', name=op.f('uq_changed_fields_change_request_id_field'))
    )
    with op.batch_alter_table('changed_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changed_fields_change_request_id'), ['change_request_id'], unique=False)

    # Plain ADD COLUMN on every database: a batch copy of `companies` on SQLite would drop
    # the table, and with foreign keys on that deletes every row that refers to it.
    op.add_column('companies', sa.Column('contact_person', sa.String(length=200), nullable=True))
    op.add_column('companies', sa.Column('bank_account', sa.String(length=42), nullable=True))
    op.add_column(
        'companies',
        sa.Column('country', sa.String(length=2), server_default='SK', nullable=False),
    )
    op.add_column('supply_points', sa.Column('correspondence_address', sa.Text(), nullable=True))



def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), never a batch copy: copying `companies` drops the
    # table, and on SQLite with foreign keys on that deletes every row that refers to it.
    op.drop_column('supply_points', 'correspondence_address')
    for column in ('country', 'bank_account', 'contact_person'):
        op.drop_column('companies', column)

    with op.batch_alter_table('changed_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changed_fields_change_request_id'))

    op.drop_table('changed_fields')
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_requests_supply_point_id'))
        batch_op.drop_index('ix_change_requests_status_id')
        batch_op.drop_index(batch_op.f('ix_change_requests_company_id'))

    op.drop_table('change_requests')
