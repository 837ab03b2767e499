"""directory listed indexes: partial indexes of completed profiles that answer searches at a
million profiles without reading table rows

Revision ID: 0022_directory_listed_indexes
Revises: 0021_import_problem_messages
Create Date: 2026-12-08 00:00:00

ix_staff_profiles_directory led with visibility then completed_at (a range), so a profession
or grade filter could not narrow the scan, and it lacked user_id, which the listing rule reads
to leave disabled accounts out: every count read the table rows, a sequential scan of the
registry. Its replacements hold completed profiles only (the listing rule's first part) and
every column the rule, the column filters and the order read: ix_staff_profiles_listed seeks by
audience, profession and grade; ix_staff_profiles_listed_recent gives the listed in order of
recency, so the most recent twenty of a search are found without sorting every match;
ix_staff_profiles_listed_by_id checks the profiles a child-table filter (skill, language,
country tie) leads to without reading their rows (see docs/adr/0005). ix_credentials_verified
does the same for the "verified registration only" filter.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_directory_listed_indexes"
down_revision = "0021_import_problem_messages"
branch_labels = None
depends_on = None

COMPLETED = sa.text("completed_at IS NOT NULL")
VERIFIED = sa.text("status = 'verified'")
LISTED = [
    "visibility",
    "profession",
    "grade",
    "modality",
    "hours_per_month",
    "unavailable_until",
    "user_id",
    "id",
]
LISTED_RECENT = [
    "last_active_at",
    "id",
    "visibility",
    "user_id",
    "profession",
    "grade",
    "modality",
    "hours_per_month",
    "unavailable_until",
]
LISTED_BY_ID = [
    "id",
    "visibility",
    "user_id",
    "last_active_at",
    "profession",
    "grade",
    "modality",
    "hours_per_month",
    "unavailable_until",
]
DIRECTORY = [
    "visibility",
    "completed_at",
    "profession",
    "grade",
    "modality",
    "hours_per_month",
    "unavailable_until",
    "id",
]


def upgrade():
    with op.batch_alter_table("staff_profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_staff_profiles_listed", LISTED, sqlite_where=COMPLETED, postgresql_where=COMPLETED
        )
        batch_op.create_index(
            "ix_staff_profiles_listed_recent",
            LISTED_RECENT,
            sqlite_where=COMPLETED,
            postgresql_where=COMPLETED,
        )
        batch_op.create_index(
            "ix_staff_profiles_listed_by_id",
            LISTED_BY_ID,
            sqlite_where=COMPLETED,
            postgresql_where=COMPLETED,
        )
        batch_op.drop_index("ix_staff_profiles_directory")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credentials_verified",
            ["profile_id", "expires_on"],
            sqlite_where=VERIFIED,
            postgresql_where=VERIFIED,
        )


def downgrade():
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_credentials_verified")
    with op.batch_alter_table("staff_profiles", schema=None) as batch_op:
        batch_op.create_index("ix_staff_profiles_directory", DIRECTORY)
        batch_op.drop_index("ix_staff_profiles_listed_by_id")
        batch_op.drop_index("ix_staff_profiles_listed_recent")
        batch_op.drop_index("ix_staff_profiles_listed")
