"""mail, customers, jobs, runs, run objects, parser rules, IMAP read position

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 03:55:23.171605

mails.run_id and runs.mail_id point at each other: mails is created first and
its foreign key to runs is added once runs exists.
"""
from alembic import op
import sqlalchemy as sa
import backupchecks.models.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('autotask_company_id', sa.Integer(), nullable=True),
    sa.Column('autotask_company_name', sa.String(length=300), nullable=True),
    sa.Column('mapping_state', sa.String(length=16), nullable=True),
    sa.Column('created_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('name', name=op.f('uq_customers_name'))
    )
    op.create_table('imap_folder_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=300), nullable=False),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('last_poll_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_imported', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imap_folder_state')),
    sa.UniqueConstraint('account', 'folder', name='uq_imap_folder_state_account')
    )
    op.create_table('mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('sent_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('mailbox', sa.String(length=300), nullable=True),
    sa.Column('folder', sa.String(length=500), nullable=True),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('parser', sa.String(length=64), nullable=True),
    sa.Column('parser_version', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('product', sa.String(length=100), nullable=True),
    sa.Column('job_type', sa.String(length=100), nullable=True),
    sa.Column('job_name', sa.String(length=300), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('job_key', sa.String(length=64), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mails')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_mails_content_hash')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mails_message_id'))
    )
    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mails_job_key'), ['job_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_mails_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mails_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_mails_state_run_id', ['state', 'run_id'], unique=False)

    _fast_raw_compression()

    op.create_table('parser_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('product', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('sender_pattern', sa.String(length=500), nullable=True),
    sa.Column('subject_pattern', sa.String(length=500), nullable=True),
    sa.Column('body_pattern', sa.String(length=1000), nullable=True),
    sa.Column('success_words', sa.Text(), nullable=False),
    sa.Column('warning_words', sa.Text(), nullable=False),
    sa.Column('failure_words', sa.Text(), nullable=False),
    sa.Column('job_name_template', sa.String(length=300), nullable=True),
    sa.Column('host_template', sa.String(length=300), nullable=True),
    sa.Column('job_type', sa.String(length=100), nullable=False),
    sa.Column('updated_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parser_rules')),
    sa.UniqueConstraint('name', name=op.f('uq_parser_rules_name'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=100), nullable=False),
    sa.Column('job_type', sa.String(length=100), nullable=False),
    sa.Column('job_name', sa.String(length=300), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('match_key', sa.String(length=64), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('archived_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('schedule_kind', sa.String(length=16), nullable=True),
    sa.Column('schedule_days', sa.String(length=40), nullable=True),
    sa.Column('schedule_minute', sa.Integer(), nullable=True),
    sa.Column('schedule_source', sa.String(length=16), nullable=False),
    sa.Column('missed_check', sa.Boolean(), nullable=False),
    sa.Column('grace_hours', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_jobs_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('match_key', name=op.f('uq_jobs_match_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_customer_id'), ['customer_id'], unique=False)

    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_retry', sa.Boolean(), nullable=False),
    sa.Column('retry_number', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.Column('expected_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_runs_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mail_id'], ['mails.id'], name=op.f('fk_runs_mail_id_mails'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_runs_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs')),
    sa.UniqueConstraint('job_id', 'expected_at', name='uq_runs_job_id_expected_at')
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_job_id_started_at', ['job_id', 'started_at'], unique=False)

    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_mails_run_id_runs'), 'runs', ['run_id'], ['id'],
                                    ondelete='SET NULL')

    op.create_table('run_objects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_objects_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_objects'))
    )
    with op.batch_alter_table('run_objects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_objects_run_id'), ['run_id'], unique=False)



def _fast_raw_compression():
    """PostgreSQL 14+: lz4 for the raw mail bytes; pglz (the default) halves import speed.

    A server built without lz4 refuses: the savepoint keeps the migration going on pglz.
    """
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or (bind.dialect.server_version_info or (0,)) < (14,):
        return
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("ALTER TABLE mails ALTER COLUMN raw SET COMPRESSION lz4")
    except sa.exc.DBAPIError:
        pass


def downgrade():
    with op.batch_alter_table('run_objects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_objects_run_id'))

    op.drop_table('run_objects')
    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mails_run_id_runs'), type_='foreignkey')

    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_job_id_started_at')

    op.drop_table('runs')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_customer_id'))

    op.drop_table('jobs')
    op.drop_table('parser_rules')
    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.drop_index('ix_mails_state_run_id')
        batch_op.drop_index(batch_op.f('ix_mails_run_id'))
        batch_op.drop_index(batch_op.f('ix_mails_received_at'))
        batch_op.drop_index(batch_op.f('ix_mails_job_key'))

    op.drop_table('mails')
    op.drop_table('imap_folder_state')
    op.drop_table('customers')
