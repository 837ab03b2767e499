import getpass
import sys

import click
from flask.cli import AppGroup

from diaspora.auth.services import create_admin, find_user_by_email, password_problem
from diaspora.extensions import db
from diaspora.factors.services import reset_factors

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Display name.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
def create_admin_command(email: str, name: str, password_stdin: bool) -> None:
    """Create the first administrator (or make an existing account an administrator)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")  # click.get_text_stream is deprecated
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise click.ClickException("The passwords do not match.")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.ClickException(problem)
    create_admin(db.session, email, password, name)
    db.session.commit()
    click.echo("Administrator ready.")


@users_cli.command("reset-second-factor")
@click.argument("email")
def reset_second_factor_command(email: str) -> None:
    """Remove a person's second factors (for the only administrator, who cannot be reset by a
    colleague); they set up a new one at their next sign-in. Audited, and the person emailed."""
    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException("No account has that email address.")
    reset_factors(db.session, user, actor=None, via="cli")
    db.session.commit()
    click.echo("Second factor reset. They set up a new one at their next sign-in.")
