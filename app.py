"""Entry point for `flask` and gunicorn (`gunicorn app:app`), with the `flask demo` commands."""

from demo.cli import demo_cli
from diaspora import create_app

app = create_app()
app.cli.add_command(demo_cli)
