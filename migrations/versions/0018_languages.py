"""languages: the language each person reads the service and their emails in

Revision ID: 0018_languages
Revises: 0017_mobile_numbers
Create Date: 2026-12-14 00:00:00

- `users.language`: a code the service speaks (en, fr, ar, bn), or NULL until the person
  chooses, when their browser's language is used.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_languages'
down_revision = '0017_mobile_numbers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
