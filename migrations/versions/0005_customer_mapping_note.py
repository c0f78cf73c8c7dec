"""customers.mapping_note: the current Autotask name of a renamed company, or why it is missing

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 05:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mapping_note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("mapping_note")
