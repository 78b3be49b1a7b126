"""password stamp: a password link remembers a fingerprint of the password it was sent for,
and stops working once the password changes in any other way

Revision ID: 0012_password_stamp
Revises: 0011_tickets
Create Date: 2026-12-04 20:42:46
"""

from alembic import op
import sqlalchemy as sa


revision = '0012_password_stamp'
down_revision = '0011_tickets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Links sent before keep working as before (no stamp) until they expire, within 30 minutes.
    op.add_column('account_tokens', sa.Column('password_stamp', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('account_tokens', 'password_stamp')
