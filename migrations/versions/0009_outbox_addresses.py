"""account emails in the outbox: a row may go to an address rather than to an account

Revision ID: 0009_outbox_addresses
Revises: 0008_release_and_erasure
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_outbox_addresses'
down_revision = '0008_release_and_erasure'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=320), nullable=True))
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Rows addressed to no account cannot be kept in the older table.
    op.execute("DELETE FROM notifications WHERE recipient_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('address')
