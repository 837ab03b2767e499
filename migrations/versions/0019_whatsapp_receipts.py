"""whatsapp receipts: the gateway's id and delivery receipt of each text or WhatsApp message,
and numbers whose owner replied STOP

Revision ID: 0019_whatsapp_receipts
Revises: 0018_languages
Create Date: 2026-12-15 00:00:00

- `notifications.gateway_id`: the message's id at Notify or WhatsApp (indexed: receipts find
  their message by it); `receipt` and `receipt_at`: the delivery receipt and when it came.
- `mobile_numbers.opted_out_at`: when the person replied STOP.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_whatsapp_receipts'
down_revision = '0018_languages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gateway_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('receipt', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('receipt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_notifications_gateway_id'), ['gateway_id'], unique=False
        )
    with op.batch_alter_table('mobile_numbers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('mobile_numbers', schema=None) as batch_op:
        batch_op.drop_column('opted_out_at')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_gateway_id'))
        batch_op.drop_column('receipt_at')
        batch_op.drop_column('receipt')
        batch_op.drop_column('gateway_id')
