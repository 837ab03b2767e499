"""How an API operation is declared: one decorator gives the route, the input checking, the
output shape and the operation's entry in the OpenAPI document, so the document is generated
from the code that answers and cannot drift from it.

    resource = Resource()

    @resource.operation("GET", "/opportunities/<int:opportunity_id>", tag="Opportunities",
                        summary="One opportunity", response=OpportunitySchema)
    def get_opportunity(opportunity_id: int): ...

The view receives its path values, `query=` (a dict) when `query` is given and `body=` (a
dict) when `body` is given, both already checked by their marshmallow schemas (a failure is a
422 problem with one entry per field). It returns what `response` dumps (`page=True`: a `Page`
of items), or None for 204. Service errors become problems through `ApiProblem`; a
`DomainError` a service raises is a 422 with its field messages (`refused`).

Declaring routes nothing: the `api` blueprint registers the resources listed in
`diaspora.api.resources.RESOURCES`.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from diaspora.core.errors import DomainError, problem
from diaspora.core.input import json_problems, text_problem

TITLE = "Diaspora health partnerships API"
VERSION = "1.0.0"
MAX_PER_PAGE = 100
MAX_ID = 2**31 - 1  # ids are 32-bit in both databases; a larger one names nothing
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiProblem(Exception):
    """An answer other than success, raised anywhere below a view: becomes a problem document."""

    def __init__(self, status: int, detail: str, errors: Sequence[dict] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors) if errors else None

    def response(self):
        extra = {"errors": self.errors} if self.errors else {}
        return problem(self.status, HTTPStatus(self.status).phrase, self.detail, **extra)


def not_found(what: str = "resource") -> ApiProblem:
    return ApiProblem(404, f"There is no such {what}, or you may not see it.")


def field_errors(errors: dict[str, str], *, where: str = "body") -> ApiProblem:
    """A 422 for a service's or a schema's field messages, one entry per field."""
    key = "pointer" if where == "body" else "parameter"
    entries = [
        {key: f"#/{name}" if where == "body" else name, "detail": message}
        for name, message in errors.items()
    ]
    return ApiProblem(422, "Some of what was sent is not valid: see errors.", entries)


def refused(error: DomainError) -> ApiProblem:
    """A 422 for what a service refused: one entry per field, or its message as the detail
    when it is about the request as a whole."""
    fields_named = {name: message for name, message in error.errors.items() if name}
    if not fields_named:
        return ApiProblem(422, error.message)
    return field_errors(fields_named)


# The marshmallow validators below leave length to the service, which says it in the page's
# words; every JSON string has already been held to the filter's cap for multi-line text.


def storable(text: str) -> None:
    """A marshmallow validator for free text: the input filter's rules for multi-line text."""
    problem = text_problem(text, multiline=True, limit=0)
    if problem:
        raise ValidationError(f"Text {problem}.")


def one_line(text: str) -> None:
    """A marshmallow validator for single-line text (a text box on the web form)."""
    problem = text_problem(text, limit=0)
    if problem:
        raise ValidationError(f"Text {problem}.")


def name_text(text: str) -> None:
    """A marshmallow validator for names and titles: the input filter's rules for a name."""
    problem = text_problem(text, name=True, limit=0)
    if problem:
        raise ValidationError(f"The name {problem}.")


# Shapes every operation shares ------------------------------------------------------------


class ProblemError(Schema):
    pointer = fields.String(metadata={"description": "The body field, as a JSON pointer"})
    parameter = fields.String(metadata={"description": "The query parameter"})
    detail = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(ProblemError))


