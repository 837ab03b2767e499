"""What the rules need from the running application, so that services stay plain Python and
only views, jobs and core know Flask: a configured value, a rendered text, the address a
request came from."""

from typing import Any

from flask import current_app, has_request_context, render_template, request


def setting(name: str, default: Any = None) -> Any:
    """The configured value of `name`, or `default` when the configuration has none."""
    return current_app.config.get(name, default)


def render_text(template: str, **context: Any) -> str:
    """A template of templates/ rendered with `context` (a message's body, say)."""
    return render_template(template, **context)


def client_address() -> str | None:
    """The address the current request came from (as ProxyFix trusts it); None in a job."""
    return request.remote_addr if has_request_context() else None
