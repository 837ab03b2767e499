"""INTERIM (replaced by generated revisions before merging): create every model table that the
earlier revisions do not, straight from the models, so areas under construction can change them.

Revision ID: 0004_work_in_progress
Revises: 0003_directory_search
"""
from alembic import op

from diaspora.models import metadata_for

revision = '0004_work_in_progress'
down_revision = '0003_directory_search'
branch_labels = None
depends_on = None


def _new_tables():
    bind = op.get_bind()
    existing = set(__import__("sqlalchemy").inspect(bind).get_table_names())
    metadata = metadata_for(bind.dialect.name)
    return bind, [t for t in metadata.sorted_tables if t.name not in existing and t.name != "alembic_version"]


def upgrade():
    bind, tables = _new_tables()
    for table in tables:
        table.create(bind)
    op.create_index("ix_users_disabled", "users", ["id"], sqlite_where=__import__("sqlalchemy").text("NOT active"), postgresql_where=__import__("sqlalchemy").text("NOT active"))


def downgrade():
    bind = op.get_bind()
    old = {"users", "user_roles", "audit_events", "organisations", "memberships", "staff_profiles",
           "country_ties", "profile_languages", "profile_skills", "availability_windows",
           "credentials", "alembic_version"}
    op.drop_index("ix_users_disabled", table_name="users")
    metadata = metadata_for(bind.dialect.name)
    for table in reversed(metadata.sorted_tables):
        if table.name not in old:
            table.drop(bind, checkfirst=True)
