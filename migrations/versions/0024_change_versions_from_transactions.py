"""change versions from transactions: on PostgreSQL a change's version is the id of the
transaction that wrote it, so writers no longer queue on the counter row

Revision ID: 0024_change_versions
Revises: 0023_reminder_runs
Create Date: 2026-12-23 00:00:00

`change_counter.pruned_through` says how far pruning has deleted the log. The log is emptied:
its old versions (counter numbers) and the new ones (transaction ids) are not comparable, and
copies in memory start from a full load in the processes the new code runs in. On SQLite the
counter goes on numbering the versions.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_change_versions"
down_revision = "0023_reminder_runs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("change_counter") as batch_op:
        batch_op.add_column(
            sa.Column("pruned_through", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute("DELETE FROM change_log")


def downgrade():
    op.execute("DELETE FROM change_log")
    if op.get_bind().dialect.name == "postgresql":
        # Counter numbers start again above every transaction id the log has held.
        op.execute("UPDATE change_counter SET version = pg_current_xact_id()::text::bigint")
    else:
        op.execute("UPDATE change_counter SET version = version + 1")
    with op.batch_alter_table("change_counter") as batch_op:
        batch_op.drop_column("pruned_through")
