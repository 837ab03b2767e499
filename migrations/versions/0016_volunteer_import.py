"""volunteer imports: a cohort's uploaded spreadsheet kept between preview and confirmation,
and the invitations it sends

Revision ID: 0016_volunteer_import
Revises: 0015_time_zones
Create Date: 2026-12-12 00:00:00

- `volunteer_imports`: the rows read from one upload, with their problems, until confirmed
  (then only the refused rows, for the report of problems); confirmed once.
- `cohort_invitations`: one per address and cohort (unique), so nobody is invited twice; the
  link names the row and its nonce and works until accepted, renewed or expired.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_volunteer_import'
down_revision = '0015_time_zones'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'volunteer_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rows', sa.JSON(), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('invited', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('volunteer_imports', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_volunteer_imports_cohort_id'), ['cohort_id'], unique=False
        )

    op.create_table(
        'cohort_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('profession', sa.String(length=64), nullable=True),
        sa.Column('countries', sa.JSON(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['import_id'], ['volunteer_imports.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('cohort_id', 'email'),
    )
    with op.batch_alter_table('cohort_invitations', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_cohort_invitations_import_id'), ['import_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_cohort_invitations_user_id'), ['user_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('cohort_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_invitations_import_id'))
    op.drop_table('cohort_invitations')
    with op.batch_alter_table('volunteer_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_imports_cohort_id'))
    op.drop_table('volunteer_imports')
