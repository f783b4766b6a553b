"""reports: covering indexes on attempts for the participation and pass-rate figures

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 01:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_attempts_report_sitting', 'attempts', ['exam_id', 'user_id', 'state', 'score', 'passed'],
                    unique=False)
    op.create_index('ix_attempts_report_finished', 'attempts', ['finished_at', 'state', 'user_id', 'passed'],
                    unique=False)


def downgrade():
    op.drop_index('ix_attempts_report_finished', table_name='attempts')
    op.drop_index('ix_attempts_report_sitting', table_name='attempts')
