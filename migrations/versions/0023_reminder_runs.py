"""reminder runs: how far each reminder job has run, and the indexes its next run reads

Revision ID: 0023_reminder_runs
Revises: 0022_directory_listed_indexes
Create Date: 2026-12-23 00:00:00

- `reminder_runs`: per job, the time up to which every due reminder was written; a run then
  reads only the time zones whose 09:00 came after it, and what changed since.
- `ix_users_time_zone`: whether anyone lives in a zone whose 09:00 has just come.
- `ix_milestones_open_scheduled`: open milestones set, moved or opened since the last run.
- `ix_plans_updated`: plans changed since the last run (lead times, coordinator, dates).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_reminder_runs"
down_revision = "0022_directory_listed_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminder_runs",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("ran_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job"),
    )
    op.create_index("ix_users_time_zone", "users", ["time_zone"])
    op.create_index(
        "ix_milestones_open_scheduled",
        "milestones",
        ["scheduled_at"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index("ix_plans_updated", "plans", ["updated_at"])


def downgrade():
    op.drop_index("ix_plans_updated", table_name="plans")
    op.drop_index("ix_milestones_open_scheduled", table_name="milestones")
    op.drop_index("ix_users_time_zone", table_name="users")
    op.drop_table("reminder_runs")
