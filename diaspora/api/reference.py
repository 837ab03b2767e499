"""The OpenAPI document turned into what the reference page lists, for people to read."""

from dataclasses import dataclass, field

# The order a reader meets things in: who they are, then what partners post, then the rest.
TAG_ORDER = [
    "Account",
    "Organisations",
    "Opportunities",
    "Engagements",
    "Bookings",
    "Matches",
    "Plans",
    "Notifications",
    "Impact",
]


@dataclass
class Field:
    name: str
    where: str
    type: str
    required: bool
    description: str = ""


@dataclass
class Described:
    method: str
    path: str
    summary: str
    description: str
    fields: list[Field] = field(default_factory=list)
    returns: str = ""
    statuses: list[str] = field(default_factory=list)


def _schema(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _type(spec: dict, schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(k for k in kind if k != "null") + (
            " (or null)" if "null" in kind else ""
        )
    if kind == "array":
        return f"list of {_type(spec, schema.get('items', {}))}"
    if "enum" in schema:
        return f"{kind}: one of " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def reference_sections(spec: dict) -> list[tuple[str, list[Described]]]:
    """(tag, operations), tags in TAG_ORDER (any other last, by name)."""
    sections: dict[str, list[Described]] = {}
    base = spec["servers"][0]["url"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            described = Described(
                method=method.upper(),
                path=base + path,
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                statuses=sorted(op["responses"]),
            )
            for parameter in op.get("parameters", []):
                described.fields.append(
                    Field(
                        parameter["name"],
                        parameter["in"],
                        _type(spec, parameter.get("schema", {})),
                        parameter.get("required", False),
                        parameter.get("description", ""),
                    )
                )
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                schema = _schema(spec, body["schema"])
                required = set(schema.get("required", []))
                for name, prop in schema.get("properties", {}).items():
                    if prop.get("readOnly"):
                        continue
                    described.fields.append(
                        Field(
                            name,
                            "body",
                            _type(spec, prop),
                            name in required,
                            prop.get("description", ""),
                        )
                    )
            for status, response in op["responses"].items():
                content = response.get("content", {}).get("application/json")
                if status.startswith("2") and content:
                    described.returns = _type(spec, content["schema"])
            for tag in op.get("tags", ["Other"]):
                sections.setdefault(tag, []).append(described)
    return sorted(
        sections.items(),
        key=lambda item: (TAG_ORDER.index(item[0]) if item[0] in TAG_ORDER else 99, item[0]),
    )


def shapes(spec: dict) -> list[tuple[str, str, list[Field]]]:
    """The document's named schemas: (name, description, fields)."""
    listed = []
    for name, schema in spec["components"]["schemas"].items():
        required = set(schema.get("required", []))
        listed.append(
            (
                name,
                schema.get("description", ""),
                [
                    Field(
                        prop,
                        "",
                        _type(spec, detail),
                        prop in required,
                        detail.get("description", ""),
                    )
                    for prop, detail in schema.get("properties", {}).items()
                ],
            )
        )
    return listed
