"""mobile numbers, and a channel per kind of message in place of email on/off

Revision ID: 0017_mobile_numbers
Revises: 0016_volunteer_import
Create Date: 2026-12-07 00:00:00

- `mobile_numbers`: one per person, confirmed by a code sent by text message (its digest only).
- `notification_preferences.channel` replaces `email_on`: `email` where email was on, `inbox`
  (the inbox only) where it was off, so what people chose before stays chosen. Downgrading
  turns a choice of text messages back into email.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_mobile_numbers'
down_revision = '0016_volunteer_import'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mobile_numbers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failing_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('pending_number', sa.String(length=20), nullable=True),
        sa.Column('code_digest', sa.String(length=64), nullable=True),
        sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('code_attempts', sa.SmallInteger(), nullable=False),
        sa.Column('codes_sent', sa.SmallInteger(), nullable=False),
        sa.Column('codes_window_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_code_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('mobile_numbers', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_mobile_numbers_user_id'), ['user_id'], unique=True
        )

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('channel', sa.String(length=10), nullable=False, server_default='email')
        )
    preferences = sa.table(
        'notification_preferences',
        sa.column('channel', sa.String),
        sa.column('email_on', sa.Boolean),
    )
    op.execute(
        preferences.update()
        .where(preferences.c.email_on == sa.false())
        .values(channel='inbox')
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.alter_column('channel', server_default=None)
        batch_op.drop_column('email_on')


def downgrade():
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email_on', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    preferences = sa.table(
        'notification_preferences',
        sa.column('channel', sa.String),
        sa.column('email_on', sa.Boolean),
    )
    op.execute(
        preferences.update()
        .where(preferences.c.channel == 'inbox')
        .values(email_on=False)
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.alter_column('email_on', server_default=None)
        batch_op.drop_column('channel')

    with op.batch_alter_table('mobile_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mobile_numbers_user_id'))
    op.drop_table('mobile_numbers')
