from collections.abc import Iterator

import pytest

from diaspora import config, create_app
from diaspora.extensions import db
from tests.conftest import own_database


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request, tmp_path) -> Iterator[str]:
    """An app context on a database of its own; yields its kind."""
    with own_database(request.param, tmp_path, "changelog") as url:
        app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            yield request.param
            db.session.remove()
            db.engine.dispose()
