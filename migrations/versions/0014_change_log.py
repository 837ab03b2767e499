"""the log of changes and its counter named for the changelog package, not for matching

Revision ID: 0014_change_log
Revises: 0013_second_factor
Create Date: 2026-12-10 00:00:00

`matching_changes` becomes `change_log` and `matching_counter` becomes `change_counter`, with
their primary keys, index and (on PostgreSQL) id sequences named after them: the log serves
the impact figures as well as matching. SQLite cannot rename a constraint or an index: batch
mode copies each table into one built with the new names.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_change_log'
down_revision = '0013_second_factor'
branch_labels = None
depends_on = None

NAMING_CONVENTION = {"pk": "pk_%(table_name)s"}


def _log(name):
    return sa.Table(
        name,
        sa.MetaData(naming_convention=NAMING_CONVENTION),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('opportunity_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=True),
    )


def _counter(name):
    return sa.Table(
        name,
        sa.MetaData(naming_convention=NAMING_CONVENTION),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('version', sa.BigInteger(), nullable=False),
    )


def _rename(log, counter):
    """Rename the log and the counter: (old name, new name) each."""
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for (old, new), table in ((log, _log), (counter, _counter)):
        op.rename_table(old, new)
        if postgresql:
            op.execute(f'ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}')
            op.execute(f'ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq')
        else:
            with op.batch_alter_table(new, copy_from=table(new), recreate='always'):
                pass  # the copy drops the old index with the old table
    (old, new) = log
    if postgresql:
        op.execute(f'ALTER INDEX ix_{old}_version RENAME TO ix_{new}_version')
    else:
        op.create_index(f'ix_{new}_version', new, ['version'], unique=False)


def upgrade():
    _rename(('matching_changes', 'change_log'), ('matching_counter', 'change_counter'))


def downgrade():
    _rename(('change_log', 'matching_changes'), ('change_counter', 'matching_counter'))
