"""NHS-style error pages for people; the JSON API answers problem documents of its own."""

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden, HTTPException

from diaspora.core.logs import describe_exception
from diaspora.core.words import N_

API_PREFIX = "/api/"

PAGES = {
    400: (N_("Sorry, there is a problem with the request"), "errors/400.html"),
    403: (N_("You do not have permission to see this page"), "errors/403.html"),
    404: (N_("Page not found"), "errors/404.html"),
    405: (N_("Sorry, there is a problem with the request"), "errors/400.html"),
    413: (N_("What you sent is too large"), "errors/413.html"),
    429: (N_("Too many attempts"), "errors/429.html"),
    500: (N_("Sorry, there is a problem with the service"), "errors/500.html"),
}


class DomainError(ValueError):
    """What the rules refuse, raised by services in every area: `errors` maps a form field's
    name to a message fit to show ("" for the form as a whole), `message` is all of them.

    A page puts each message on its field (`NhsukForm.add_errors`); the API answers 422 with
    one entry per field (`diaspora.api.views`). Raise it with a field map, or with one message
    and the `field` it belongs to."""

    def __init__(self, errors: dict[str, str] | str = "", *, field: str = "") -> None:
        self.errors = dict(errors) if isinstance(errors, dict) else {field: errors}
        self.message = "; ".join(self.errors.values())
        super().__init__(self.message)


class ExplainedRefusal(Forbidden):
    """A 403 that says why with a page of its own: `template` rendered with `context` (and
    `title`). The API answers it with a problem document whose detail is `description`."""

    def __init__(self, template: str, title: str, description: str, **context: object) -> None:
        super().__init__(description)
        self.template = template
        self.title = title
        self.context = context


def _page(status: int, **context):
    title, template = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    return render_template(template, title=gettext(title), **context), status


def problem(status: int, title: str, detail: str, **extra: object):
    """An RFC 9457 problem document, the API's answer to anything that went wrong."""
    response = jsonify(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    )
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _api_problem(error: HTTPException):
    return problem(error.code, error.name, error.description or error.name)


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        g.csrf_failed = True  # for the security log
        return _page(400, csrf=True)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if request.path.startswith(API_PREFIX):
            return _api_problem(error)
        if isinstance(error, ExplainedRefusal):
            page = render_template(error.template, title=error.title, **error.context)
            return page, error.code
        if error.description != type(error).description:
            return _page(error.code, detail=error.description)  # said by the service itself
        return _page(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # The route's pattern, not its path (links carry tokens), and the error by kind and
        # place: its message and arguments may quote personal data.
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        app.logger.error(
            "Unhandled error on %s %s: %s", request.method, rule, describe_exception(error)
        )
        if request.path.startswith(API_PREFIX):
            return problem(500, "Internal Server Error", "Something went wrong on our side.")
        return _page(500)