class PageQuery(Schema):
    """Paging for every list: base class of list operations' query schemas."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int


def paginate(session: Session, statement: Select, query: dict) -> Page:
    """One page of `statement`'s rows (ORM entities when it selects one) and the total."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page, per_page = query["page"], query["per_page"]
    items = list(session.scalars(statement.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


def page_of(items: Sequence, query: dict) -> Page:
    """A page of a list already in memory (short lists the services hand over whole)."""
    page, per_page = query["page"], query["per_page"]
    start = (page - 1) * per_page
    return Page(list(items[start : start + per_page]), len(items), page, per_page)


_page_schemas: dict[type[Schema], type[Schema]] = {}


def page_schema(item: type[Schema]) -> type[Schema]:
    if item not in _page_schemas:
        name = item.__name__.removesuffix("Schema") + "Page"
        _page_schemas[item] = Schema.from_dict(
            {
                "items": fields.List(fields.Nested(item), required=True),
                "total": fields.Integer(required=True),
                "page": fields.Integer(required=True),
                "per_page": fields.Integer(required=True),
            },
            name=name,
        )
    return _page_schemas[item]


# Operations -------------------------------------------------------------------------------


@dataclass
class Operation:
    id: str
    method: str
    rule: str
    tag: str
    summary: str
    description: str
    query: type[Schema] | None
    body: type[Schema] | None
    response: type[Schema] | None
    status: int
    page: bool
    view: Callable = field(repr=False)
    problems: tuple[int, ...] = field(default=())

    @property
    def path(self) -> str:
        """The rule as OpenAPI writes it: `/opportunities/{opportunity_id}`."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_names(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.rule)


def _load(schema: type[Schema], data, where: str) -> dict:
    try:
        # Unknown names are refused, in the query too: a misspelt filter would otherwise
        # silently answer everything.
        return schema(unknown=RAISE).load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        flat = {
            name: " ".join(_texts(message)) for name, message in messages.items()
        }  # nested messages joined: one entry per field
        raise field_errors(flat, where=where) from None


def _texts(message) -> list[str]:
    if isinstance(message, str):
        return [message]
    if isinstance(message, dict):
        return [text for value in message.values() for text in _texts(value)]
    return [text for item in message for text in _texts(item)]


def _query_args() -> dict:
    """Query values, lists kept for fields that are lists."""
    return {
        name: values if len(values) > 1 else values[0]
        for name, values in request.args.lists()
        if values
    }


def _json_body() -> dict:
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON, with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiProblem(400, "The body must be a JSON object.")
    problems = json_problems(data)
    if problems:
        raise ApiProblem(
            422,
            "Some of what was sent is not valid: see errors.",
            [{"pointer": f"#{where}", "detail": what} for where, what in problems.items()],
        )
    return data


class Resource:
    """One area's API operations, in the order they are declared."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        rule: str,
        *,
        tag: str,
        summary: str,
        query: type[Schema] | None = None,
        body: type[Schema] | None = None,
        response: type[Schema] | None = None,
        status: int = 200,
        page: bool = False,
        problems: Sequence[int] = (),
    ) -> Callable:
        """Declare one API operation (see the module's docstring)."""
        if page and query is None:
            query = PageQuery

        def decorate(view: Callable) -> Callable:
            @wraps(view)
            def answer(**values):
                if any(not 0 < value <= MAX_ID for value in values.values()):
                    raise ApiProblem(404, "There is nothing at this address.")
                kwargs = dict(values)
                if query is not None:
                    kwargs["query"] = _load(query, _query_args(), "query")
                if body is not None:
                    kwargs["body"] = _load(body, _json_body(), "body")
                result = view(**kwargs)
                if result is None:
                    return "", 204
                if page:
                    dumped = page_schema(response)().dump(result)
                else:
                    dumped = response().dump(result) if response else result
                return jsonify(dumped), status

            self.operations.append(
                Operation(
                    id=view.__name__,
                    method=method,
                    rule=rule,
                    tag=tag,
                    summary=summary,
                    description=(view.__doc__ or "").strip(),
                    query=query,
                    body=body,
                    response=response,
                    status=status,
                    page=page,
                    view=answer,
                    problems=tuple(problems),
                )
            )
            return answer

        return decorate

    def register(self, blueprint: Blueprint) -> None:
        """Route every operation on the blueprint, each under its view's name."""
        for op in self.operations:
            blueprint.add_url_rule(op.rule, endpoint=op.id, view_func=op.view, methods=[op.method])


def statuses_of(op: Operation) -> list[int]:
    """Every status the operation may answer: documented so clients and fuzzing can rely on it."""
    codes = {401, 429, *op.problems}
    if op.method in WRITES:
        codes.add(403)  # a read-only token
    if op.path_names:
        codes.add(404)
    if op.query is not None or op.body is not None:
        codes.add(422)
    if op.query is not None:
        codes.add(400)  # query text the input filter refuses
    if op.body is not None:
        codes.update({400, 413, 415})
    return sorted(codes)


_schema_names: dict[str, type] = {}


def _schema_name(schema) -> str:
    """A schema's name in the document: its class name without "Schema", prefixed with its
    resource's name when two resources use the same class name (both called `Person`, say)."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if _schema_names.setdefault(name, cls) is not cls:
        name = cls.__module__.rsplit(".", 1)[-1].title() + name
        _schema_names.setdefault(name, cls)
    return name


def build_spec(server_url: str, operations: Sequence[Operation]) -> dict:
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={
            "description": "Opportunities, bookings, engagements, matches, plans and impact "
            "figures, for partner organisations' and staff members' own systems. Every call "
            "acts as the token's owner, with their roles and never more.",
        },
        servers=[{"url": server_url}],
        security=[{"bearer": []}],
    )
    spec.components.security_scheme(
        "bearer",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token. Every token expires on the date chosen when "
            "it was made (90 days by default, a year at most); an expired token is answered 401 "
            "with `reason` `token_expired`.",
        },
    )
    spec.components.schema("Problem", schema=ProblemSchema)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    paths: dict[str, dict] = {}
    for op in sorted(operations, key=lambda o: (o.path, o.method)):
        responses: dict[str, dict] = {}
        success = HTTPStatus(op.status).phrase
        if op.status == 204:
            responses["204"] = {"description": success}
        else:
            content = page_schema(op.response) if op.page else op.response
            responses[str(op.status)] = {
                "description": success,
                "content": {"application/json": {"schema": content}},
            }
        for code in statuses_of(op):
            responses[str(code)] = {
                "description": HTTPStatus(code).phrase,
                "content": {"application/problem+json": {"schema": problem_ref}},
            }
        described = {
            "operationId": op.id,
            "tags": [op.tag],
            "summary": op.summary,
            "responses": responses,
            "parameters": [
                {
                    "in": "path",
                    "name": name,
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                }
                for name in op.path_names
            ],
        }
        if op.description:
            described["description"] = op.description
        if op.query is not None:
            described["parameters"].append({"in": "query", "schema": op.query})
        if op.body is not None:
            described["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": op.body}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = described
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def checked_form(form_class: type, body: dict, **kwargs):
    """The page's own form, filled from a JSON body and validated: the web pages' rules for
    what a field may hold, without a second copy. Invalid: a 422 with the form's messages."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict()
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(
                name,
                ""
                if item is None
                else str(item)
                if not isinstance(item, bool)
                else ("y" if item else ""),
            )
    return _validated(form_class(formdata=data, meta={"csrf": False}, **kwargs))


def form_with(form_class: type, values: dict, **kwargs):
    """The page's own form, given values already parsed (dates as dates) and validated: its
    field rules, for a body whose shape the schema has checked. Invalid: a 422 with the
    form's messages."""
    return _validated(form_class(formdata=None, data=values, meta={"csrf": False}, **kwargs))


def _validated(form):
    if not form.validate():
        raise field_errors(
            {name: " ".join(map(str, errors)) for name, errors in form.errors.items()}
        )
    return form
