"""engagements in the log of changes, for the impact figures kept in memory

Revision ID: 0007_change_log_engagements
Revises: 0006_matching_changes
Create Date: 2026-11-23 07:08:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_change_log_engagements'
down_revision = '0006_matching_changes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('engagement_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('matching_changes', schema=None) as batch_op:
        batch_op.drop_column('engagement_id')
