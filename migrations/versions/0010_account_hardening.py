"""account hardening: API tokens expire; email-change links are single use

Revision ID: 0010_account_hardening
Revises: 0009_outbox_addresses
Create Date: 2026-12-07 00:30:00

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_account_hardening'
down_revision = '0009_outbox_addresses'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    # Tokens made before expiry existed get the default lifetime from today, so no system
    # using one stops without its owner having been reminded first.
    op.execute(
        sa.text('UPDATE access_tokens SET expires_at = :expires WHERE expires_at IS NULL').bindparams(
            expires=datetime.now(UTC) + timedelta(days=90)
        )
    )
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f('ix_access_tokens_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_change_nonce', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_change_nonce')
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_tokens_expires_at'))
        batch_op.drop_column('expires_at')
