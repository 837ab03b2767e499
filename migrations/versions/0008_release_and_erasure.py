"""whom a message names, and certificates withdrawn when their holder's account is erased

Revision ID: 0008_release_and_erasure
Revises: 0007_change_log_engagements
Create Date: 2026-12-07 00:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_release_and_erasure'
down_revision = '0007_change_log_engagements'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_about_user_id'), ['about_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_about_user_id_users'), 'users', ['about_user_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_about_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_about_user_id'))
        batch_op.drop_column('about_user_id')
