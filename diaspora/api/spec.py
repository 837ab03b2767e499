"""How an API operation is declared: one decorator gives the route, the input checking, the
output shape and the operation's entry in the OpenAPI document, so the document is generated
from the code that answers and cannot drift from it.

    resource = Resource()

    @resource.operation("GET", "/opportunities/<int:opportunity_id>", tag="Opportunities",
                        summary="One opportunity", response=OpportunitySchema)
    def get_opportunity(opportunity_id: int): ...

Input has one layer, the forms: `query` is a small form the query string fills (the view gets
`query=`, a dict of the values sent and the defaults), `body` the JSON shape the body must
have (the view gets `body=`, the JSON object), made from the page's form by `form_schema`;
the view fills that form with `checked_form`. The form parses, filters and checks every
value as it does on the page; a failure is a 422 problem with one entry per field. The view
returns what the marshmallow `response` schema dumps (`page=True`: a `Page` of items), or
None for 204. Service errors become problems through `ApiProblem`; a `DomainError` a service
raises is a 422 with its field messages (`refused`).

Declaring routes nothing: the `api` blueprint registers the resources listed in
`diaspora.api.resources.RESOURCES`.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import time
from functools import wraps
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectMultipleField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, NumberRange

from diaspora.core.errors import DomainError, problem
from diaspora.core.input import cleaned
from diaspora.widgets import NhsDateField, NhsukForm, WholeNumberField

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


class Flag(Field):
    """true or false, in a query string."""

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            if valuelist[0] not in ("true", "false"):
                raise ValueError("Must be true or false.")
            self.data = valuelist[0] == "true"


class PageQuery(NhsukForm):
    """Paging for every list: base class of list operations' query forms."""

    page = IntegerField("Page", [NumberRange(1, 100_000)], default=1)
    per_page = IntegerField("Items a page", [NumberRange(1, MAX_PER_PAGE)], default=20)


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
    query: type[NhsukForm] | None
    body: type | Callable[[], dict] | None
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


def _query(form_class: type[NhsukForm]) -> dict:
    """The query string read by its form: the values sent and the defaults, by field."""
    form = form_class(formdata=request.args, meta={"csrf": False})
    form.validate()
    # Unknown names are refused: a misspelt filter would otherwise silently answer everything.
    names = {field.name for field in form}
    errors = {name: "Unknown field." for name in request.args if name not in names}
    errors |= {name: "Give one value." for name, values in request.args.lists() if len(values) > 1}
    # A field left out has nothing to check: only what was sent can be wrong.
    by_attribute = form._fields.items()
    sent = {attr: field for attr, field in by_attribute if field.name in request.args}
    errors |= {field.name: _joined(field.errors) for field in sent.values() if field.errors}
    if errors:
        raise field_errors(errors, where="query")
    defaults = {attr: field.data for attr, field in by_attribute if field.default is not None}
    return defaults | {attr: field.data for attr, field in sent.items()}


def _joined(messages: list) -> str:
    """A field's messages as one, each once (the filter and a validator may say the same)."""
    return " ".join(dict.fromkeys(map(str, messages)))


