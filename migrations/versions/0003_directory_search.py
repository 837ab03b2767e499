"""directory search: a covering listing index, and a full-text search vector (PostgreSQL)

Revision ID: 0003_directory_search
Revises: 0002_registry
Create Date: 2026-11-23 10:00:00.000000

On PostgreSQL, staff_profiles.search_vector holds to_tsvector('simple', search_text), set by a
trigger on every insert and on every update of search_text, with a GIN index for the
directory's full-text search. Stored rather than an expression index on to_tsvector(...) so that
ranking results (ts_rank) does not re-parse each matching profile's text: at 100,000 profiles
that made a broad free-text search several times slower (see docs/adr/0005).
On SQLite the column exists but stays NULL: the directory searches search_text with LIKE.

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0003_directory_search'
down_revision = '0002_registry'
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    with op.batch_alter_table('staff_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'search_vector', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=True
        ))
        # Covers the listing rule (visibility, completed) and the column filters, with the id to
        # join on: result counts need no visit to the (wide) table rows.
        batch_op.create_index(
            'ix_staff_profiles_directory',
            [
                'visibility', 'completed_at', 'profession', 'grade', 'modality',
                'hours_per_month', 'unavailable_until', 'id',
            ],
            unique=False,
        )
    if _postgresql():
        # tsvector_update_trigger is built into PostgreSQL: no function of our own to maintain.
        op.execute(
            "CREATE TRIGGER staff_profiles_search_vector"
            " BEFORE INSERT OR UPDATE OF search_text ON staff_profiles"
            " FOR EACH ROW EXECUTE FUNCTION"
            " tsvector_update_trigger(search_vector, 'pg_catalog.simple', search_text)"
        )
        op.execute("UPDATE staff_profiles SET search_vector = to_tsvector('simple', search_text)")
        op.create_index(
            'ix_staff_profiles_search_vector',
            'staff_profiles',
            ['search_vector'],
            unique=False,
            postgresql_using='gin',
        )


def downgrade():
    if _postgresql():
        op.drop_index('ix_staff_profiles_search_vector', table_name='staff_profiles')
        op.execute("DROP TRIGGER staff_profiles_search_vector ON staff_profiles")
    with op.batch_alter_table('staff_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_profiles_directory')
        batch_op.drop_column('search_vector')
