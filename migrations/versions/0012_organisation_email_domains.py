"""mail domains an administrator confirmed for an organisation

Revision ID: 0012_organisation_email_domains
Revises: 0011_roles_from_memberships
Create Date: 2026-12-08 00:00:00

- `organisations.email_domains`: a JSON list of lower-case mail domains an administrator
  confirmed the organisation uses. A line manager's address at one of them is accepted for a
  release while the organisation is a verified NHS trust. Existing organisations get none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_organisation_email_domains'
down_revision = '0011_roles_from_memberships'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_domains', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('email_domains')
