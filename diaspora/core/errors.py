"""NHS-style error pages for people; the JSON API answers problem documents of its own."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

PAGES = {
    400: ("Sorry, there is a problem with the request", "errors/400.html"),
    403: ("You do not have permission to see this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Sorry, there is a problem with the request", "errors/400.html"),
    429: ("Too many attempts", "errors/429.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
}


def _page(status: int, **context):
    title, template = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    return render_template(template, title=title, **context), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _page(400, csrf=True)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return _page(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        return _page(500)
