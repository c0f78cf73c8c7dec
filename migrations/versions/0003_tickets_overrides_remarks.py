"""tickets overrides remarks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 04:04:08.950537
"""
from alembic import op
import sqlalchemy as sa
import backupchecks.models.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('autotask_reference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=50), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('web_url', sa.String(length=300), nullable=True),
    sa.Column('refreshed_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_autotask_reference')),
    sa.UniqueConstraint('entity', name=op.f('uq_autotask_reference_entity'))
    )
    op.create_table('overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('object_name', sa.String(length=500), nullable=True),
    sa.Column('match_status', sa.String(length=16), nullable=True),
    sa.Column('match_kind', sa.String(length=16), nullable=False),
    sa.Column('match_text', sa.String(length=1000), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('treat_as', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('matched_count', sa.Integer(), nullable=False),
    sa.Column('created_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_overrides_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_overrides_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overrides'))
    )
    with op.batch_alter_table('overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_overrides_job_id'), ['job_id'], unique=False)

    op.create_table('ticket_intents',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('open_job_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('autotask_id', sa.BigInteger(), nullable=True),
    sa.Column('ticket_number', sa.String(length=50), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ticket_intents_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_ticket_intents_job_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ticket_intents')),
    sa.UniqueConstraint('open_job_id', name=op.f('uq_ticket_intents_open_job_id'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('autotask_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.String(length=50), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('company_id', sa.BigInteger(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('status_label', sa.String(length=100), nullable=True),
    sa.Column('completed_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_checked_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('missing', sa.Boolean(), nullable=False),
    sa.Column('created_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tickets_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tickets_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_tickets_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_tickets_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('autotask_id', name=op.f('uq_tickets_autotask_id'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_number'), ['number'], unique=False)

    op.create_table('remarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('object_name', sa.String(length=500), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_remarks_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_remarks_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_remarks_run_id_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remarks'))
    )
    with op.batch_alter_table('remarks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remarks_job_id'), ['job_id'], unique=False)

    op.create_table('run_overrides',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('override_id', sa.Integer(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=254), nullable=True),
    sa.Column('applied_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_run_overrides_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['override_id'], ['overrides.id'], name=op.f('fk_run_overrides_override_id_overrides'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_overrides_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_run_overrides'))
    )
    with op.batch_alter_table('run_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_overrides_override_id'), ['override_id'], unique=False)

    op.create_table('run_tickets',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', backupchecks.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_tickets_run_id_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_run_tickets_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'ticket_id', name=op.f('pk_run_tickets'))
    )
    with op.batch_alter_table('run_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_tickets_ticket_id'), ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('run_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_tickets_ticket_id'))

    op.drop_table('run_tickets')
    with op.batch_alter_table('run_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_overrides_override_id'))

    op.drop_table('run_overrides')
    with op.batch_alter_table('remarks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remarks_job_id'))

    op.drop_table('remarks')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_number'))
        batch_op.drop_index(batch_op.f('ix_tickets_job_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_customer_id'))

    op.drop_table('tickets')
    op.drop_table('ticket_intents')
    with op.batch_alter_table('overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_overrides_job_id'))

    op.drop_table('overrides')
    op.drop_table('autotask_reference')
