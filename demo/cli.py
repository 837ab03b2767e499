"""`flask demo load` and `flask demo code`, registered by the entry point (app.py)."""

import click
import pyotp
from flask import current_app
from flask.cli import AppGroup

from demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo
from diaspora.extensions import db

demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("load")
def load_command() -> None:
    """Fill the database with demo organisations and accounts (safe to run again)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is never loaded in production.")
    counts = load_demo()
    db.session.commit()
    click.echo(
        f"Demo data ready: {counts['users']} users, {counts['organisations']} organisations, "
        f"{counts['profiles']} staff profiles, {counts['credentials']} professional registrations."
    )
    click.echo(f"Every demo account's password is {DEMO_PASSWORD}")
    click.echo(
        "Demo administrators, coordinators and partners use an authenticator app with the "
        f"setup key {DEMO_TOTP_SECRET}; `flask --app app demo code` prints its current code."
    )


@demo_cli.command("code")
def code_command() -> None:
    """Print the current code of the demo accounts' authenticator app."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is never loaded in production.")
    click.echo(pyotp.TOTP(DEMO_TOTP_SECRET).now())
