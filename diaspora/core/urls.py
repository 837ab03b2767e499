"""Links that leave the service (emails, calendar feeds, certificates, printed join links) are
built on the configured service address, never on the request's Host header, which whoever
sends the request chooses."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_request


def service_url(config: Mapping[str, Any] | None = None) -> str:
    """The service's address as people reach it, without a trailing slash: SERVICE_URL, else
    PREFERRED_URL_SCHEME://SERVER_NAME, else the development server (`config`: the app's)."""
    config = current_app.config if config is None else config
    if config.get("SERVICE_URL"):
        return str(config["SERVICE_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'https'}://{config['SERVER_NAME']}"
    return "http://127.0.0.1:5000"


def external_url(
    endpoint: str, *, _anchor: str | None = None, _method: str | None = None, **values: Any
) -> str:
    """The full address of an endpoint on the configured service address; works in a request
    or only in an application context (the scheduler)."""
    return service_url() + _path(endpoint, _anchor, _method, values)


def service_path(endpoint: str, **values: Any) -> str:
    """The path of an endpoint, as links kept in messages are written (the inbox links it as it
    is, emails on the service address); works in a request or only in an application context."""
    return _path(endpoint, None, None, values)


def _path(endpoint: str, anchor: str | None, method: str | None, values: dict[str, Any]) -> str:
    """The endpoint's path, built without the request's host."""
    app = current_app
    if endpoint[:1] == ".":
        blueprint = request.blueprint if has_request_context() else None
        endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
    app.inject_url_defaults(endpoint, values)
    path = app.url_map.bind("").build(endpoint, values, method=method)
    if anchor is not None:
        path += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return path


class ServiceFlask(Flask):
    """Flask whose external URLs (`url_for(..., _external=True)`, and every URL built outside a
    request) are on the configured service address, so no call site can be given a forged
    host."""

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        in_request = has_request_context()
        if _external is None:
            _external = _scheme is not None or not in_request
        if _external:
            return external_url(endpoint, _anchor=_anchor, _method=_method, **values)
        if in_request and _cv_request.get().url_adapter is None:
            # A request for an untrusted host has no URL adapter; its error page still links.
            return _path(endpoint, _anchor, _method, values)
        return super().url_for(
            endpoint, _anchor=_anchor, _method=_method, _external=False, **values
        )
