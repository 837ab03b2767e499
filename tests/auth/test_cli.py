"""`flask users create-admin` and `flask demo load`."""

import pytest

from diaspora.auth.models import User
from diaspora.demo import DEMO_PASSWORD
from diaspora.organisations.models import Membership, Organisation
from tests.core.support import ProductionTestConfig, fresh_app
from tests.helpers import sign_in

ADMIN_PASSWORD = "a strong admin password"


def create_admin(app, email: str, password: str):
    return app.test_cli_runner().invoke(
        args=["users", "create-admin", email, "--name", "Root Admin", "--password-stdin"],
        input=f"{password}\n",
    )


def find(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).filter_by(email=email))


def test_create_admin_makes_a_verified_administrator(app, client, db):
    result = create_admin(app, "Root@Example.org", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Administrator ready." in result.output
    admin = find(db, "root@example.org")
    assert admin is not None
    assert admin.role_names == {"admin"}
    assert admin.email_verified_at is not None
    assert admin.display_name == "Root Admin"
    assert admin.password_hash.startswith("$argon2id$")
    sign_in(client, "root@example.org", ADMIN_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_create_admin_promotes_an_existing_account(app, make, db):
    user = make.user(roles=["staff"])
    assert create_admin(app, user.email, ADMIN_PASSWORD).exit_code == 0
    assert find(db, user.email).role_names == {"staff", "admin"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Password must be 10 characters or more"),
        ("boss@example.org", "Password must not be your email address"),
        ("", "Password must be 10 characters or more"),
    ],
)
def test_create_admin_rejects_a_weak_password(app, db, password, message):
    result = create_admin(app, "boss@example.org", password)
    assert result.exit_code != 0
    assert message in result.output
    assert find(db, "boss@example.org") is None


def counts(db) -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__name__: db.session.query(model).count()
        for model in (User, Organisation, Membership)
    }


def test_demo_load_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    after_first = counts(db)
    assert after_first["User"] > 50
    assert after_first["Organisation"] >= 6

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert counts(db) == after_first
    assert second.output == first.output
    assert f"{after_first['User']} users, {after_first['Organisation']} organisations" in (
        second.output
    )
    assert DEMO_PASSWORD in second.output


def test_demo_accounts_can_sign_in(app, client, db):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    sign_in(client, "admin@demo.test", DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_demo_load_refuses_production(database_url, app, db):
    with fresh_app(ProductionTestConfig, database_url) as production, production.app_context():
        result = production.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "Demo data is never loaded in production." in result.output
    assert counts(db)["User"] == 0
