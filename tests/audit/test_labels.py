"""Every action code the code base records has a label for the audit log, and every label
belongs to a code that is recorded."""

import ast
from pathlib import Path

from flask_babel import force_locale

from diaspora.audit.labels import (
    ACTION_LABELS,
    DETAIL_LABELS,
    SUBJECT_LABELS,
    action_choices,
    action_label,
    detail_label,
    subject_label,
)
from diaspora.engagements.models import EngagementState
from diaspora.languages import translated

PACKAGE = Path(__file__).resolve().parents[2] / "diaspora"

# Codes built from a value at run time: the source of the f-string, and every value it takes.
FORMATTED = {
    "f'hours.{status}'": {"hours.approved", "hours.declined"},
    "f'credential.{credential.status}'": {"credential.verified", "credential.rejected"},
    "f'engagement.{to}'": {
        f"engagement.{state}"
        for state in (
            EngagementState.ACCEPTED,
            EngagementState.DECLINED,
            EngagementState.ACTIVE,
            EngagementState.COMPLETED,
            EngagementState.NO_SHOW,
        )
    },
    "f'engagement.release_{engagement.release_status}'": {
        "engagement.release_confirmed",
        "engagement.release_declined",
    },
}


def _codes_of(node: ast.expr, assigned: dict[str, ast.expr]) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes_of(node.body, assigned) | _codes_of(node.orelse, assigned)
    if isinstance(node, ast.JoinedStr):
        source = ast.unparse(node)
        assert source in FORMATTED, f"a new formatted audit code {source}: list its values"
        return FORMATTED[source]
    if isinstance(node, ast.Name) and node.id in assigned:
        return _codes_of(assigned[node.id], assigned)
    raise AssertionError(f"cannot tell which audit code {ast.unparse(node)} is")


def recorded_codes() -> set[str]:
    """The codes of every `record(session, code, ...)` call under diaspora/."""
    codes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
                continue
            assigned = {
                target.id: statement.value
                for statement in ast.walk(function)
                if isinstance(statement, ast.Assign)
                for target in statement.targets
                if isinstance(target, ast.Name)
            }
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or len(call.args) < 2:
                    continue
                name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                if name == "record" and "session" in ast.unparse(call.args[0]):
                    codes |= _codes_of(call.args[1], assigned)
    return codes


def test_the_collector_finds_the_codes():
    codes = recorded_codes()
    assert len(codes) > 80
    assert {"role.granted", "sign_in", "hours.approved", "engagement.completed"} <= codes


def test_every_recorded_code_has_a_label():
    missing = sorted(recorded_codes() - set(ACTION_LABELS))
    assert not missing, f"audit codes without a label in diaspora/audit/labels.py: {missing}"


def test_every_label_is_for_a_recorded_code():
    unused = sorted(set(ACTION_LABELS) - recorded_codes())
    assert not unused, f"labels for codes nothing records: {unused}"


def test_labels_are_distinct_and_read_as_words():
    labels = list(ACTION_LABELS.values())
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert label[0].isupper() and "_" not in label and "." not in label, label
    assert action_label("role.granted") == "Role given"
    assert action_label("retired.code") == "retired.code"


def test_every_record_type_label_is_for_a_model():
    import diaspora.models  # noqa: F401  (every area's models, as Alembic sees them)
    from diaspora.extensions import db

    models = {mapper.class_.__name__ for mapper in db.Model.registry.mappers}
    assert set(SUBJECT_LABELS) <= models, set(SUBJECT_LABELS) - models
    assert subject_label("User") == "Person"
    assert subject_label(None) == ""


def recorded_detail_keys() -> set[str]:
    """The keywords of every `record(session, code, ...)` call under diaspora/, but who and
    what: the keys an event's details are shown under."""
    keys: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call) or len(call.args) < 2:
                continue
            name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
            if name == "record" and "session" in ast.unparse(call.args[0]):
                keys |= {kw.arg for kw in call.keywords if kw.arg not in (None, "actor", "subject")}
    return keys


def test_every_recorded_detail_has_a_label():
    keys = recorded_detail_keys()
    assert {"count", "filters", "template_id", "before"} <= keys
    assert not sorted(keys - set(DETAIL_LABELS))
    assert detail_label("template_id") == "Template"
    assert detail_label("from_an_older_release") == "From an older release"


def test_labels_are_shown_in_the_readers_language(app):
    with app.test_request_context(), force_locale("fr"):
        assert translated(action_label("sign_in")) == "Connexion"
        assert translated(subject_label("User")) == "Personne"
        assert translated(detail_label("reason")) == "Motif"
        choices = dict(action_choices())
        assert choices["sign_in"] == "Connexion"
        assert len(choices) == len(ACTION_LABELS)
