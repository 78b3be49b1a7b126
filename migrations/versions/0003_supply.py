"""supply points, meters, readings

Revision ID: 0003_supply
Revises: 0002_files
Create Date: 2026-11-23 13:20:11.924462
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_supply'
down_revision = '0002_files'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('supply_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=18), nullable=False),
    sa.Column('commodity', sa.Enum('electricity', 'gas', 'water', name='commodity', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('tariff', sa.String(length=80), nullable=False),
    sa.Column('distribution_rate', sa.String(length=80), nullable=False),
    sa.Column('status', sa.Enum('active', 'terminated', name='supply_point_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('self_reading_allowed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_supply_points_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_points')),
    sa.UniqueConstraint('code', name=op.f('uq_supply_points_code'))
    )
    with op.batch_alter_table('supply_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supply_points_company_id'), ['company_id'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('supply_point_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_contracts_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['stored_files.id'], name=op.f('fk_contracts_document_id_stored_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supply_point_id'], ['supply_points.id'], name=op.f('fk_contracts_supply_point_id_supply_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('number', name=op.f('uq_contracts_number'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_supply_point_id'), ['supply_point_id'], unique=False)

    op.create_table('meters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('supply_point_id', sa.Integer(), nullable=False),
    sa.Column('serial_number', sa.String(length=40), nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_meters_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supply_point_id'], ['supply_points.id'], name=op.f('fk_meters_supply_point_id_supply_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meters')),
    sa.UniqueConstraint('supply_point_id', 'serial_number', name=op.f('uq_meters_supply_point_id_serial_number'))
    )
    with op.batch_alter_table('meters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meters_company_id'), ['company_id'], unique=False)

    op.create_table('meter_registers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('digits', sa.Integer(), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.CheckConstraint('decimals BETWEEN 0 AND 3', name=op.f('ck_meter_registers_decimals')),
    sa.CheckConstraint('digits BETWEEN 1 AND 12', name=op.f('ck_meter_registers_digits')),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_meter_registers_meter_id_meters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_registers')),
    sa.UniqueConstraint('meter_id', 'code', name=op.f('uq_meter_registers_meter_id_code'))
    )
    with op.batch_alter_table('meter_registers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_registers_meter_id'), ['meter_id'], unique=False)

    op.create_table('reading_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('supply_point_id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('reading_date', sa.Date(), nullable=False),
    sa.Column('source', sa.Enum('customer', 'distributor', name='reading_source', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_reading_submissions_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_reading_submissions_meter_id_meters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['stored_files.id'], name=op.f('fk_reading_submissions_photo_id_stored_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['accounts.id'], name=op.f('fk_reading_submissions_submitted_by_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supply_point_id'], ['supply_points.id'], name=op.f('fk_reading_submissions_supply_point_id_supply_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reading_submissions')),
    sa.UniqueConstraint('supply_point_id', 'idempotency_key', name=op.f('uq_reading_submissions_supply_point_id_idempotency_key'))
    )
    with op.batch_alter_table('reading_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reading_submissions_company_id'), ['company_id'], unique=False)

    op.create_table('readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('supply_point_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('register_id', sa.Integer(), nullable=False),
    sa.Column('reading_date', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=15, scale=3), nullable=False),
    sa.Column('rollover', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('accepted', 'pending_review', 'rejected', name='reading_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('consumption', sa.Numeric(precision=15, scale=3), nullable=True),
    sa.Column('expected_low', sa.Numeric(precision=15, scale=3), nullable=True),
    sa.Column('expected_high', sa.Numeric(precision=15, scale=3), nullable=True),
    sa.Column('review_reason', sa.Enum('above_expected', 'below_expected', 'no_consumption', name='review_reason', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_readings_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['register_id'], ['meter_registers.id'], name=op.f('fk_readings_register_id_meter_registers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['accounts.id'], name=op.f('fk_readings_reviewed_by_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['reading_submissions.id'], name=op.f('fk_readings_submission_id_reading_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supply_point_id'], ['supply_points.id'], name=op.f('fk_readings_supply_point_id_supply_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readings')),
    sa.UniqueConstraint('register_id', 'reading_date', name=op.f('uq_readings_register_id_reading_date'))
    )
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_readings_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_readings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_readings_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_readings_supply_point_id'), ['supply_point_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_readings_supply_point_id'))
        batch_op.drop_index(batch_op.f('ix_readings_submission_id'))
        batch_op.drop_index(batch_op.f('ix_readings_status'))
        batch_op.drop_index(batch_op.f('ix_readings_company_id'))

    op.drop_table('readings')
    with op.batch_alter_table('reading_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reading_submissions_company_id'))

    op.drop_table('reading_submissions')
    with op.batch_alter_table('meter_registers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_registers_meter_id'))

    op.drop_table('meter_registers')
    with op.batch_alter_table('meters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meters_company_id'))

    op.drop_table('meters')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_supply_point_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_company_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('supply_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supply_points_company_id'))

    op.drop_table('supply_points')
