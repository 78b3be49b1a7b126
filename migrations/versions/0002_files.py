"""file store: uploaded and generated files

Revision ID: 0002_files
Revises: 0001_foundation
Create Date: 2026-11-23 13:14:03.869679
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_files'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_stored_files_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files'))
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_files_company_id'), ['company_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_company_id'))

    op.drop_table('stored_files')
    
