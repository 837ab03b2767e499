import getpass
import sys

import click
from flask.cli import AppGroup

from diaspora.auth.services import create_admin, password_problem
from diaspora.extensions import db

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