def _json_body() -> dict:
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON, with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiProblem(400, "The body must be a JSON object.")
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
        query: type[NhsukForm] | None = None,
        body: type | Callable[[], dict] | None = None,
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
                    kwargs["query"] = _query(query)
                if body is not None:
                    kwargs["body"] = _json_body()
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
            described["parameters"] += [
                {"in": "query", "name": name, "schema": schema}
                for name, schema in form_schema(op.query)["properties"].items()
            ]
        if op.body is not None:
            described["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body_schema(op.body)}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = described
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


# The forms as JSON ---------------------------------------------------------------------------

JSON_TYPES = {
    "string": (str, "text"),
    "integer": (int, "a whole number"),
    "boolean": (bool, "true or false"),
    "array": (list, "a list"),
    "object": (dict, "an object"),
}
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def form_fields(form_class: type) -> dict[str, UnboundField]:
    """A form's fields by the name they are sent under, in the order they were declared."""
    found = [
        (unbound.creation_counter, unbound.kwargs.get("name", attr), unbound)
        for attr in dir(form_class)
        if isinstance(unbound := getattr(form_class, attr, None), UnboundField)
    ]
    return {name: unbound for _, name, unbound in sorted(found, key=lambda f: f[0])}


def field_schema(unbound: UnboundField) -> dict:
    """The JSON a field takes, as the form parses it: its type, and the choices and limits its
    validators hold it to."""
    kind, args, kwargs = unbound.field_class, unbound.args, unbound.kwargs
    label = str(args[0] if args else kwargs.get("label", ""))
    schema: dict = {"description": label.removesuffix(" (optional)")}
    rules = [*(args[1] if len(args) > 1 else ()), *kwargs.get("validators", ())]
    if issubclass(kind, BooleanField | Flag):
        return schema | {"type": "boolean"}
    if issubclass(kind, IntegerField):
        schema["type"] = "integer"
        for rule in rules:
            if isinstance(rule, NumberRange):
                schema |= {"minimum": rule.min, "maximum": rule.max}
        return schema | ({"minimum": 0} if issubclass(kind, WholeNumberField) else {})
    if issubclass(kind, NhsDateField | DateField):
        return schema | {"type": "string", "format": "date"}
    choices = [
        getattr(c, "value", c[0] if isinstance(c, tuple) else c)
        for c in kwargs.get("choices") or ()
    ]
    enum = {"enum": choices} if choices and kwargs.get("validate_choice", True) else {}
    if issubclass(kind, SelectMultipleField):
        return schema | {"type": "array", "items": {"type": "string"} | enum}
    for rule in rules:
        if isinstance(rule, Length) and rule.max >= 0:
            schema["maxLength"] = rule.max
    return schema | {"type": "string"} | enum


def form_schema(form_class: type, *, leave_out: Sequence[str] = ()) -> dict:
    """The JSON object a form takes: one member per field, each optional (the form says what
    it needs, in the page's words)."""
    properties = {
        name: field_schema(unbound)
        for name, unbound in form_fields(form_class).items()
        if name not in leave_out
    }
    return {"type": "object", "properties": properties, "additionalProperties": False}


def body_schema(body: type | Callable[[], dict]) -> dict:
    """An operation's body: its form's (a form class), or what a function makes of forms."""
    return form_schema(body) if isinstance(body, type) else body()


def shape_problems(schema: dict, value, pointer: str = "") -> dict[str, str]:
    """What in `value` is not of the JSON types `schema` gives (JSON pointer -> message):
    the forms then read only values of the right type."""
    kind = schema.get("type")
    python_type, words = JSON_TYPES.get(kind, (object, ""))
    if not isinstance(value, python_type) or (kind == "integer" and isinstance(value, bool)):
        return {pointer: f"Must be {words}."}
    if schema.get("format") == "date" and not ISO_DATE.fullmatch(value):
        return {pointer: "Must be a date like 2027-03-31."}
    problems: dict[str, str] = {}
    if kind == "array":
        if len(value) > schema.get("maxItems", len(value)):
            return {pointer: f"Choose up to {schema['maxItems']} of them."}
        for index, item in enumerate(value):
            problems |= shape_problems(schema["items"], item, f"{pointer}/{index}")
    elif kind == "object":
        properties = schema["properties"]
        for name, item in value.items():
            where = f"{pointer}/{cleaned(name, name=True)}"
            problems |= (
                shape_problems(properties[name], item, where)
                if name in properties
                else {where: "Unknown field."}
            )
        for name in schema.get("required", ()):
            if name not in value:
                problems[f"{pointer}/{name}"] = "Missing data for required field."
    return problems


def formdata(form_class: type, values: dict) -> MultiDict:
    """JSON values (or stored ones: dates, times) as a page would post them to the form."""
    dates = {
        n for n, f in form_fields(form_class).items() if issubclass(f.field_class, NhsDateField)
    }
    data = MultiDict()
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None or item is False:
                continue
            text = "y" if item is True else f"{item:%H:%M}" if isinstance(item, time) else str(item)
            if name in dates and (parts := ISO_DATE.fullmatch(text)):
                parts_sent = (f"{name}-year", f"{name}-month", f"{name}-day")
                data.update(zip(parts_sent, parts.groups(), strict=True))
            else:
                data.add(name, text)
    return data


def checked_form(
    form_class: type,
    body: dict,
    *,
    stored: dict | None = None,
    schema: dict | None = None,
    as_fields: Callable[[dict], dict] = dict,
    pointer: Callable[[str], str] = str,
    **kwargs,
):
    """The page's own form, filled from a JSON body (laid over `stored` values, for a change)
    and validated: the web pages' rules for what a field may hold, without a second copy.
    `schema` is the body's JSON shape (the form's by default), `as_fields` turns its members
    into the form's fields and `pointer` names a field's member back. Invalid, or a value of
    the wrong JSON type: a 422 with one entry per member."""
    problems = shape_problems(schema or form_schema(form_class), body)
    wrong = {where.split("/")[1] for where in problems}
    values = as_fields((stored or {}) | {n: v for n, v in body.items() if n not in wrong})
    form = form_class(formdata=formdata(form_class, values), meta={"csrf": False}, **kwargs)
    form.validate()
    errors = {pointer(name): _joined(messages) for name, messages in form.errors.items()}
    errors |= {where.removeprefix("/"): message for where, message in problems.items()}
    if errors:
        raise field_errors(errors)
    return form
