"""The diaspora engagement platform: create_app() builds the Flask application."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from diaspora.config import INSTANCE_DIR, Config, config_from_environment
from diaspora.core.assets import init_static
from diaspora.core.input import JSONProvider, register_input_checks
from diaspora.core.logs import init_logging
from diaspora.core.urls import ServiceFlask
from diaspora.extensions import init_extensions
from diaspora.languages import init_languages
from diaspora.templating import TEMPLATES_DIR, init_templating

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] | None = None, **overrides: object) -> Flask:
    config = (config_class or config_from_environment())()
    app = ServiceFlask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(TEMPLATES_DIR),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config)
    app.config["MIGRATIONS_DIR"] = ROOT / "migrations"
    app.config.update(overrides)
    Path(app.instance_path).mkdir(exist_ok=True)
    if proxies := int(app.config.get("PROXY_COUNT") or 0):
        # The client's address (audit, rate limits) and scheme as the trusted proxies saw them;
        # the host is never taken from a header (links use SERVICE_URL).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)
    init_static(app)
    app.json = JSONProvider(app)
    init_logging(app)

    init_templating(app)
    init_languages(app, str(ROOT / "translations"))
    register_input_checks(app)
    init_extensions(app)
    from diaspora import models  # noqa: F401  (every table registered, for Alembic too)
    from diaspora.changelog import mirror
    from diaspora.impact.work import Work
    from diaspora.matching.openings import Openings
    from diaspora.matching.staff_pool import StaffPool

    mirror.init_app(app, (StaffPool, Openings, Work))  # copies in memory, kept exact

    _register_blueprints(app)
    _register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from diaspora.account.mobile_views import bp as phones_bp
    from diaspora.account.views import bp as auth_bp
    from diaspora.admin.views import bp as admin_bp
    from diaspora.api.pages import bp as api_tokens_bp
    from diaspora.api.views import api as api_bp
    from diaspora.auth.login import register_login
    from diaspora.bookings.views import bp as bookings_bp
    from diaspora.cohorts.views import bp as cohorts_bp
    from diaspora.contributions.views import bp as contributions_bp
    from diaspora.core.errors import register_error_pages
    from diaspora.core.security import register_security
    from diaspora.core.views import bp as core_bp
    from diaspora.credentials.views import bp as credentials_bp
    from diaspora.directory.views import bp as directory_bp
    from diaspora.engagements.views import bp as engagements_bp
    from diaspora.factors.gate import register_gate
    from diaspora.factors.views import bp as factors_bp
    from diaspora.home.views import bp as home_bp
    from diaspora.impact.views import bp as impact_bp
    from diaspora.languages.views import bp as languages_bp
    from diaspora.matching.views import bp as matching_bp
    from diaspora.milestones.views import bp as milestones_bp
    from diaspora.mydata.views import bp as mydata_bp
    from diaspora.notifications.views import bp as notifications_bp
    from diaspora.notifications.webhooks import bp as gateways_bp
    from diaspora.organisations.views import bp as organisations_bp
    from diaspora.postings.views import bp as opportunities_bp
    from diaspora.registry.viewer import register_viewer
    from diaspora.registry.views import bp as registry_bp

    register_security(app)
    register_login()
    register_viewer(app)
    register_gate(app)
    register_error_pages(app)
    for blueprint in (
        core_bp,
        languages_bp,
        auth_bp,
        factors_bp,
        organisations_bp,
        registry_bp,
        credentials_bp,
        directory_bp,
        opportunities_bp,
        engagements_bp,
        bookings_bp,
        contributions_bp,
        milestones_bp,
        matching_bp,
        cohorts_bp,
        impact_bp,
        notifications_bp,
        gateways_bp,
        phones_bp,
        mydata_bp,
        admin_bp,
        home_bp,
        api_tokens_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from diaspora.api.cli import tokens_cli
    from diaspora.auth.cli import users_cli
    from diaspora.factors.cli import reset_second_factor_command
    from diaspora.scheduler import scheduler_cli

    users_cli.add_command(reset_second_factor_command)  # the second factor's own command
    app.cli.add_command(users_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(tokens_cli)
