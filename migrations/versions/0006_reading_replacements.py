"""readings: a rejected or replaced reading frees its register and date (one accepted or
pending reading per register and date, a partial unique index); a customer's new reading can
replace their own pending one (status superseded, readings.replaces_id)

Revision ID: 0006_reading_replacements
Revises: 0005_outbox_templates
Create Date: 2026-12-02 07:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_reading_replacements'
down_revision = '0005_outbox_templates'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('accepted', 'pending_review', 'rejected')"
NEW_STATUSES = "status IN ('accepted', 'pending_review', 'rejected', 'superseded')"
IN_SEQUENCE = "status IN ('accepted', 'pending_review')"


def upgrade() -> None:
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_readings_replaces_id_readings'), 'readings', ['replaces_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('uq_readings_register_id_reading_date'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_readings_reading_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_readings_reading_status'), NEW_STATUSES)
    op.create_index('uq_readings_register_id_reading_date', 'readings', ['register_id', 'reading_date'], unique=True, sqlite_where=sa.text(IN_SEQUENCE), postgresql_where=sa.text(IN_SEQUENCE))


def downgrade() -> None:
    # The old schema holds one reading per register and date, whatever its status: replaced
    # readings, and rejected ones sharing their register and date with another reading, go.
    op.execute("DELETE FROM readings WHERE status = 'superseded'")
    op.execute(
        "DELETE FROM readings WHERE status = 'rejected' AND EXISTS (SELECT 1 FROM readings AS r"
        " WHERE r.register_id = readings.register_id AND r.reading_date = readings.reading_date"
        " AND r.id <> readings.id)"
    )
    op.drop_index('uq_readings_register_id_reading_date', table_name='readings')
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_readings_reading_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_readings_reading_status'), OLD_STATUSES)
        batch_op.create_unique_constraint(batch_op.f('uq_readings_register_id_reading_date'), ['register_id', 'reading_date'])
        batch_op.drop_constraint(batch_op.f('fk_readings_replaces_id_readings'), type_='foreignkey')
        batch_op.drop_column('replaces_id')
