import click
from flask.cli import AppGroup

from diaspora.api import tokens
from diaspora.api.models import SCOPE_LABELS
from diaspora.auth.services import find_user_by_email
from diaspora.extensions import db

tokens_cli = AppGroup("tokens", help="Issue personal access tokens for the API.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--scope", type=click.Choice(sorted(SCOPE_LABELS)), default="read", show_default=True)
@click.option(
    "--days",
    type=int,
    default=None,
    help="Days until the token expires (default 90, at most 365).",
)
def create_command(email: str, name: str, scope: str, days: int | None) -> None:
    """Make a token for the account with EMAIL and print it (it is shown only this once)."""
    user = find_user_by_email(db.session, email)
    if user is None or not user.active:
        raise click.ClickException("No active account has that email address.")
    try:
        token, secret = tokens.create(db.session, user, name, scope, days)
    except tokens.TokenError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(secret)
    click.echo(f"It expires on {token.expires_at:%Y-%m-%d}.", err=True)
