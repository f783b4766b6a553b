"""enforcement certificates: types and requirements, certificates, history, exams, applications

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 00:47:12.512698

"""
from alembic import op
import sqlalchemy as sa

import lawexam.db


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('preset', sa.String(length=24), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('hours_centi', sa.Integer(), nullable=False),
    sa.Column('period', sa.Enum('year', 'validity', name='certificate_period', native_enum=False, length=24), nullable=False),
    sa.Column('exam_required', sa.Boolean(), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('validity_years', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lawexam.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lawexam.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_types')),
    sa.UniqueConstraint('name', name=op.f('uq_certificate_types_name')),
    sa.UniqueConstraint('preset', name=op.f('uq_certificate_types_preset'))
    )
    op.create_table('certificate_type_modules',
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['question_modules.id'], name=op.f('fk_certificate_type_modules_module_id_question_modules')),
    sa.ForeignKeyConstraint(['type_id'], ['certificate_types.id'], name=op.f('fk_certificate_type_modules_type_id_certificate_types'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('type_id', 'module_id', name=op.f('pk_certificate_type_modules'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('authority', sa.String(length=120), nullable=False),
    sa.Column('enforcement_field', sa.String(length=120), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('valid', 'renewal_due', 'expired', 'suspended', 'revoked', name='certificate_status', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', lawexam.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lawexam.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_certificates_holder_id_users')),
    sa.ForeignKeyConstraint(['type_id'], ['certificate_types.id'], name=op.f('fk_certificates_type_id_certificate_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('type_id', 'number', name=op.f('uq_certificates_type_id_number'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_type_id'), ['type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_valid_until'), ['valid_until'], unique=False)

    op.create_table('certificate_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('candidate', 'applied', 'issued', 'withdrawn', name='certificate_application_status', native_enum=False, length=24), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=True),
    sa.Column('passed_on', sa.Date(), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lawexam.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lawexam.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_applications_certificate_id_certificates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_certificate_applications_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_certificate_applications_exam_id_exams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['type_id'], ['certificate_types.id'], name=op.f('fk_certificate_applications_type_id_certificate_types')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificate_applications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_applications'))
    )
    with op.batch_alter_table('certificate_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_applications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_applications_type_id'), ['type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_applications_user_id'), ['user_id'], unique=False)

    op.create_table('certificate_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'corrected', 'renewed', 'suspended', 'revoked', 'reinstated', 'imported', name='certificate_event_kind', native_enum=False, length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('old', sa.JSON(), nullable=False),
    sa.Column('new', sa.JSON(), nullable=False),
    sa.Column('override', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=96), nullable=False),
    sa.Column('at', lawexam.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_certificate_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_events_certificate_id_certificates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_events'))
    )
    with op.batch_alter_table('certificate_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_events_certificate_id'), ['certificate_id'], unique=False)

    op.create_table('certificate_exams',
    sa.Column('certificate_type_id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_type_id'], ['certificate_types.id'], name=op.f('fk_certificate_exams_certificate_type_id_certificate_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_certificate_exams_exam_id_exams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('certificate_type_id', 'exam_id', name=op.f('pk_certificate_exams'))
    )
    with op.batch_alter_table('certificate_exams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_exams_exam_id'), ['exam_id'], unique=False)


def downgrade():
    with op.batch_alter_table('certificate_exams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_exams_exam_id'))

    op.drop_table('certificate_exams')
    with op.batch_alter_table('certificate_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_events_certificate_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_events_at'))

    op.drop_table('certificate_events')
    with op.batch_alter_table('certificate_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_applications_user_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_applications_type_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_applications_status'))

    op.drop_table('certificate_applications')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_valid_until'))
        batch_op.drop_index(batch_op.f('ix_certificates_type_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_status'))
        batch_op.drop_index(batch_op.f('ix_certificates_issued_on'))
        batch_op.drop_index(batch_op.f('ix_certificates_holder_id'))

    op.drop_table('certificates')
    op.drop_table('certificate_type_modules')
    op.drop_table('certificate_types')
