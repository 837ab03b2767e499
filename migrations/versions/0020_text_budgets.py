"""text budgets: the text segments each organisation's messages may use a month

Revision ID: 0020_text_budgets
Revises: 0019_whatsapp_receipts
Create Date: 2026-12-21 00:00:00

- `notifications.organisation_id`, `notifications.segments`: the organisation a text is charged
  to, and how many segments.
- `text_budgets`: an organisation's monthly budget in segments, set by an administrator.
- `text_usage`: the segments used per organisation and month (UTC), and when its owners were
  warned at 80 %.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_text_budgets'
down_revision = '0019_whatsapp_receipts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('segments', sa.SmallInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_organisation_id_organisations'),
            'organisations',
            ['organisation_id'],
            ['id'],
            ondelete='SET NULL',
        )
    op.create_table(
        'text_budgets',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('segments', sa.Integer(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('organisation_id'),
    )
    op.create_table(
        'text_usage',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('used', sa.Integer(), nullable=False),
        sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organisation_id', 'month'),
    )


def downgrade():
    op.drop_table('text_usage')
    op.drop_table('text_budgets')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_notifications_organisation_id_organisations'), type_='foreignkey'
        )
        batch_op.drop_column('segments')
        batch_op.drop_column('organisation_id')
