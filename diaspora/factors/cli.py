"""The second factor from the command line: `flask users reset-second-factor EMAIL`."""

import click
from flask.cli import with_appcontext

from diaspora.auth.services import find_user_by_email
from diaspora.extensions import db
from diaspora.factors.services import reset_factors


@click.command("reset-second-factor")
@click.argument("email")
@with_appcontext
def reset_second_factor_command(email: str) -> None:
    """Remove a person's second factors (for the only administrator, who cannot be reset by a
    colleague); they set up a new one at their next sign-in. Audited, and the person emailed."""
    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException("No account has that email address.")
    reset_factors(db.session, user, actor=None, via="cli")
    db.session.commit()
    click.echo("Second factor reset. They set up a new one at their next sign-in.")
