"""outbox: the domain records template, parameters and language; the text is rendered when
sent (and kept, as what the recipient got)

Revision ID: 0005_outbox_templates
Revises: 0004_billing
Create Date: 2026-12-02 06:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005_outbox_templates'
down_revision = '0004_billing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Messages queued before this revision were rendered already: they keep their text and
    # get an empty template name, which the sender never needs for them.
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))
        batch_op.alter_column('subject', existing_type=sa.String(length=255), nullable=True)
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('template', existing_type=sa.String(length=60), server_default=None)
        batch_op.alter_column('params', existing_type=sa.Text(), server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE body_text IS NULL")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('subject', existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column('locale')
        batch_op.drop_column('params')
        batch_op.drop_column('template')
