"""file store; companies get a customer number and may belong to several customer groups

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

    op.create_table('company_groups',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_groups_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_group_id'], ['customer_groups.id'], name=op.f('fk_company_groups_customer_group_id_customer_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', 'customer_group_id', name=op.f('pk_company_groups'))
    )
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_number', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_companies_customer_number'), ['customer_number'])

    


def downgrade() -> None:
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_companies_customer_number'), type_='unique')
        batch_op.drop_column('customer_number')

    op.drop_table('company_groups')

    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_company_id'))

    op.drop_table('stored_files')
    
