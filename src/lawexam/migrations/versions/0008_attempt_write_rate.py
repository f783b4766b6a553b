"""exams: per-attempt write-rate window on the attempt row

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 03:20:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts') as batch:
        batch.add_column(sa.Column('write_second', sa.BigInteger(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('write_count', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('attempts') as batch:
        batch.drop_column('write_count')
        batch.drop_column('write_second')
