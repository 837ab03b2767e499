"""Entry point for `flask` and gunicorn (`gunicorn app:app`)."""

from diaspora import create_app

app = create_app()
