"""organisations have a time zone

Revision ID: 0015_time_zones
Revises: 0014_change_log
Create Date: 2026-12-11 00:00:00

- `organisations.time_zone`: the IANA name of the zone the organisation works in; its new
  tele-teaching sessions start in it unless the poster picks another. Existing organisations
  get Europe/London, as accounts do; their owners can change it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_time_zones'
down_revision = '0014_change_log'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('time_zone', sa.String(length=64), server_default='Europe/London', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
