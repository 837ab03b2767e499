"""roles from memberships, single-use organisation invitations, append-only audit log

Revision ID: 0011_roles_from_memberships
Revises: 0010_account_hardening
Create Date: 2026-12-07 00:30:00

- "partner" and "coordinator" are no longer stored: they follow from active memberships of
  verified organisations (diaspora.organisations.access). The stored rows are deleted and a
  check constraint keeps `user_roles` to "staff" and "admin". Downgrading stores the roles
  again as the old code granted them, from every active membership.
- `organisation_invitations`: each emailed invitation is a row whose id its link carries, so a
  link works once and dies when withdrawn, when the person is removed or the organisation is
  rejected. Links sent before this revision carry no id and stop working.
- `audit_events` is append-only in the database as well as in the ORM: triggers refuse every
  UPDATE and DELETE (and TRUNCATE on PostgreSQL). Nothing in the application changes audit
  rows: account erasure anonymises the `users` row and never deletes it (docs/adr/0004), so the
  `ON DELETE SET NULL` of `audit_events.actor_id` never fires; were a user row ever deleted,
  that cascade is an UPDATE of audit rows and the trigger refuses it, which is what we want.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_roles_from_memberships'
down_revision = '0010_account_hardening'
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_events is append-only: its rows are never changed or deleted"


def upgrade():
    op.execute("DELETE FROM user_roles WHERE role NOT IN ('staff', 'admin')")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.create_check_constraint('stored_role', "role IN ('staff', 'admin')")

    op.create_table('organisation_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitations'))
    )
    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_invitations_email_fingerprint'), ['email_fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_invitations_organisation_id'), ['organisation_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY}';
            END
            $$
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only
            BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """)
        op.execute("""
            CREATE TRIGGER audit_events_no_truncate
            BEFORE TRUNCATE ON audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
        """)
    else:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{event.lower()}
                BEFORE {event} ON audit_events
                BEGIN
                    SELECT RAISE(ABORT, '{APPEND_ONLY}');
                END
            """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("DROP TRIGGER audit_events_no_update")

    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_invitations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_invitations_email_fingerprint'))
    op.drop_table('organisation_invitations')

    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_roles_stored_role'), type_='check')
    for role, condition in (
        ('coordinator', "o.kind IN ('nhs_trust', 'charity')"),
        ('partner', "o.kind NOT IN ('nhs_trust', 'charity')"),
    ):
        op.execute(f"""
            INSERT INTO user_roles (user_id, role, granted_at)
            SELECT DISTINCT m.user_id, '{role}', CURRENT_TIMESTAMP
            FROM memberships m JOIN organisations o ON o.id = m.organisation_id
            WHERE m.status = 'active' AND {condition}
        """)
